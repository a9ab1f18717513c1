/**
 * Two capacity searches compared, in text: each side's answer with its bracket, precision and whose limit, each
 * SLO at the loads both probed, the cautions and the verdict line. A pure function of the comparison.
 */

import { formatCount, formatMicros } from '../core/units.js';
import {
  type FindComparison,
  type FindSide,
  INGRESS_ROW,
  intervalText,
  type SloAtLoad,
} from '../gates/compare-find.js';
import { METRICS } from '../gates/metric-table.js';
import { parseThreshold } from '../gates/thresholds.js';
import { renderTable } from './table.js';

export const VERDICT_WORD: Record<FindComparison['verdict'], string> = {
  improved: 'IMPROVED',
  same: 'no change',
  regressed: 'REGRESSED',
  'not-comparable': 'NOT COMPARABLE',
};

export function renderFindComparison(c: FindComparison): string {
  const sides = [c.baseline, c.candidate].map((s, i) => sideRow(i === 0 ? 'baseline' : 'candidate', s, c.unit));
  const lines = [
    `l4stress compare: two capacity searches, --vary ${c.dimension} (${c.unit})`,
    '',
    renderTable(sides, ['', 'file', 'capacity', 'bracket', 'precision', 'whose limit', 'probes']),
  ];
  if (c.slo.length > 0)
    lines.push(
      '',
      'At the loads both searches probed (median over repeats; passes/probes; ingress: its scraped view, the mean):',
      renderTable(
        c.slo.map((r) => [formatCount(r.load), r.slo, cell(r.slo, r.baseline), cell(r.slo, r.candidate)]),
        [`load (${c.unit})`, 'SLO', 'baseline', 'candidate'],
      ),
    );
  else lines.push('', 'The searches probed no load in common: no SLO to set side by side.');
  for (const caution of c.cautions) lines.push(`note: ${caution}`);
  lines.push('', `verdict: ${VERDICT_WORD[c.verdict]}: ${c.reason}`);
  return lines.join('\n');
}

function sideRow(name: string, s: FindSide, unit: string): string[] {
  const capacity = s.capacity === null ? 'none' : `${s.atLeast ? 'at least ' : ''}${formatCount(s.capacity)} ${unit}`;
  return [
    name,
    s.label,
    capacity,
    s.interval ? intervalText(s.interval, unit) : '-',
    `${Math.round(s.precision * 1000) / 10}%`,
    s.limitOf ?? `- (${s.end})`,
    String(s.probes),
  ];
}

/** `3.10ms (2/2 pass)`; `-` where the side had no such SLO. */
function cell(slo: string, v: SloAtLoad['baseline']): string {
  if (v === null) return '-';
  if (slo.startsWith(INGRESS_ROW))
    return `${sloValue(slo, v.value ?? 0)} (${v.probes} probe${v.probes === 1 ? '' : 's'})`;
  const what = slo === 'achieved' ? 'carried' : 'pass';
  return `${v.value === null ? '-' : sloValue(slo, v.value)} (${v.passed}/${v.probes} ${what})`;
}

/** A value in its metric's unit: latency as µs/ms/s, everything else as a count with separators. */
export function sloValue(slo: string, value: number): string {
  if (slo === 'achieved') return formatCount(value);
  if (slo.startsWith(INGRESS_ROW))
    return Math.abs(value) >= 100 ? formatCount(value) : String(Math.round(value * 100) / 100);
  const metric = parseThreshold(slo).metric;
  const unit = (METRICS as Record<string, { unit: string }>)[metric]?.unit;
  if (unit === 'us') return formatMicros(value);
  return Math.abs(value) >= 100 ? formatCount(value) : String(Math.round(value * 100) / 100);
}
