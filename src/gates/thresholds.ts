/**
 * Thresholds with units, k6-like: `p95 < 5ms`, `p99.9 < 20ms`, `errors == 0`, `established == target`,
 * `cps > 5000`, `throughput > 1Gbit/s`. Over iterations, latency and rates are judged on their median, error counts
 * on the worst iteration, and established/held on the fewest. A threshold whose metric has no samples fails.
 */
import { UsageError } from '../core/errors.js';
import { median } from '../calibration/stats.js';
import { THRESHOLD_PATTERN } from '../scenario/schema.js';
import type { MetricName, StepMetrics } from './metrics.js';

export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  text: string;
  metric: MetricName;
  op: Op;
  /** In the metric's unit (µs, per second, bytes/s, count); 'target' = the step's connection target. */
  value: number | 'target';
}

export interface ThresholdVerdict {
  threshold: string;
  pass: boolean;
  /** The value judged (after reducing the iterations), or null without samples. */
  actual: number | null;
  reason: string;
}

const LATENCY: MetricName[] = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean', 'connect.p50', 'connect.p95', 'connect.p99'];
const WORST_HIGH: MetricName[] = ['errors', 'failed', 'dropped'];
const WORST_LOW: MetricName[] = ['established', 'held'];
const ALL: MetricName[] = [...LATENCY, 'rps', 'cps', 'throughput', ...WORST_HIGH, ...WORST_LOW, 'target'];

const LATENCY_UNITS_US: Record<string, number> = { '': 1, us: 1, 'µs': 1, ms: 1000, s: 1_000_000 };
const THROUGHPUT_UNITS: Record<string, number> = { '': 1, 'b/s': 1, 'bit/s': 1 / 8, 'kbit/s': 125, 'mbit/s': 125_000, 'gbit/s': 125_000_000 };
const COUNT_UNITS: Record<string, number> = { '': 1, k: 1000, m: 1_000_000 };

export function parseThreshold(text: string): Threshold {
  const m = THRESHOLD_PATTERN.exec(text);
  if (!m) throw new UsageError(`threshold '${text}': not of the form '<metric> <op> <value>' (e.g. "p95 < 5ms")`);
  const metric = m[1].toLowerCase() as MetricName;
  if (!ALL.includes(metric)) throw new UsageError(`threshold '${text}': unknown metric '${m[1]}' (allowed: ${ALL.join(', ')})`);
  const op = m[2] as Op;
  const raw = m[3].trim();
  if (raw === 'target') return { text, metric, op, value: 'target' };
  const v = /^([0-9.]+)\s*(.*)$/.exec(raw)!;
  const unit = v[2].toLowerCase();
  const table = LATENCY.includes(metric) ? LATENCY_UNITS_US : metric === 'throughput' ? THROUGHPUT_UNITS : COUNT_UNITS;
  if (!(unit in table)) throw new UsageError(`threshold '${text}': unit '${v[2]}' does not fit ${metric} (allowed: ${Object.keys(table).filter(Boolean).join(', ')})`);
  return { text, metric, op, value: Number(v[1]) * table[unit] };
}

export function evaluateThreshold(t: Threshold, iterations: StepMetrics[]): ThresholdVerdict {
  const values = iterations.map((it) => it[t.metric]).filter((v): v is number => v !== null && v !== undefined);
  if (values.length < iterations.length || values.length === 0) {
    return { threshold: t.text, pass: false, actual: null, reason: `no samples for ${t.metric}: a threshold without data fails` };
  }
  const actual = WORST_HIGH.includes(t.metric) ? Math.max(...values) : WORST_LOW.includes(t.metric) ? Math.min(...values) : median(values);
  const limit = t.value === 'target' ? Math.min(...iterations.map((it) => it.target)) : t.value;
  const pass = compare(actual, t.op, limit);
  const how = WORST_HIGH.includes(t.metric) ? 'worst iteration' : WORST_LOW.includes(t.metric) ? 'fewest in an iteration' : `median of ${values.length}`;
  return { threshold: t.text, pass, actual, reason: `${how}: ${actual} ${pass ? 'meets' : 'breaks'} ${t.op} ${limit}` };
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '==': return a === b;
    case '!=': return a !== b;
  }
}
