/**
 * Baseline vs candidate for a metric the table reduces to its worst iteration (errors, failed, dropped, unserved,
 * the kernel's counters): those are events, not a noisy distribution, so no statistical test speaks for them. Each
 * side is its worst iteration, as a threshold reads it; a candidate with any where the baseline had none regressed
 * (and the other way round improved); otherwise a change counts beyond the allowance, in ratio as for every metric.
 */
import type { MetricComparison } from './compare.js';
import { METRICS, type MetricName } from './metric-table.js';

/** Counted events, as the metric table (or the witness that owns the metric) says: judged by judgeWorst. */
export function countsEvents(metric: MetricName): boolean {
  return METRICS[metric]?.events === true;
}

export function judgeWorst(
  step: string,
  metric: MetricName,
  b: number[],
  c: number[],
  gated: boolean,
  allow: number,
): MetricComparison {
  const wb = Math.max(...b);
  const wc = Math.max(...c);
  const ratio = wb === 0 ? (wc === 0 ? 1 : Infinity) : wc / wb;
  const pct = `±${Math.round(allow * 100)}%`;
  let verdict: MetricComparison['verdict'] = 'unchanged';
  let note = wb === wc ? 'the same' : `within the ${pct} allowed`;
  if (wc > wb && (wb === 0 || ratio > 1 + allow)) {
    verdict = 'regressed';
    note = wb === 0 ? `${metric} where the baseline had none` : `more, by over the ${pct} allowed`;
  } else if (wc < wb && (wc === 0 || ratio < 1 / (1 + allow))) {
    verdict = 'improved';
    note = wc === 0 ? `no ${metric} where the baseline had some` : `fewer, by over the ${pct} allowed`;
  }
  return {
    step,
    metric,
    gated,
    baselineMedian: wb,
    candidateMedian: wc,
    ratio: Number.isFinite(ratio) ? Math.round(ratio * 1000) / 1000 : null,
    pValue: null,
    verdict,
    note: `${note} (worst iteration a side; counted events, no test)`,
  };
}
