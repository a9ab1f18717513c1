/**
 * Baseline vs candidate, per step and metric, decided from the iterations: a change counts only when the
 * medians differ by more than the allowed variance (a ratio beyond 1 + allow, or below 1 / (1 + allow)) AND the
 * iterations say so (Mann-Whitney U, one-sided,
 * p <= alpha). With fewer than 3 iterations a side no test can reach that evidence, so such a comparison needs
 * every candidate iteration beyond every baseline one as well as the effect (and says it was thin). Counts the
 * table reduces to the worst iteration (errors, drops, unserved sessions) are judged apart (count-verdict.ts).
 */
import { median } from '../calibration/stats.js';
import { UsageError } from '../core/errors.js';
import type { Transport } from '../core/vocabulary.js';
import type { ScenarioSummary, StepSummary } from '../documents/summary.js';
import { RUN_DEFAULTS } from '../options/run-options.js';
import { countsEvents, judgeWorst } from './count-verdict.js';
import { LATENCY_METRICS, LOWER_IS_BETTER, type MetricName } from './metric-table.js';
import { mannWhitneyGreater } from './statistics.js';

export type Verdict = 'improved' | 'unchanged' | 'regressed' | 'missing';

export interface MetricComparison {
  step: string;
  metric: MetricName;
  baselineMedian: number | null;
  candidateMedian: number | null;
  /** candidate / baseline medians. */
  ratio: number | null;
  pValue: number | null;
  verdict: Verdict;
  gated: boolean;
  note: string;
}

export interface CompareOptions {
  /** Allowed variance: 0.10 = a change within ±10% is noise. */
  allow: number;
  /** Per-metric allowances that override `allow` (e.g. CPU per operation, steadier than tail latency). */
  allowFor?: Partial<Record<MetricName, number>>;
  alpha: number;
  /** Metrics whose regression fails the gate. */
  gate: MetricName[];
  /** Also reported. */
  report: MetricName[];
  /** Divide latencies by each side's netperf TCP_RR p50 (their hardware profiles) before comparing. */
  normalize: boolean;
}

/** The command line's defaults (options/run-options.ts), parsed once: --allow 10%, --gate p95, --alpha 0.05. */
export const DEFAULT_COMPARE: CompareOptions = {
  allow: Number.parseFloat(RUN_DEFAULTS.allow) / 100,
  alpha: Number(RUN_DEFAULTS.alpha),
  gate: RUN_DEFAULTS.gate.split(',') as MetricName[],
  // Each mode's own figures: round trips, connect latency (connect and hold), connections/s, Gbit/s each way; and
  // what went wrong: errors, drops, sessions never served. Over UDP (absent from TCP runs, so skipped there): the
  // datagrams' loss, reordering, duplicates, silent flows, stream's jitter and the rate delivered.
  report: [
    ...['p50', 'p95', 'p99', 'connect.p50', 'connect.p99', 'rps', 'cps', 'throughput.up', 'throughput.down'],
    ...['errors', 'dropped', 'unserved'],
    ...['loss', 'reorder', 'duplicates', 'silent', 'jitter', 'delivered'],
  ] as MetricName[],
  normalize: false,
};

export interface ComparisonReport {
  /** What the candidate was compared with, for people: 'the baseline' unless said. */
  against?: string;
  comparisons: MetricComparison[];
  warnings: string[];
  regressed: boolean;
}

export function compareSummaries(
  base: ScenarioSummary,
  cand: ScenarioSummary,
  o: CompareOptions = DEFAULT_COMPARE,
): ComparisonReport {
  refuseMixedTransports(base, cand);
  const warnings: string[] = [];
  if (base.scenario !== cand.scenario)
    warnings.push(`comparing scenario '${cand.scenario}' with a baseline of '${base.scenario}'`);
  const be = base.environment;
  const ce = cand.environment;
  if (be.cpuModel !== ce.cpuModel || be.cores !== ce.cores) {
    warnings.push(
      `different hardware: baseline ${be.cpuModel} × ${be.cores}, candidate ${ce.cpuModel} × ${ce.cores}` +
        (o.normalize ? '' : ' (use --normalize when both have a hardware profile)'),
    );
  }
  let scaleBase = 1;
  let scaleCand = 1;
  if (o.normalize) {
    if (base.tcpRrP50Us && cand.tcpRrP50Us) {
      scaleBase = 1 / base.tcpRrP50Us;
      scaleCand = 1 / cand.tcpRrP50Us;
    } else warnings.push('--normalize: a side has no hardware profile; compared unnormalized');
  }
  const comparisons: MetricComparison[] = [];
  const metrics = [...new Set([...o.gate, ...o.report])];
  for (const step of new Set([...Object.keys(base.steps), ...Object.keys(cand.steps)])) {
    for (const metric of metrics) {
      const gated = o.gate.includes(metric);
      const latency = LATENCY_METRICS.has(metric);
      const pick = (s: ScenarioSummary | undefined, scale: number): number[] =>
        (s?.steps[step]?.iterations ?? [])
          .map((it) => it.metrics[metric])
          .filter((v): v is number => typeof v === 'number')
          .map((v) => (latency ? v * scale : v));
      const b = pick(base, scaleBase);
      const c = pick(cand, scaleCand);
      // A metric neither side has (p95 of a stream, cps of an echo) is not a comparison.
      if (b.length === 0 && c.length === 0) continue;
      comparisons.push(judge(step, metric, b, c, gated, o));
    }
  }
  return { comparisons, warnings, regressed: comparisons.some((c) => c.gated && c.verdict === 'regressed') };
}

