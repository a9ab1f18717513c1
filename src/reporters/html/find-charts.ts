/**
 * The charts of a capacity search (one, or a before and an after on the same axes): latency on a log axis with
 * each latency SLO as a line, achieved against asked with the y = x line, errors with whole-number ticks, CPU.
 * Every probe is a dot; a series' line runs through the median at each load, in load order, so repeated probes
 * at one load (confirmations, retries) stand as points instead of zig-zagging. Every figure has separators.
 */

import { median } from '../../calibration/stats.js';
import type { Chart } from './charts.js';
import { loadPlot } from './charts.js';

export interface LoadPoint {
  load: number;
  series: string;
  value: number;
  pass: boolean;
}

/** A labelled vertical or horizontal line: an SLO's limit, a capacity. */
export interface Marker {
  label: string;
  value: number;
}

export interface FindChartKit {
  latency(title: string, note: string, rows: LoadPoint[], limits: Marker[], knees: Marker[]): Chart;
  linear(title: string, note: string, yLabel: string, rows: LoadPoint[], knees: Marker[], counts?: boolean): Chart;
  achieved(title: string, note: string, rows: LoadPoint[], knees: Marker[]): Chart;
}

/** Tick labels with separators (1,000), never in exponent form. */
const SEPARATED = (v: number): string => fmt(v);
const SLO_RED = '#d62728';

/**
 * One chart kind per entry over the shared marks below; over 100 lines on purpose (the kinds share the closure's
 * Plot and marks, as charts.ts does).
 */
export async function loadFindCharts(): Promise<FindChartKit> {
  const { Plot, render } = await loadPlot();
  const x = { label: 'load asked', grid: true, zero: true, tickFormat: SEPARATED };
  /** A dot per probe (filled when it passed), a line through each load's median, the capacities as rules. */
  const probes = (rows: LoadPoint[], knees: Marker[]) => [
    Plot.line(medians(rows), { x: 'load', y: 'value', stroke: 'series', strokeWidth: 1.5 }),
    // Passes filled, failures hollow.
    ...[true, false].map((pass) =>
      Plot.dot(
        rows.filter((r) => r.pass === pass),
        {
          x: 'load',
          y: 'value',
          stroke: 'series',
          fill: pass ? 'series' : 'white',
          r: 3,
          title: (d: LoadPoint) => `${d.series}\nload ${fmt(d.load)}: ${fmt(d.value)} (${pass ? 'pass' : 'fail'})`,
        },
      ),
    ),
    Plot.ruleX(knees, { x: 'value', stroke: '#2ca02c', strokeWidth: 2, className: 'capacity' }),
    // A capacity's label reads away from the nearer edge: to the right of its line in the left part, else left.
    ...[true, false].map((right) => {
      const far = Math.max(...rows.map((r) => r.load), ...knees.map((k) => k.value)) * 0.7;
      return Plot.text(
        knees.filter((k) => k.value <= far === right),
        {
          x: 'value',
          text: 'label',
          frameAnchor: 'top',
          dy: 6,
          dx: right ? 4 : -4,
          textAnchor: right ? 'start' : 'end',
        },
      );
    }),
  ];
  return {
    latency: (title, note, rows, limits, knees) => {
      const shown = rows.filter((r) => r.value > 0);
      const ticks = logTicks([...shown.map((r) => r.value), ...limits.map((l) => l.value)]);
      return {
        title,
        note,
        svg: render({
          x,
          y: {
            type: 'log',
            label: 'latency (ms, log)',
            grid: true,
            domain: [ticks[0], ticks.at(-1)!],
            ticks,
            tickFormat: SEPARATED,
          },
          color: colors(rows),
          marks: [
            ...probes(shown, knees),
            Plot.ruleY(limits, { y: 'value', stroke: SLO_RED, strokeDasharray: '6,4', className: 'slo-limit' }),
            Plot.text(limits, { y: 'value', text: 'label', frameAnchor: 'right', dy: -6, fill: SLO_RED }),
          ],
        }),
      };
    },
    linear: (title, note, yLabel, rows, knees, counts = false) => {
      const max = rows.reduce((m, r) => Math.max(m, r.value), 0);
      const y = counts
        ? { label: yLabel, grid: true, domain: [0, countTicks(max).at(-1)!], ticks: countTicks(max) }
        : { label: yLabel, grid: true, zero: true };
      return {
        title,
        note,
        svg: render({ x, y: { ...y, tickFormat: SEPARATED }, color: colors(rows), marks: probes(rows, knees) }),
      };
    },
    achieved: (title, note, rows, knees) => {
      const top = rows.reduce((m, r) => Math.max(m, r.load, r.value), 1);
      return {
        title,
        note,
        svg: render({
          x,
          y: { label: 'achieved', grid: true, zero: true, tickFormat: SEPARATED },
          color: colors(rows),
          marks: [
            Plot.line(
              [
                { load: 0, value: 0 },
                { load: top, value: top },
              ],
              { x: 'load', y: 'value', stroke: '#999', strokeDasharray: '4,4', className: 'identity' },
            ),
            Plot.text([{ load: top, value: top }], { x: 'load', y: 'value', text: () => 'y = x', dx: -20, dy: -6 }),
            ...probes(rows, knees),
          ],
        }),
      };
    },
  };
}

