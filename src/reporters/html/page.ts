/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no network at view time) from stored
 * results and scenario summaries. Several results overlay on the same axes; a scenario's steps of one kind
 * (Scenario D's proxy none/v1/v2) overlay per step kind, each drawn from its median iteration.
 */

import { formatBitsPerSecond, formatBytes, formatCount, formatMicros } from '../../core/units.js';
import type { ScenarioSummary } from '../../documents/summary.js';
import { resultErrorTotal } from '../../result/error-total.js';
import { WITNESSES } from '../../witnesses/list.js';
import { STEP_HEADER, stepRows } from '../scenario.js';
import { type Chart, type ChartKit, loadChartKit } from './charts.js';
import { DATAGRAMS_HEADER, DATAGRAMS_NOTE, datagramsRows } from './datagrams-table.js';
import { type LabelledResult, phaseSpans, resultCurves, type TimelineMetric, timelinePoints } from './series.js';

export interface ScenarioInput {
  label: string;
  summary: ScenarioSummary;
  /** Per step, the results of its iterations that could be read (in iteration order). */
  results: Record<string, LabelledResult[]>;
}

export interface ReportInput {
  title: string;
  results: LabelledResult[];
  scenarios: ScenarioInput[];
  /** Said at the top: files a summary names that were not found, and the like. */
  notes: string[];
}

const TIMELINES: { metric: TimelineMetric; title: string; y: string; note: string }[] = [
  { metric: 'rate', title: 'Work per second', y: 'per second', note: 'round trips/s, connections/s or Gbit/s' },
  { metric: 'open', title: 'Open connections', y: 'connections', note: 'at the end of each second' },
  { metric: 'errors', title: 'Connect failures and drops', y: 'per second', note: 'new in each second' },
  { metric: 'latency', title: 'Latency per second', y: 'µs', note: 'p50 and p99 of the round trips in each second' },
];

export async function renderHtmlReport(input: ReportInput): Promise<string> {
  const kit = await loadChartKit();
  const sections: string[] = [];
  if (input.results.length > 0) sections.push(resultsSection(kit, input.results));
  for (const s of input.scenarios) sections.push(scenarioSection(kit, s));
  return page(input.title, [...input.notes.map((n) => `<p class="note">${esc(n)}</p>`), ...sections].join('\n'));
}

function resultsSection(kit: ChartKit, results: LabelledResult[]): string {
  return [
    `<h2>Runs</h2>`,
    table(
      [
        'run',
        'mode',
        'conns',
        'status',
        'p50',
        'p99',
        'max',
        'connect p50',
        'connect p99',
        'rate',
        'errors',
        'drops',
        'unserved',
        'gen CPU max',
        'gen RSS max',
        'target RSS',
      ],
      results.map(({ label, result: r }) => [
        label,
        `${r.datagrams ? 'udp ' : ''}${r.config.mode}, proxy ${r.proxy.version}`,
        formatCount(r.config.conns),
        r.status,
        us(r.latency.roundTripUs.p50),
        us(r.latency.roundTripUs.p99),
        us(r.latency.roundTripUs.max),
        us(r.latency.connectUs.p50),
        us(r.latency.connectUs.p99),
        r.config.mode === 'stream'
          ? `${formatBitsPerSecond(r.throughput.bytesSentPerSecond)} up, ` +
            `${formatBitsPerSecond(r.throughput.bytesReceivedPerSecond)} down`
          : r.modeStats.churn
            ? `${formatCount(r.modeStats.churn.cyclesPerSecond)} conn/s`
            : `${formatCount(r.throughput.roundTripsPerSecond)} rt/s`,
        // The one error total (failed, dropped, unserved, integrity, ...), as thresholds and the status count it.
        formatCount(resultErrorTotal(r)),
        formatCount(r.connections.dropped.total),
        formatCount(r.connections.unserved ?? 0),
        `${r.resources.generator.cpuPercentMax}%`,
        formatBytes(r.resources.generator.maxRssBytes),
        r.resources.target ? formatBytes(r.resources.target.maxRssBytes) : '-',
      ]),
    ),
    '<p class="window">Round-trip latency and rates: measured phase; connect latency: every connect (the ramp ' +
      'for held sessions, the measured phase for churn); errors (failed, dropped, unserved and integrity), drops, ' +
      'unserved sessions, CPU and memory: the whole run.</p>',
    ...udpSection(results),
    ...charts(kit, results),
    ...witnessTables(results),
    environment(results),
  ].join('\n');
}

/** UDP runs' datagrams and flows (datagrams-table.ts); nothing when no run is a UDP run. */
function udpSection(results: LabelledResult[]): string[] {
  const rows = datagramsRows(results);
  if (rows.length === 0) return [];
  return ['<h2>Datagrams</h2>', table(DATAGRAMS_HEADER, rows), `<p class="window">${esc(DATAGRAMS_NOTE)}</p>`];
}

function charts(kit: ChartKit, results: LabelledResult[]): string[] {
  const out: Chart[] = [];
  const rt = results.flatMap((r) => resultCurves(r, 'round-trip'));
  if (rt.length > 0) out.push(kit.percentiles('Round-trip latency by percentile', 'measured phase', rt));
  const connect = results.flatMap((r) => resultCurves(r, 'connect'));
  if (connect.length > 0) out.push(kit.percentiles('Connect latency by percentile', 'every connect', connect));
  const spans = phaseSpans(results[0].result);
  for (const t of TIMELINES) {
    const points = results.flatMap((r) => timelinePoints(r, t.metric));
    if (points.length > 0) out.push(kit.timeline(t.title, t.note, t.y, points, spans));
  }
  // The witnesses' charts (witnesses/list.ts): the run's own processes' (CPU, RSS) after the load's own, then the
  // target's (the ingress's own series), then the host's.
  const bySubject = (s: string) => WITNESSES.filter((w) => w.subject === s);
  for (const w of [...bySubject('process'), ...bySubject('target'), ...bySubject('host')])
    for (const c of w.charts(results)) out.push(kit.timeline(c.title, c.note, c.yLabel, c.points, spans));
  return out.map(figure);
}

/**
 * Each witness's table over the runs that have its section ('' where no run has one): the host's and the target's in
 * the list's order, then the run's own processes' (their cost per unit of work).
 */
function witnessTables(results: LabelledResult[]): string[] {
  const ordered = [
    ...WITNESSES.filter((w) => w.subject !== 'process'),
    ...WITNESSES.filter((w) => w.subject === 'process'),
  ];
  return ordered.flatMap((w) => {
    if (!w.table) return [];
    const t = w.table(results);
    if (!t) return '';
    const note = t.note ? [`<p class="window">${esc(t.note)}</p>`] : [];
    return [`<h2>${esc(t.title)}</h2>`, table(t.header, t.rows), ...note].join('\n');
  });
}

function scenarioSection(kit: ChartKit, s: ScenarioInput): string {
  const sum = s.summary;
  const parts = [
    `<h2>Scenario ${esc(sum.scenario)}${sum.profile ? ` (profile ${esc(sum.profile)})` : ''}: ${esc(s.label)}</h2>`,
    `<p>${esc(sum.startedAt)} – ${esc(sum.endedAt)}, commit ${esc(sum.git?.sha.slice(0, 12) ?? 'none')}, ` +
      `${esc(sum.environment.cpuModel)}, ${sum.environment.cores} cores; ` +
      `verdict <b>${sum.pass ? 'pass' : 'FAIL'}</b></p>`,
    table(STEP_HEADER, stepRows(sum)),
    '<p class="window">Latency and rates: median over iterations of each run\'s measured phase; ' +
      'errors: worst iteration.</p>',
  ];
  const dots = (metric: 'p95' | 'cpu.op', y: string) =>
    Object.entries(sum.steps)
      .flatMap(([step, e]) =>
        e.iterations.flatMap((it) =>
          it.metrics[metric] === null ? [] : [{ group: step, series: s.label, value: it.metrics[metric]! }],
        ),
      )
      .map((d) => ({ ...d, y }));
  const p95 = dots('p95', 'µs');
  if (p95.length > 0) parts.push(figure(kit.dots('p95 of each iteration', 'tick: median', p95, 'µs')));
  const cpu = dots('cpu.op', 'µs CPU');
  if (cpu.length > 0)
    parts.push(figure(kit.dots('Generator CPU per operation, each iteration', 'tick: median', cpu, 'µs CPU')));
  // Steps of one kind (a matrix over proxy none/v1/v2) overlay: each drawn from its median-p95 iteration.
  const groups = new Map<string, LabelledResult[]>();
  for (const [step, e] of Object.entries(sum.steps)) {
    const rs = s.results[step] ?? [];
    if (rs.length === 0) continue;
    const order = e.iterations.map((it, i) => ({ i, v: it.metrics.p95 ?? it.metrics.throughput ?? 0 }));
    order.sort((a, b) => a.v - b.v);
    const pick = rs[Math.min(order[Math.floor((order.length - 1) / 2)]?.i ?? 0, rs.length - 1)];
    const list = groups.get(e.baseName) ?? [];
    list.push({ label: step, result: pick.result });
    groups.set(e.baseName, list);
  }
  for (const [base, rs] of groups) {
    parts.push(`<h3>${esc(base)}: ${rs.map((r) => esc(r.label)).join(', ')}</h3>`);
    parts.push(...charts(kit, rs).slice(0, 4));
  }
  return parts.join('\n');
}

function environment(results: LabelledResult[]): string {
  return [
    '<h2>Environment and calibration</h2>',
    table(
      ['run', 'host', 'CPU', 'kernel', 'node', 'commit', 'started', 'echo p50 / TCP_RR p50', 'stream / iperf3'],
      results.map(({ label, result: r }) => [
        label,
        r.environment.hostname,
        `${r.environment.cpuModel} (${r.environment.cores} cores)`,
        r.environment.kernel,
        r.environment.node,
        r.git?.sha.slice(0, 12) ?? '-',
        r.startedAt,
        ratio(r.calibration?.echoP50VsTcpRrP50),
        ratio(r.calibration?.streamVsIperf3),
      ]),
    ),
  ].join('\n');
}

export function figure(c: Chart): string {
  const caption = `<figcaption><b>${esc(c.title)}</b> <span>${esc(c.note)}</span></figcaption>`;
  return `<figure class="chart">${caption}${c.svg}</figure>`;
}

export function table(header: string[], rows: string[][]): string {
  const head = header.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure.chart { margin: 16px 0; } figcaption span, .window, .note { color: #666; }
</style></head>
<body><h1>${esc(title)}</h1>
${body}
<footer class="window">l4stress report: static SVG, no script; percentile axes are 1/(1-p), to 99.999%.</footer>
</body></html>
`;
}

export const us = (v: number | null): string => (v === null ? '-' : formatMicros(v));
const ratio = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${v}x`);

export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
