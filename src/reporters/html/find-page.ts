/**
 * The HTML page of a capacity search: the answer, then latency (p50, p99, p99.9, connect p99) against load with
 * each latency SLO drawn as a line and the capacity marked, errors against load, CPU of the generator, the target
 * and every --watch-pid process against load, and the table of every probe. Static SVG, like every report.
 */

import type { FindDocument } from '../../documents/find.js';
import { METRICS } from '../../gates/metrics.js';
import { parseThreshold } from '../../gates/thresholds.js';
import { machineCell, verdictCell } from '../find-text.js';
import { type LoadPoint, loadChartKit } from './charts.js';
import { esc, figure, page, table, us } from './page.js';

export async function renderFindPage(doc: FindDocument): Promise<string> {
  const kit = await loadChartKit();
  const knee = doc.answer.capacity;
  const latency: LoadPoint[] = doc.probes.flatMap((p) =>
    (
      [
        ['p50', p.roundTripUs.p50],
        ['p99', p.roundTripUs.p99],
        ['p99.9', p.roundTripUs.p999],
        ['connect p99', p.connectUs.p99],
      ] as const
    ).flatMap(([series, us]) => (us === null ? [] : [{ load: p.load, series, value: us / 1000, pass: p.pass }])),
  );
  const limits = doc.slo.flatMap((text) => {
    const t = parseThreshold(text);
    const unit = (METRICS as Record<string, { unit: string }>)[t.metric]?.unit;
    return unit === 'us' && typeof t.value === 'number' ? [{ label: `SLO ${text}`, value: t.value / 1000 }] : [];
  });
  const errors: LoadPoint[] = doc.probes.map((p) => ({
    load: p.load,
    series: 'errors',
    value: p.errors,
    pass: p.pass,
  }));
  const cpu: LoadPoint[] = doc.probes.flatMap((p) => [
    ...(p.cpu.generator === null ? [] : [{ load: p.load, series: 'generator', value: p.cpu.generator, pass: p.pass }]),
    ...(p.cpu.target === null ? [] : [{ load: p.load, series: 'target', value: p.cpu.target, pass: p.pass }]),
    ...p.cpu.watched.flatMap((w) =>
      w.percent === null ? [] : [{ load: p.load, series: `${w.name} (${w.pid})`, value: w.percent, pass: p.pass }],
    ),
  ]);
  const unit = doc.unit;
  const body = [
    `<p class="answer"><b>${esc(doc.answer.text)}</b></p>`,
    `<p class="note">SLO: ${esc(doc.slo.join(', '))}; each probe ${doc.search.warmupMs / 1000} s warm-up + ` +
      `${doc.search.windowMs / 1000} s measured; precision ${Math.round(doc.search.precision * 1000) / 10}%.</p>`,
    figure(kit.load('Latency against load', `ms, per probe (${unit})`, 'latency (ms)', latency, { limits, knee })),
    figure(
      kit.load('Errors against load', 'failed + dropped + integrity, per probe', 'errors', errors, {
        limits: [],
        knee,
      }),
    ),
    cpu.length > 0
      ? figure(kit.load('CPU against load', '% of one core, measured window', 'CPU %', cpu, { limits: [], knee }))
      : '',
    probeTable(doc),
    ...doc.expect.map((v) => `<p>${v.pass ? 'pass' : 'FAIL'} ${esc(v.threshold)}: ${esc(v.reason)}</p>`),
  ].join('\n');
  return page(`l4stress find --vary ${doc.dimension}: ${doc.name}`, body);
}

function probeTable(doc: FindDocument): string {
  const head = [
    '#',
    'probe',
    `load (${doc.unit})`,
    'achieved',
    'p50',
    'p99',
    'connect p99',
    'errors',
    'machine',
    'verdict',
  ];
  const rows = doc.probes.map((p) => [
    String(p.index),
    p.purpose,
    String(p.load),
    p.achieved === null ? '-' : String(Math.round(p.achieved)),
    us(p.roundTripUs.p50),
    us(p.roundTripUs.p99),
    us(p.connectUs.p99),
    String(p.errors),
    machineCell(p),
    p.pass
      ? 'pass'
      : `${verdictCell(p)}: ${p.generatorLimit ?? p.failure ?? ''}${p.machineLimit ? `; ${p.machineLimit}` : ''}`,
  ]);
  return table(head, rows);
}
