/** Text and Markdown views of scenario summaries, comparisons and history: pure functions of the documents. */
import { formatBitsPerSecond, formatMicros, formatPercent } from '../core/units.js';
import type { HistoryLine } from '../documents/history.js';
import type { ScenarioSummary, StepSummary } from '../documents/summary.js';
import type { ComparisonReport, MetricComparison } from '../gates/compare.js';
import { METRICS, type MetricName, reduceMetric } from '../gates/metric-table.js';
import { renderTable } from './table.js';

/** A step's metric reduced over its iterations as the gates reduce it (the metrics table), then formatted. */
const reduced = (e: StepSummary, k: MetricName): number | null =>
  reduceMetric(
    k,
    e.iterations.map((it) => it.metrics[k]),
  );
const shown = (e: StepSummary, k: MetricName): string => formatMetric(k, reduced(e, k));

/** The rate that is the step's work: churn cycles, else round trips, else bytes. */
function rateText(e: StepSummary): string {
  if (reduced(e, 'cps') !== null) return `${shown(e, 'cps')} conn/s`;
  if (reduced(e, 'rps') !== null) return `${shown(e, 'rps')} rt/s`;
  // Each direction apart (summaries written before they were kept say only the sum).
  if (reduced(e, 'throughput.up') === null) return shown(e, 'throughput');
  return `${shown(e, 'throughput.up')} up, ${shown(e, 'throughput.down')} down`;
}

export function formatMetric(metric: MetricName, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  const unit = METRICS[metric].unit;
  if (unit === 'us') return formatMicros(v);
  if (unit === 'cpu-us') return `${formatMicros(v)} CPU`;
  if (unit === 'bytes-per-second') return formatBitsPerSecond(v);
  if (unit === 'percent') return formatPercent(v);
  return Math.round(v).toLocaleString('en-US');
}

export function stepRows(s: ScenarioSummary): string[][] {
  return Object.entries(s.steps).map(([name, e]) => {
    const m = (k: MetricName): string => shown(e, k);
    return [
      name,
      String(e.iterations.length),
      m('p50'),
      m('p95'),
      m('p99'),
      m('connect.p99'),
      rateText(e),
      m('errors'),
      `${e.thresholds.filter((t) => t.pass).length}/${e.thresholds.length}`,
      e.pass ? 'pass' : 'FAIL',
    ];
  });
}

export const STEP_HEADER = ['step', 'iter', 'p50', 'p95', 'p99', 'connect p99', 'rate', 'errors', 'gates', 'verdict'];

export function renderComparison(r: ComparisonReport): string {
  const rows = r.comparisons
    .filter((c) => c.verdict !== 'missing' || c.gated)
    .map((c: MetricComparison) => [
      c.step,
      `${c.metric}${c.gated ? '*' : ''}`,
      formatMetric(c.metric, c.baselineMedian),
      formatMetric(c.metric, c.candidateMedian),
      c.ratio === null || !Number.isFinite(c.ratio) ? '-' : `${c.ratio}x`,
      c.verdict === 'regressed' ? 'REGRESSED' : c.verdict,
      c.note,
    ]);
  return [
    renderTable(rows, ['step', 'metric', 'baseline', 'candidate', 'ratio', 'verdict', 'why']),
    '* gated metric: a regression fails the gate',
    ...r.warnings.map((w) => `note: ${w}`),
  ].join('\n');
}

/** compare's last line: the verdict, naming what regressed, gated or not (a worse ungated count is still said). */
export function comparisonVerdict(r: ComparisonReport): string {
  const worse = (gated: boolean): string[] => [
    ...new Set(r.comparisons.filter((c) => c.verdict === 'regressed' && c.gated === gated).map((c) => c.metric)),
  ];
  const [gated, other] = [worse(true), worse(false)];
  const also = other.length
    ? `${gated.length ? '; also worse' : ' (gated metrics); worse but not gated'}: ${other.join(', ')}`
    : '';
  return `verdict: ${r.regressed ? `REGRESSED: ${gated.join(', ')}` : 'no regression'}${also}`;
}

