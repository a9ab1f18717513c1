/**
 * The one table of metrics: for every name a scenario summary records (documents/summary.ts), its unit, which
 * way is better, how a step's iterations reduce to one value, and how it is read from a run's result. Thresholds,
 * comparisons, history and reports all read this table. The witnesses' metrics (witnesses/list.ts) join it from
 * each witness, and each witness says whether a run can measure its own.
 */

import { median } from '../calibration/stats.js';
import type { RunResult } from '../documents/result.js';
import { METRIC_NAMES, type MetricName, type ScrapeMetricName, type StepMetrics } from '../documents/summary.js';
import { resultErrorTotal } from '../result/error-total.js';
import { isSeriesMetric, seriesMetrics, WITNESSES, witnessOf } from '../witnesses/list.js';
import type { MetricDef, MetricUnit, WitnessConfig } from '../witnesses/witness.js';
import { modeTraits } from '../worker-contract/traits.js';

export type { MetricDef, MetricName, MetricUnit, StepMetrics };
export { METRIC_NAMES };

const latency = (pick: (r: RunResult) => number | null): MetricDef => ({
  unit: 'us',
  better: 'lower',
  reduce: 'median',
  read: pick,
});
/** Counted events: the worst iteration. */
const worst = (read: (r: RunResult) => number | null): MetricDef => ({
  unit: 'count',
  better: 'lower',
  reduce: 'max',
  events: true,
  read,
});
const fewest = (read: (r: RunResult) => number | null): MetricDef => ({
  unit: 'count',
  better: 'higher',
  reduce: 'min',
  read,
});

