/**
 * The HTML page of a capacity search, or of two (a before and an after, on the same axes): the answer (and, for
 * two, the comparison's verdict, each side's bracket and the SLOs at the loads both probed), then latency against
 * load on a log axis with each latency SLO drawn as a line and the capacity marked, achieved against asked with
 * y = x, errors, the ingress's own view (--scrape: the series that moved most with the load), CPU of the generator,
 * the target and every --watch-pid process, and the table of every probe (with the moving scraped series).
 * Static SVG, like every report.
 */

import { formatCount } from '../../core/units.js';
import type { FindDocument, ProbeRecord } from '../../documents/find.js';
import { type FindComparison, intervalText } from '../../gates/compare-find.js';
import { METRICS } from '../../gates/metric-table.js';
import { parseThreshold } from '../../gates/thresholds.js';
import { movingSeries } from '../../witnesses/moving-series.js';
import { sloValue, VERDICT_WORD } from '../find-compare-text.js';
import { machineCell, purposeCell, verdictCell } from '../find-text.js';
import { fmt, type LoadPoint, loadFindCharts, type Marker } from './find-charts.js';
import { esc, figure, page, table, us } from './page.js';

export interface FindPageSide {
  /** `before`, `after`; empty for a single search (series then carry no prefix). */
  label: string;
  file: string;
  doc: FindDocument;
}

/** One search's page (find --report html, report of one find document). */
export async function renderFindPage(doc: FindDocument, file = ''): Promise<string> {
  return renderFindPages([{ label: '', file, doc }], null);
}

/** One search, or two with their comparison drawn on the same charts. */
export async function renderFindPages(
  sides: FindPageSide[],
  comparison: FindComparison | null,
  title?: string,
): Promise<string> {
  const kit = await loadFindCharts();
  const name = (s: FindPageSide, series: string): string => (s.label ? `${s.label} ${series}` : series);
  const each = (f: (s: FindPageSide, p: ProbeRecord) => LoadPoint[]): LoadPoint[] =>
    sides.flatMap((s) => s.doc.probes.flatMap((p) => f(s, p)));
  const point = (s: FindPageSide, p: ProbeRecord, series: string, value: number | null): LoadPoint[] =>
    value === null ? [] : [{ load: p.load, series: name(s, series), value, pass: p.pass }];
  const latency = each((s, p) =>
    (
      [
        ['p50', p.roundTripUs.p50],
        ['p99', p.roundTripUs.p99],
        // Two searches on one chart: p99.9 left to each probe table, or eight lines would hide the SLO.
        ['p99.9', sides.length > 1 ? null : p.roundTripUs.p999],
        ['connect p99', p.connectUs.p99],
      ] as const
    ).flatMap(([series, v]) => point(s, p, series, v === null ? null : v / 1000)),
  );
  const cpu = each((s, p) => [
    ...point(s, p, 'generator CPU', p.cpu.generator),
    ...point(s, p, 'target CPU', p.cpu.target),
    ...p.cpu.watched.flatMap((w) => point(s, p, `${w.name} (${w.pid})`, w.percent)),
  ]);
  const knees: Marker[] = sides.flatMap((s) =>
    s.doc.answer.capacity === null
      ? []
      : [
          {
            label: name(s, `capacity ${s.doc.answer.atLeast ? 'at least ' : ''}${formatCount(s.doc.answer.capacity)}`),
            value: s.doc.answer.capacity,
          },
        ],
  );
  // The ingress's own view (--scrape): per side, the series that moved most with the load, as the text table picks it.
  const ingress = sides.flatMap((s) => {
    const key = movingSeries(s.doc.probes, 1)[0]?.key;
    return key === undefined ? [] : s.doc.probes.flatMap((p) => point(s, p, key, p.scrape?.[key] ?? null));
  });
  const first = sides[0].doc;
  const unit = first.unit;
  const body = [
    comparison ? comparisonSection(sides, comparison) : answerSection(sides[0]),
    figure(kit.latency('Latency against load', `ms, log axis, per probe (${unit})`, latency, limitsOf(sides), knees)),
    figure(
      kit.achieved(
        'Achieved against asked',
        `${unit}; on y = x the load was carried, below it the target (or the generator) gave out`,
        each((s, p) => point(s, p, 'achieved', p.achieved)),
        knees,
      ),
    ),
    figure(
      kit.linear(
        'Errors against load',
        'failed + dropped + integrity, per probe',
        'errors',
        each((s, p) => point(s, p, 'errors', p.errors)),
        knees,
        true,
      ),
    ),
    ingress.length > 0
      ? figure(
          kit.linear(
            "The ingress's view against load",
            '--scrape: per probe, the mean over its window of the scraped series that moved most with the load',
            'scraped',
            ingress,
            knees,
          ),
        )
      : '',
    cpu.length > 0 ? figure(kit.linear('CPU against load', '% of one core, measured window', 'CPU %', cpu, knees)) : '',
    ...sides.flatMap((s) => [
      sides.length > 1 ? `<h2>${esc(s.label)}: ${esc(s.file)}, every probe</h2>` : '',
      probeTable(s.doc),
      ...s.doc.expect.map((v) => `<p>${v.pass ? 'pass' : 'FAIL'} ${esc(v.threshold)}: ${esc(v.reason)}</p>`),
    ]),
  ].join('\n');
  const heading =
    title ??
    (comparison
      ? `l4stress find --vary ${first.dimension}: ${sides.map((s) => s.file).join(' vs ')}`
      : `l4stress find --vary ${first.dimension}: ${first.name}`);
  return page(heading, body);
}

