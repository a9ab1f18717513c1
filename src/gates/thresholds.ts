/**
 * Thresholds with units, k6-like: `p95 < 5ms`, `p99.9 < 20ms`, `errors == 0`, `established == target`,
 * `cps > 5000`, `throughput > 1Gbit/s`, `loss < 0.1%`. Over iterations, latency and rates are judged on their
 * median, error counts on the worst iteration, and established/held on the fewest. A threshold whose metric has no
 * samples fails.
 */

import { ExitCode, UsageError } from '../core/errors.js';
import { timeUnits } from '../core/units.js';
import type { RunResult } from '../documents/result.js';
import { THRESHOLD_PATTERN } from '../documents/scenario-file.js';
import type { ScrapeMetricName, ThresholdVerdict } from '../documents/summary.js';
import { isSeriesMetric } from '../witnesses/list.js';
import {
  METRIC_NAMES,
  METRICS,
  type MeasuredBy,
  type MetricName,
  type MetricUnit,
  measurable,
  reduceMetric,
  reductionText,
  type StepMetrics,
  stepMetrics,
} from './metric-table.js';

export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  text: string;
  /** A metric of the table, or a scraped series by name (`scrape.haproxy_process_idle_time_percent`). */
  metric: MetricName | ScrapeMetricName;
  op: Op;
  /** In the metric's unit (µs, per second, bytes/s, count); 'target' = the step's connection target. */
  value: number | 'target';
}

export type { ThresholdVerdict };

const UNITS: Record<MetricUnit, Record<string, number>> = {
  us: { '': 1, ...timeUnits(['us', 'µs', 'ms', 's']) },
  'cpu-us': { '': 1, ...timeUnits(['us', 'µs', 'ms']) },
  'bytes-per-second': { '': 1, 'b/s': 1, 'bit/s': 1 / 8, 'kbit/s': 125, 'mbit/s': 125_000, 'gbit/s': 125_000_000 },
  'per-second': { '': 1, k: 1000, m: 1_000_000 },
  count: { '': 1, k: 1000, m: 1_000_000 },
  percent: { '': 1, '%': 1 },
};

export function parseThreshold(text: string): Threshold {
  const m = THRESHOLD_PATTERN.exec(text);
  if (!m) throw new UsageError(`threshold '${text}': not of the form '<metric> <op> <value>' (e.g. "p95 < 5ms")`);
  const op = m[2] as Op;
  const raw = m[3].trim();
  // A witness's series (a scraped one: the ingress's own number), unitless (a bare value as read, k and m allowed).
  if (isSeriesMetric(m[1])) {
    const v = /^([0-9.]+)\s*([km]?)$/i.exec(raw);
    if (!v || !/^\d+(\.\d+)?$/.test(v[1]))
      throw new UsageError(`threshold '${text}': '${raw}' is not a number for a scraped series`);
    return { text, metric: m[1] as ScrapeMetricName, op, value: Number(v[1]) * UNITS.count[v[2].toLowerCase()] };
  }
  // Names match whatever their case (`kernel.synRetrans`, `kernel.synretrans`).
  const metric = METRIC_NAMES.find((name) => name.toLowerCase() === m[1].toLowerCase()) as MetricName;
  if (metric === undefined) {
    throw new UsageError(`threshold '${text}': unknown metric '${m[1]}' (allowed: ${METRIC_NAMES.join(', ')})`);
  }
  if (raw === 'target') return { text, metric, op, value: 'target' };
  const v = /^([0-9.]+)\s*(.*)$/.exec(raw)!;
  if (!/^\d+(\.\d+)?$/.test(v[1])) throw new UsageError(`threshold '${text}': '${v[1]}' is not a number`);
  const unit = v[2].toLowerCase();
  const metricUnit = METRICS[metric].unit;
  // A bare number for a time is ambiguous (--duration 50 means seconds, k6 users read ms, this table holds µs).
  if (unit === '' && (metricUnit === 'us' || metricUnit === 'cpu-us') && Number(v[1]) !== 0)
    throw new UsageError(`threshold '${text}': give a unit for a time: ${v[1]}ms, ${v[1]}us or ${v[1]}s`);
  // A bare share is ambiguous too (0.1 of a whole, or 0.1 percent?).
  if (unit === '' && metricUnit === 'percent' && Number(v[1]) !== 0)
    throw new UsageError(`threshold '${text}': give the share in percent: ${v[1]}%`);
  const table = UNITS[metricUnit];
  if (!(unit in table))
    throw new UsageError(
      `threshold '${text}': unit '${v[2]}' does not fit ${metric} (allowed: ` +
        `${Object.keys(table).filter(Boolean).join(', ')})`,
    );
  return { text, metric, op, value: Number(v[1]) * table[unit] };
}

/**
 * Refuses, before anything runs, a threshold no run of `config` (or, `of: 'search'`, no capacity search) could
 * measure: one line, `<label>: <what is missing>`. Run, find, scenario steps and merge all call this.
 */
export function refuseUnmeasurable(
  thresholds: Threshold[],
  config: MeasuredBy,
  label: (t: Threshold) => string,
  of: 'run' | 'search' = 'run',
): void {
  for (const t of thresholds) {
    const why = measurable(t.metric, config, of);
    if (why !== null) throw new UsageError(`${label(t)}: ${why}`);
  }
}

export function evaluateThreshold(t: Threshold, iterations: StepMetrics[]): ThresholdVerdict {
  const actual = reduceMetric(
    t.metric,
    iterations.map((it) => it[t.metric] ?? null),
  );
  if (actual === null) {
    return {
      threshold: t.text,
      pass: false,
      actual: null,
      reason: `no samples for ${t.metric}: a threshold without data fails`,
    };
  }
  const limit = t.value === 'target' ? Math.min(...iterations.map((it) => it.target ?? 0)) : t.value;
  const pass = compare(actual, t.op, limit);
  return {
    threshold: t.text,
    pass,
    actual,
    reason: `${reductionText(t.metric, iterations.length)}: ${actual} ${pass ? 'meets' : 'breaks'} ${t.op} ${limit}`,
  };
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

/**
 * --threshold on one run (a plain run or a merged shard run): the verdicts go into the result, and a failing one
 * makes the exit 5, over "completed with errors" (4) too, since the user said what is acceptable; a run that could
 * not run or was interrupted keeps its own code.
 */
export function judgeRun(result: RunResult, thresholds: Threshold[]): RunResult {
  if (thresholds.length === 0) return result;
  const verdicts = thresholds.map((t) => {
    const v = evaluateThreshold(t, [stepMetrics(result)]);
    const def = t.metric in METRICS ? METRICS[t.metric as MetricName] : null;
    const why = v.actual === null ? def?.whyNull?.(result) : null;
    return why ? { ...v, reason: `${v.reason} (${why})` } : v;
  });
  const failed = verdicts.some((v) => !v.pass);
  const gateable = result.exitCode === ExitCode.ok || result.exitCode === ExitCode.completedWithErrors;
  return { ...result, thresholds: verdicts, exitCode: failed && gateable ? ExitCode.gateFailed : result.exitCode };
}