/**
 * Light (before) and dark (after) of one hue per metric, so a before/after pair reads as one measure; no red (the SLO
 * lines) and green late (the capacities).
 */
const PAIRS: [string, string][] = [
  ['#9ecae1', '#2166ac'],
  ['#fdae6b', '#d94801'],
  ['#bcbddc', '#6a51a3'],
  ['#a1d99b', '#238b45'],
  ['#d9d9d9', '#525252'],
  ['#fbb4b9', '#ae017e'],
];

/**
 * The color scale: Plot's categories for one search; for two (series named `before …` and `after …`), each metric
 * one hue, light before and dark after, in the legend side by side.
 */
export function colors(rows: LoadPoint[]): { legend: true; domain?: string[]; range?: string[] } {
  const names = [...new Set(rows.map((r) => r.series))];
  const paired = names.every((n) => /^(before|after) /.test(n));
  if (!paired || names.length === 0) return { legend: true };
  const metrics = [...new Set(names.map((n) => n.replace(/^(before|after) /, '')))].sort();
  const domain = metrics.flatMap((m) => [`before ${m}`, `after ${m}`]);
  const range = metrics.flatMap((_, i) => PAIRS[i % PAIRS.length]);
  return { legend: true, domain, range };
}

/** Each series' median at each load, in load order: the line a series draws. */
export function medians(rows: LoadPoint[]): LoadPoint[] {
  const groups = new Map<string, LoadPoint[]>();
  for (const r of rows) {
    const key = `${r.series}\u0000${r.load}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((g) => ({ ...g[0], value: median(g.map((r) => r.value)), pass: g.every((r) => r.pass) }))
    .sort((a, b) => a.series.localeCompare(b.series) || a.load - b.load);
}

/** Ticks of a log axis over `values`: whole decades, with 2 and 5 between them when it spans three or fewer. */
export function logTicks(values: number[]): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.floor(Math.log10(Math.min(...(positive.length ? positive : [1]))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...(positive.length ? positive : [10])))));
  const steps = hi - lo <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++)
    for (const s of steps) if (k < hi || s === 1) ticks.push(Number((s * 10 ** k).toPrecision(3)));
  return ticks;
}

/** Whole-number ticks from 0 to at least `max` (at least 0..1: an all-zero series still gets a readable axis). */
export function countTicks(max: number): number[] {
  const top = Math.max(1, Math.ceil(max));
  const raw = top / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? power * 10);
  const ticks: number[] = [];
  for (let v = 0; v < top + step; v += step) ticks.push(v);
  return ticks;
}

/** A figure with separators: whole above 100, two decimals at most below. */
export function fmt(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : 2 });
}