/** Each latency SLO as a line, in ms (one per distinct SLO text over the sides). */
function limitsOf(sides: FindPageSide[]): Marker[] {
  const texts = [...new Set(sides.flatMap((s) => s.doc.slo))];
  return texts.flatMap((text) => {
    const t = parseThreshold(text);
    const unit = (METRICS as Record<string, { unit: string }>)[t.metric]?.unit;
    return unit === 'us' && typeof t.value === 'number' ? [{ label: `SLO ${text}`, value: t.value / 1000 }] : [];
  });
}

function answerSection({ doc }: FindPageSide): string {
  return [
    `<p class="answer"><b>${esc(doc.answer.text)}</b></p>`,
    `<p class="note">SLO: ${esc(doc.slo.join(', '))}; each probe ${doc.search.warmupMs / 1000} s warm-up + ` +
      `${doc.search.windowMs / 1000} s measured; precision ${Math.round(doc.search.precision * 1000) / 10}%.</p>`,
  ].join('\n');
}

function comparisonSection(sides: FindPageSide[], c: FindComparison): string {
  const rows = [c.baseline, c.candidate].map((s, i) => [
    sides[i].label,
    sides[i].file,
    s.capacity === null ? 'none' : `${s.atLeast ? 'at least ' : ''}${formatCount(s.capacity)} ${c.unit}`,
    s.interval ? intervalText(s.interval, c.unit) : '-',
    `${Math.round(s.precision * 1000) / 10}%`,
    s.limitOf ?? `- (${s.end})`,
    s.text,
  ]);
  const slo = c.slo.map((r) => [
    formatCount(r.load),
    r.slo,
    ...[r.baseline, r.candidate].map((v) =>
      v === null ? '-' : `${v.value === null ? '-' : sloValue(r.slo, v.value)} (${v.passed}/${v.probes})`,
    ),
  ]);
  return [
    `<p class="answer"><b>${esc(VERDICT_WORD[c.verdict])}: ${esc(c.reason)}</b></p>`,
    table(['', 'file', 'capacity', 'bracket', 'precision', 'whose limit', 'answer'], rows),
    ...c.cautions.map((n) => `<p class="note">note: ${esc(n)}</p>`),
    slo.length
      ? `<h2>At the loads both searches probed</h2>` +
        table([`load (${c.unit})`, 'SLO', ...sides.map((s) => s.label)], slo)
      : '<p class="note">The searches probed no load in common.</p>',
  ].join('\n');
}

/** Every probe, with a column per scraped series that moved with the load (up to three: all in the document). */
function probeTable(doc: FindDocument): string {
  const scraped = movingSeries(doc.probes).map((m) => m.key);
  const head = ['#', 'probe', `load (${doc.unit})`, 'achieved', 'p50', 'p99', 'connect p99', 'errors', 'machine'];
  const rows = doc.probes.map((p) => [
    String(p.index),
    purposeCell(p),
    formatCount(p.load),
    p.achieved === null ? '-' : formatCount(p.achieved),
    us(p.roundTripUs.p50),
    us(p.roundTripUs.p99),
    us(p.connectUs.p99),
    formatCount(p.errors),
    machineCell(p),
    ...scraped.map((k) => (p.scrape?.[k] === undefined ? '-' : fmt(p.scrape[k]))),
    p.pass
      ? 'pass'
      : `${verdictCell(p)}: ${p.generatorLimit ?? p.failure ?? ''}${p.machineLimit ? `; ${p.machineLimit}` : ''}`,
  ]);
  return table([...head, ...scraped, 'verdict'], rows);
}