/** Every metric by name: the run's own here, each witness's from its file (a test checks every name has its entry). */
export const METRICS = {
  p50: latency((r) => r.latency.roundTripUs.p50),
  p90: latency((r) => r.latency.roundTripUs.p90),
  p95: latency((r) => r.latency.roundTripUs.p95),
  p99: latency((r) => r.latency.roundTripUs.p99),
  'p99.9': latency((r) => r.latency.roundTripUs.p999),
  max: latency((r) => r.latency.roundTripUs.max),
  mean: latency((r) => r.latency.roundTripUs.mean),
  'connect.p50': latency((r) => r.latency.connectUs.p50),
  'connect.p95': latency((r) => r.latency.connectUs.p95),
  'connect.p99': latency((r) => r.latency.connectUs.p99),
  /** Round trips per second, where round trips are the mode's work (echo, hold). */
  rps: {
    unit: 'per-second',
    better: 'higher',
    reduce: 'median',
    read: (r) => (modeTraits(r.config).roundTrips ? r.throughput.roundTripsPerSecond : null),
  },
  /** Churn cycles per second. */
  cps: {
    unit: 'per-second',
    better: 'higher',
    reduce: 'median',
    read: (r) => r.modeStats.churn?.cyclesPerSecond ?? null,
  },
  /** Bytes per second, both directions added. */
  throughput: {
    unit: 'bytes-per-second',
    better: 'higher',
    reduce: 'median',
    read: (r) => r.throughput.bytesSentPerSecond + r.throughput.bytesReceivedPerSecond,
  },
  /** Each direction on its own: generator to target, and back. */
  'throughput.up': {
    unit: 'bytes-per-second',
    better: 'higher',
    reduce: 'median',
    read: (r) => r.throughput.bytesSentPerSecond,
  },
  'throughput.down': {
    unit: 'bytes-per-second',
    better: 'higher',
    reduce: 'median',
    read: (r) => r.throughput.bytesReceivedPerSecond,
  },
  errors: worst(resultErrorTotal),
  failed: worst((r) => r.connections.failed.total),
  dropped: worst((r) => r.connections.dropped.total),
  established: fewest((r) => r.connections.established),
  /** Long-lived modes: sessions open end to end (first echo back); `opened == target` fails on a backlogged one. */
  opened: fewest((r) => (r.config.mode === 'connect' ? null : r.totals.opened)),
  /** Long-lived modes: sessions established but never served (first echo never back): an ingress queued them. */
  unserved: worst((r) => (r.config.mode === 'connect' ? null : (r.connections.unserved ?? r.totals.unserved))),
  target: fewest((r) => r.connections.target),
  held: fewest((r) => r.modeStats.hold?.held ?? null),
  /**
   * CPU time per operation (µs; echo and hold: a round trip, churn: a cycle, stream: a MiB moved), whole run, of
   * the generator and of the embedded target. CPU time is what a process consumed, not how long it waited: a busy
   * core stretches latency several-fold but barely moves these, while a costlier code path moves them one-for-one.
   */
  'cpu.op': cpuPerOp((r) => r.resources.generator.cpuUserMs + r.resources.generator.cpuSystemMs),
  'target.cpu.op': cpuPerOp((r) =>
    r.resources.target ? r.resources.target.cpuUserMs + r.resources.target.cpuSystemMs : null,
  ),
  /**
   * A `find:` step's answer, in its dimension's unit (find/answer.ts): the confirmed capacity, or the lower bound a
   * bound or a stop left (the iteration's `atLeast` says so, and a threshold judges it as --expect does); null when
   * nothing passed. A run has none.
   */
  capacity: { unit: 'count', better: 'higher', reduce: 'min', read: () => null },
  /** --udp: datagrams lost, in percent of those sent (whole run: each one sent is back or lost by the end). */
  loss: {
    unit: 'percent',
    better: 'lower',
    reduce: 'max',
    read: (r) => (r.datagrams?.lossRatio == null ? null : r.datagrams.lossRatio * 100),
  },
  /** --udp: datagrams back out of order, back twice, and flows silent at the stop (answered before). */
  reorder: worst((r) => r.datagrams?.reordered ?? null),
  duplicates: worst((r) => r.datagrams?.duplicated ?? null),
  silent: worst((r) => r.datagrams?.flows.silent ?? null),
  /** --udp --mode stream: RFC 3550 interarrival jitter, the flows' mean (µs). */
  jitter: latency((r) => (r.datagrams?.jitterMs == null ? null : Math.round(r.datagrams.jitterMs * 1000))),
  /** --udp: datagrams back per second in the measured phase (stream: delivered; echo: answered), every flow's. */
  delivered: {
    unit: 'per-second',
    better: 'higher',
    reduce: 'median',
    read: (r) => r.datagrams?.measured.receivedPerSecond ?? null,
  },
  // Each witness's metrics (the kernel's counters over the run, ...): an architecture test checks every name is here.
  ...(Object.assign({}, ...WITNESSES.map((w) => w.metrics)) as Record<string, MetricDef>),
} satisfies Partial<Record<MetricName, MetricDef>> as unknown as Record<MetricName, MetricDef>;

/** What decides whether a metric can have samples: a run's settings (a RunConfig, or a result's config). */
export type MeasuredBy = WitnessConfig;

const ROUND_TRIP = new Set<string>(['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean']);
/** The datagrams section's metrics: a TCP run has none. */
const UDP_METRICS = new Set<string>(['loss', 'reorder', 'duplicates', 'silent', 'jitter', 'delivered']);

/**
 * Whether `metric` can ever have samples in a run of `config` (`of: 'run'`) or in a capacity search's answer
 * (`of: 'search'`, a scenario's find step): null when it can, else why not, naming what is missing. Every place
 * that reads a threshold or a gate asks this one function before anything runs: a metric no run can measure would
 * fail (or silently pass) every time.
 */