/** UDP or TCP: by the step's options (`udp: true`), or its figures (a loss: --udp came from the command line). */
export function stepTransport(e: StepSummary): Transport {
  return e.options.udp === true || e.iterations.some((it) => it.metrics.loss != null) ? 'udp' : 'tcp';
}

/** A UDP step against a TCP one of the same name: their figures mean different things, so no verdict is given. */
function refuseMixedTransports(base: ScenarioSummary, cand: ScenarioSummary): void {
  for (const [step, c] of Object.entries(cand.steps)) {
    if (c.iterations.length > 0) refuseBaselineTransport(base, step, stepTransport(c));
  }
}

/**
 * A candidate step of `transport` against the baseline's step of its name, if it ran: refused when that one ran over
 * the other transport. A scenario run asks before its steps run (its --baseline), compare once both sides are read.
 */
export function refuseBaselineTransport(base: ScenarioSummary, step: string, transport: Transport): void {
  const b = base.steps[step];
  if (!b || b.iterations.length === 0) return;
  const tb = stepTransport(b);
  if (tb !== transport)
    throw new UsageError(
      `compare: step '${step}' is ${tb.toUpperCase()} in the baseline and ${transport.toUpperCase()} in the ` +
        'candidate: not comparable',
    );
}

function judge(
  step: string,
  metric: MetricName,
  b: number[],
  c: number[],
  gated: boolean,
  o: CompareOptions,
): MetricComparison {
  const base = { step, metric, gated };
  if (b.length > 0 && c.length > 0 && countsEvents(metric))
    return judgeWorst(step, metric, b, c, gated, o.allowFor?.[metric] ?? o.allow);
  if (b.length === 0 || c.length === 0) {
    return {
      ...base,
      baselineMedian: b.length ? median(b) : null,
      candidateMedian: c.length ? median(c) : null,
      ratio: null,
      pValue: null,
      verdict: 'missing',
      note: b.length ? 'no samples in the candidate' : 'not in the baseline',
    };
  }
  const mb = median(b);
  const mc = median(c);
  const ratio = mb === 0 ? (mc === 0 ? 1 : Infinity) : mc / mb;
  const lowerBetter = LOWER_IS_BETTER.has(metric);
  const allow = o.allowFor?.[metric] ?? o.allow;
  // The allowance is symmetric in ratio: +10% for a latency, and 1/1.1 for a rate (200%: 3x either way).
  const worse = lowerBetter ? ratio > 1 + allow : ratio < 1 / (1 + allow);
  const better = lowerBetter ? ratio < 1 / (1 + allow) : ratio > 1 + allow;
  // p that the candidate is worse (or better), one-sided.
  const pWorse = lowerBetter ? mannWhitneyGreater(c, b) : mannWhitneyGreater(b, c);
  const pBetter = lowerBetter ? mannWhitneyGreater(b, c) : mannWhitneyGreater(c, b);
  const thin = b.length < 3 || c.length < 3;
  const separated = (worseSide: boolean): boolean =>
    lowerBetter === worseSide ? Math.min(...c) > Math.max(...b) : Math.max(...c) < Math.min(...b);
  // One run a side: no statistics can speak, so the verdict is the allowance's alone, and the note says so.
  const single = b.length === 1 && c.length === 1;
  const thinNote = (side: string): string =>
    single
      ? `one run a side: ${side} by more than the ±${Math.round(allow * 100)}% allowed (--allow alone; no test)`
      : `fewer than 3 iterations a side: every candidate ${side} than every baseline`;
  let verdict: Verdict = 'unchanged';
  let note = `within ±${Math.round(allow * 100)}% or not significant`;
  if (worse && (thin ? separated(true) : pWorse <= o.alpha)) {
    verdict = 'regressed';
    note = thin ? thinNote('worse') : `p = ${pWorse.toFixed(3)}`;
  } else if (better && (thin ? separated(false) : pBetter <= o.alpha)) {
    verdict = 'improved';
    note = thin ? thinNote('better') : `p = ${pBetter.toFixed(3)}`;
  } else if (single) note = `one run a side: within the ±${Math.round(allow * 100)}% allowed (--allow alone; no test)`;
  else if (worse || better)
    note =
      `a ${Math.round(Math.abs(ratio - 1) * 100)}% change the iterations do not support (p = ` +
      `${(worse ? pWorse : pBetter).toFixed(3)})`;
  return {
    ...base,
    baselineMedian: mb,
    candidateMedian: mc,
    ratio: Math.round(ratio * 1000) / 1000,
    pValue: worse ? pWorse : pBetter,
    verdict,
    note,
  };
}
