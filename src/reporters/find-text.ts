/**
 * A capacity search in text: the live line per probe, the final table of every probe with the answer and the
 * Gates line, and the Markdown one-liner for a CI job summary. Pure functions of the find document.
 */

import { formatCount, formatMicros, formatPercent } from '../core/units.js';
import type { FindDocument, ProbeRecord } from '../documents/find.js';
import { probeColumns } from '../witnesses/list.js';
import { targetWatchLine } from './summary.js';
import { renderTable } from './table.js';

// The machine's column of the probe table, as find's HTML page draws it too.
export { machineCell } from '../witnesses/machine.js';

/** `probe 4  rate 1,600 messages/s  achieved 1,212  p50 3.1ms  p99 412ms  errors 0  FAIL  p99<20ms broke: ...` */
export function renderProbeLine(p: ProbeRecord, unit: string): string {
  const verdict = p.pass ? 'pass' : `FAIL${p.limitOf && p.limitOf !== 'target' ? ` (${p.limitOf})` : ''}`;
  const bounded = p.generatorLimit ?? (p.machineLimit ? `${p.failure}; ${p.machineLimit}` : null);
  const why = p.pass
    ? p.errors > 0
      ? `  (with ${formatCount(p.errors)} errors)`
      : ''
    : `  ${bounded ?? p.failure ?? ''}`;
  const achieved = p.achieved === null ? '-' : formatCount(p.achieved);
  const rt = p.roundTripUs;
  // A UDP probe has no connect: its loss stands there instead.
  const third = p.loss === undefined ? `connect p99 ${formatMicros(p.connectUs.p99 ?? NaN)}` : `loss ${lossCell(p)}`;
  return (
    `probe ${p.index}  ${purposeCell(p)} ${formatCount(p.load)} ${unit}  achieved ${achieved}` +
    `  p50 ${formatMicros(rt.p50 ?? NaN)}  p99 ${formatMicros(rt.p99 ?? NaN)}` +
    `  ${third}  errors ${formatCount(p.errors)}  ${verdict}${why}`
  );
}

function lossCell(p: ProbeRecord): string {
  return p.loss == null ? '-' : formatPercent(p.loss);
}

export function renderFindSummary(doc: FindDocument, file: string): string {
  // Each witness's view per probe (witnesses/list.ts): the machine, the ingress's series that moved most (--scrape).
  const columns = probeColumns(doc.probes);
  // UDP probes carry their loss (and have no connect): that column stands in connect p99's place.
  const udp = doc.probes.some((p) => p.loss !== undefined);
  const rows = doc.probes.map((p) => [
    String(p.index),
    purposeCell(p),
    formatCount(p.load),
    p.achieved === null ? '-' : formatCount(p.achieved),
    formatMicros(p.roundTripUs.p50 ?? NaN),
    formatMicros(p.roundTripUs.p99 ?? NaN),
    udp ? lossCell(p) : formatMicros(p.connectUs.p99 ?? NaN),
    formatCount(p.errors),
    p.cpu.generator === null ? '-' : `${Math.round(p.cpu.generator)}%`,
    targetCpu(p),
    ...columns.map((c) => c.cell(p)),
    p.pass ? 'pass' : verdictCell(p),
  ]);
  const lines = [
    `l4stress find --vary ${doc.dimension} (${doc.unit}), SLO ${doc.slo.join(', ')}`,
    '',
    renderTable(rows, [
      '#',
      'probe',
      'load',
      'achieved',
      'p50',
      'p99',
      udp ? 'loss' : 'connect p99',
      'errors',
      'gen cpu',
      'target cpu',
      ...columns.map((c) => c.header),
      'verdict',
    ]),
    ...columns.flatMap((c) => (c.note ? [c.note] : [])),
    '',
    `Answer: ${doc.answer.text}`,
  ];
  // Absent in documents written before loopback targets were watched.
  const watched = doc.target ? targetWatchLine(doc.target) : null;
  if (watched) lines.push(`  (target ${watched})`);
  const clamped = doc.search.clamped;
  if (clamped) {
    const asked = clamped.asked === null ? 'unbounded' : formatCount(clamped.asked);
    lines.push(`  (--to ${formatCount(doc.search.to ?? 0)}, not ${asked}: ${clamped.why})`);
  }
  for (const v of doc.expect) lines.push(`  ${v.pass ? 'pass' : 'FAIL'}  ${v.threshold}: ${v.reason}`);
  if (doc.expect.length > 0) {
    const passed = doc.expect.filter((v) => v.pass).length;
    lines.push(`Gates: ${passed} passed, ${doc.expect.length - passed} failed`);
  }
  lines.push(`Find document: ${file}`);
  return lines.join('\n');
}

/** One line for a CI job summary. */
export function renderFindMarkdown(doc: FindDocument): string {
  const gates = doc.expect.length
    ? ` — gates ${doc.expect.filter((v) => v.pass).length}/${doc.expect.length} passed`
    : '';
  return (
    `**l4stress find** \`--vary ${doc.dimension}\` (SLO \`${doc.slo.join('`, `')}\`): ${doc.answer.text} ` +
    `(${doc.probes.length} probes)${gates}\n`
  );
}

/** The embedded target's CPU and each --watch-pid process's (`haproxy 22%`), over the measured window. */
function targetCpu(p: ProbeRecord): string {
  const parts = [
    ...(p.cpu.target === null ? [] : [`${Math.round(p.cpu.target)}%`]),
    ...p.cpu.watched.map((w) => `${w.name} ${w.percent === null ? '-' : `${Math.round(w.percent)}%`}`),
  ];
  return parts.length ? parts.join(', ') : '-';
}

/** A probe's purpose, `grow (scout)` for a scout: a short probe that only steers the search. */
export function purposeCell(p: ProbeRecord): string {
  return p.scout ? `${p.purpose} (scout)` : p.purpose;
}

/** A failed probe's verdict with whose limit it was when not the target's: `FAIL gen`, `FAIL machine`, ... */
export function verdictCell(p: ProbeRecord): string {
  const limit = p.limitOf ?? (p.generatorLimit ? 'generator' : 'target');
  if (limit === 'generator') return 'FAIL gen';
  if (limit === 'machine') return 'FAIL machine';
  if (limit === 'inconclusive') return 'inconclusive';
  return 'FAIL';
}