export function measurable(metric: string, config: MeasuredBy, of: 'run' | 'search' = 'run'): string | null {
  if (of === 'search')
    return metric === 'capacity'
      ? null
      : `a find step records only its capacity, not ${metric} (put what each probe must meet in find.slo)`;
  if (metric === 'capacity')
    return "capacity is a capacity search's answer, which a run has not (a find step's threshold, or find --expect)";
  const witness = witnessOf(metric);
  if (witness) return witness.measurable(metric, config);
  const traits = modeTraits({
    ...config,
    ratePerSecond: 0,
    direction: 'both',
    sizeBytes: 0,
    conns: 0,
    pingIntervalMs: 1,
  });
  const noEcho = config.mode === 'connect' ? ' without --churn-echo' : '';
  if (ROUND_TRIP.has(metric) && !traits.echoes)
    return `a round-trip figure has no samples in --mode ${config.mode}${noEcho}`;
  if (metric === 'rps' && !traits.roundTrips) return 'rps (round trips per second) is measured in echo and hold modes';
  if (metric === 'cps' && config.mode !== 'connect') return 'cps is measured in connect mode only';
  if (metric === 'held' && config.mode !== 'hold') return 'held is measured in hold mode only';
  if ((metric === 'opened' || metric === 'unserved') && config.mode === 'connect')
    return `${metric} counts long-lived sessions; connect mode has none`;
  const udp = config.transport === 'udp';
  if (UDP_METRICS.has(metric) && !udp) return `${metric} is measured over UDP only (--udp)`;
  if (metric === 'jitter' && config.mode !== 'stream') return 'jitter is measured in --udp --mode stream';
  if (metric === 'target.cpu.op' && config.target !== null)
    return "target.cpu.op is the embedded target's CPU; an external target's is not read (see --watch-pid)";
  return null;
}

/** Operations of a whole run, per mode: round trips, churn cycles, or MiB moved. */
function operations(r: RunResult): number {
  if (r.modeStats.churn) return r.totals.cycles;
  if (r.modeStats.stream) return (r.totals.bytesSent + r.totals.bytesReceived) / (1024 * 1024);
  return r.totals.messagesReceived;
}

function cpuPerOp(cpuMs: (r: RunResult) => number | null): MetricDef {
  return {
    unit: 'cpu-us',
    better: 'lower',
    reduce: 'median',
    read: (r) => {
      const ms = cpuMs(r);
      const ops = operations(r);
      return ms === null || ops <= 0 ? null : Math.round((ms * 1000 * 100) / ops) / 100;
    },
  };
}

/** Latencies in µs: the ones a hardware profile can normalize. */
export const LATENCY_METRICS = new Set<MetricName>(METRIC_NAMES.filter((m) => METRICS[m].unit === 'us'));

export const LOWER_IS_BETTER = new Set<MetricName>(METRIC_NAMES.filter((m) => METRICS[m].better === 'lower'));

export function stepMetrics(r: RunResult): StepMetrics {
  return {
    ...Object.fromEntries(METRIC_NAMES.map((m) => [m, METRICS[m].read(r)])),
    ...seriesMetrics(r),
  } as StepMetrics;
}

/** A step's iterations reduced to one value the way the table says; null when an iteration lacks the metric. */
export function reduceMetric(metric: MetricName | ScrapeMetricName, values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => typeof v === 'number');
  if (present.length === 0 || present.length < values.length) return null;
  // A scraped series over iterations: the median, as for every other level the ingress reports.
  const how = isSeriesMetric(metric) ? 'median' : METRICS[metric as MetricName].reduce;
  return how === 'max' ? Math.max(...present) : how === 'min' ? Math.min(...present) : median(present);
}

/** How a reduction is described in a verdict. */
export function reductionText(metric: MetricName | ScrapeMetricName, n: number): string {
  if (isSeriesMetric(metric)) return n === 1 ? 'measured-phase mean' : `median of ${n} measured-phase means`;
  const how = METRICS[metric as MetricName].reduce;
  return how === 'max' ? 'worst iteration' : how === 'min' ? 'fewest in an iteration' : `median of ${n}`;
}