export function renderScenario(s: ScenarioSummary, file: string, comparison: ComparisonReport | null): string {
  const failed = Object.entries(s.steps).flatMap(([name, e]) =>
    e.thresholds.filter((t) => !t.pass).map((t) => `  ${name}: ${t.threshold} — ${t.reason}`),
  );
  return [
    `scenario ${s.scenario}${s.profile ? ` (profile ${s.profile})` : ''} at ` +
      `${s.git?.sha.slice(0, 12) ?? 'no git'} on ${s.environment.hostname}`,
    renderTable(stepRows(s), STEP_HEADER),
    ...(failed.length ? ['failed thresholds:', ...failed] : []),
    ...(comparison ? ['', `against ${comparison.against ?? 'the baseline'}:`, renderComparison(comparison)] : []),
    '',
    `verdict: ${s.pass && !comparison?.regressed ? 'PASS' : 'FAIL'}; summary: ${file}`,
    gatesLine(s, comparison),
  ].join('\n');
}

/**
 * The plain closing line CI log readers look for: every threshold of every step and every gated comparison is one
 * check. A step without thresholds adds none: nothing was asked of it, so it is not a passed gate.
 */
export function gatesLine(s: ScenarioSummary, comparison: ComparisonReport | null): string {
  const thresholds = Object.values(s.steps).flatMap((e) => e.thresholds);
  const gated = comparison?.comparisons.filter((c) => c.gated && c.verdict !== 'missing') ?? [];
  const passed = thresholds.filter((t) => t.pass).length + gated.filter((c) => c.verdict !== 'regressed').length;
  const failed = thresholds.length + gated.length - passed;
  return `Gates: ${passed} passed, ${failed} failed`;
}

/** A short Markdown perf summary, for a release note or a CI step summary. */
export function renderMarkdown(s: ScenarioSummary, comparison: ComparisonReport | null): string {
  const rows = Object.entries(s.steps).map(([name, e]) => {
    const m = (k: MetricName): string => shown(e, k);
    const rss = Math.max(...e.iterations.map((it) => it.maxRssBytes));
    const cpu = Math.max(...e.iterations.map((it) => it.cpuPercentMax));
    const dropped = m('dropped');
    const errors = m('errors');
    const verdict = comparison?.comparisons.find((c) => c.step === name && c.gated)?.verdict ?? 'no baseline';
    return (
      `| ${name} | ${m('p50')} | ${m('p95')} | ${m('p99')} | ${m('connect.p99')} | ${rateText(e)} | ` +
      `${(rss / 1024 / 1024).toFixed(0)} MiB | ` +
      `${cpu}% | ${errors} | ${dropped} | ${e.pass ? '✅' : '❌'} | ${verdict} |`
    );
  });
  return [
    `## l4stress: ${s.scenario}${s.profile ? ` (${s.profile})` : ''}`,
    '',
    `- commit: \`${s.git?.sha ?? 'unknown'}\`${s.git?.dirty ? ' (dirty)' : ''}`,
    `- environment: ${s.environment.cpuModel}, ${s.environment.cores} cores, kernel ${s.environment.kernel}, ` +
      `host ${s.environment.hostname}`,
    `- when: ${s.startedAt} – ${s.endedAt}`,
    `- verdict: **${s.pass && !comparison?.regressed ? 'pass' : 'fail'}**`,
    '',
    '| step | p50 | p95 | p99 | connect p99 | rate | max RSS | max CPU | errors | dropped | thresholds | vs baseline |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    "Latency (round trip and connect) is the median over iterations of each run's percentile; errors and " +
      "dropped are the worst iteration; CPU is the generator's (100% = one core).",
    '',
  ].join('\n');
}

export type { HistoryLine };

export function renderHistory(lines: HistoryLine[]): string {
  return renderTable(
    lines.map((l) => [
      l.date.slice(0, 19).replace('T', ' '),
      l.scenario,
      l.profile ?? '-',
      l.step,
      (l.sha ?? '-').slice(0, 10) + (l.dirty ? '+' : ''),
      formatMicros(l.p50 ?? NaN),
      formatMicros(l.p95 ?? NaN),
      formatMicros(l.p99 ?? NaN),
      l.cps !== null
        ? `${formatMetric('cps', l.cps)} conn/s`
        : l.rps !== null
          ? `${formatMetric('rps', l.rps)} rt/s`
          : formatMetric('throughput', l.throughput ?? null),
      String(l.errors),
      l.pass ? 'pass' : 'FAIL',
    ]),
    ['date', 'scenario', 'profile', 'step', 'sha', 'p50', 'p95', 'p99', 'rate', 'errors', 'gates'],
  );
}
