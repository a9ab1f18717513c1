/**
 * A capacity search in text: the live line per probe, the final table of every probe with the answer and the
 * Gates line, and the Markdown one-liner for a CI job summary. Pure functions of the find document.
 */

import { formatMicros } from '../core/units.js';
import type { FindDocument, ProbeRecord } from '../documents/find.js';
import { renderTable } from './table.js';

/** `probe 4  rate 1,600 messages/s  achieved 1,212  p50 3.1ms  p99 412ms  errors 0  FAIL  p99<20ms broke: ...` */
export function renderProbeLine(p: ProbeRecord, unit: string): string {
  const verdict = p.pass ? 'pass' : p.generatorLimit ? 'FAIL (generator)' : 'FAIL';
  const why = p.pass ? '' : `  ${p.generatorLimit ?? p.failure ?? ''}`;
  return (
    `probe ${p.index}  ${p.purpose} ${fmt(p.load)} ${unit}  achieved ${p.achieved === null ? '-' : fmt(p.achieved)}` +
    `  p50 ${micros(p.roundTripUs.p50)}  p99 ${micros(p.roundTripUs.p99)}  connect p99 ${micros(p.connectUs.p99)}` +
    `  errors ${fmt(p.errors)}  ${verdict}${why}`
  );
}

export function renderFindSummary(doc: FindDocument, file: string): string {
  const rows = doc.probes.map((p) => [
    String(p.index),
    p.purpose,
    fmt(p.load),
    p.achieved === null ? '-' : fmt(p.achieved),
    micros(p.roundTripUs.p50),
    micros(p.roundTripUs.p99),
    micros(p.connectUs.p99),
    fmt(p.errors),
    p.cpu.generator === null ? '-' : `${Math.round(p.cpu.generator)}%`,
    targetCpu(p),
    p.pass ? 'pass' : p.generatorLimit ? 'FAIL gen' : 'FAIL',
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
      'connect p99',
      'errors',
      'gen cpu',
      'target cpu',
      'verdict',
    ]),
    '',
    `Answer: ${doc.answer.text}`,
  ];
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

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function micros(us: number | null): string {
  return us === null ? '-' : formatMicros(us);
}
