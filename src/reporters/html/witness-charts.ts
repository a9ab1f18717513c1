/**
 * The witnesses beside the load in the HTML report, on the run's time axis: the ingress's own scraped series (one
 * chart per series name), and the machine (cores busy, others' share, CPU pressure, the load threads' run-queue
 * wait, all as % of the second) with a table of each run's window and verdict.
 */

import type { RunResult } from '../../documents/result.js';
import { verdictWord } from '../../result/machine-section.js';
import type { Chart, ChartKit } from './charts.js';
import { type LabelledResult, type PhaseSpan, phaseSpans } from './series.js';

/** The ingress's own series (--scrape), on the same time axis as the load: one chart per series name. */
export function scrapeCharts(kit: ChartKit, results: LabelledResult[], spans: PhaseSpan[]): Chart[] {
  const out: Chart[] = [];
  const names = [...new Set(results.flatMap((r) => r.result.scrape?.series.map((s) => s.name) ?? []))].slice(0, 8);
  for (const name of names) {
    const points = results.flatMap(({ label, result }) =>
      (result.scrape?.series ?? [])
        .filter((s) => s.name === name)
        .flatMap((s) =>
          result.timeline.flatMap((row) => {
            const v = row.scrape?.[s.key];
            return v === undefined ? [] : [{ series: `${label} ${s.key}`.trim(), t: row.t, value: v }];
          }),
        ),
    );
    const counter = results.some((r) => r.result.scrape?.series.some((s) => s.name === name && s.kind === 'counter'));
    if (points.length > 0)
      out.push(
        kit.timeline(
          `Ingress: ${name}`,
          'scraped once a second (--scrape)',
          counter ? 'per second' : 'value',
          points,
          spans,
        ),
      );
  }
  return out;
}

/** One line per figure and run, as % of the second (others as % of the machine's cores). */
export function machineChart(kit: ChartKit, results: LabelledResult[]): Chart | null {
  const points = results.flatMap(({ label, result }) => {
    const cores = result.machine?.cores ?? result.environment.cores;
    const name = (what: string): string => `${label} ${what}`.trim();
    return result.timeline.flatMap((row) => {
      const m = row.machine;
      if (!m) return [];
      const figures: [string, number | null][] = [
        ['cores busy', m.busyPercent],
        ['others', m.othersCores === null ? null : (m.othersCores / cores) * 100],
        ['CPU pressure', m.cpuPressure === null ? null : m.cpuPressure * 100],
        ['load threads waited', m.loadThreadWait === null ? null : m.loadThreadWait.mean * 100],
      ];
      return figures.flatMap(([what, value]) => (value === null ? [] : [{ series: name(what), t: row.t, value }]));
    });
  });
  if (points.length === 0) return null;
  return kit.timeline(
    'The machine',
    'each second: all cores busy, others (processes none of ours) as a share of the cores, CPU pressure (PSI some), ' +
      'and the run-queue wait of the load threads',
    '% of the second',
    points,
    phaseSpans(results[0].result),
  );
}

/** Each run's measured window: busy, ours and others, pressure, waits, and the verdict with its reason. */
export function machineRows(results: LabelledResult[]): { header: string[]; rows: string[][] } | null {
  const withMachine = results.filter(({ result }) => result.machine);
  if (withMachine.length === 0) return null;
  const pct = (v: number | null | undefined): string =>
    v === null || v === undefined ? '-' : `${Math.round(v * 100)}%`;
  return {
    header: ['run', 'cores busy', 'ours', 'others', 'CPU pressure', 'load threads waited', 'verdict'],
    rows: withMachine.map(({ label, result }) => {
      const m = result.machine as NonNullable<RunResult['machine']>;
      return [
        label,
        m.busyPercentMean === null ? '-' : `${Math.round(m.busyPercentMean)}% of ${m.cores}`,
        m.oursCoresMean === null ? '-' : `${m.oursCoresMean} cores`,
        m.othersCoresMean === null ? '-' : `${m.othersCoresMean} cores`,
        pct(m.cpuPressure),
        pct(m.loadThreadWait?.mean),
        `${verdictWord(m)}${m.reason ? `: ${m.reason}` : ''}`,
      ];
    }),
  };
}
