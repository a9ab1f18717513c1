/**
 * The report's charts as static SVG: Observable Plot, rendered in Node through linkedom's small DOM. Both are
 * loaded only when a report is asked for (about 300 ms), so a run without --report pays nothing. Static SVG
 * keeps the page self-contained and script-free: it opens from a CI artifact with no network and no console.
 */
import type { CurvePoint, PhaseSpan, TimePoint } from './series.js';

type PlotModule = typeof import('@observablehq/plot');
type PlotOptions = Parameters<PlotModule['plot']>[0];

export interface Chart {
  title: string;
  /** What the figures cover (window, unit). */
  note: string;
  svg: string;
}

export interface ChartKit {
  percentiles(title: string, note: string, points: CurvePoint[]): Chart;
  timeline(title: string, note: string, yLabel: string, points: TimePoint[], spans: PhaseSpan[]): Chart;
  dots(title: string, note: string, rows: { group: string; series: string; value: number }[], yLabel: string): Chart;
  trend(title: string, note: string, yLabel: string, rows: { date: Date; series: string; value: number }[]): Chart;
}

const WIDTH = 960;
const HEIGHT = 320;
const PHASE_FILL: Record<string, string> = {
  ramp: '#f2c14e',
  warmup: '#9ecae1',
  measure: '#ffffff',
  stopping: '#d9d9d9',
};
/** 1/(1-p) ticks and the percentiles they stand for. */
const NINES = [1, 10, 100, 1_000, 10_000, 100_000];
const NINES_LABEL = ['0%', '90%', '99%', '99.9%', '99.99%', '99.999%'];

/** Plot and a renderer to standalone SVG strings (960 x 320 by default), loaded once per report. */
export async function loadPlot(): Promise<{ Plot: PlotModule; render: (o: PlotOptions) => string }> {
  const [Plot, { parseHTML }] = await Promise.all([import('@observablehq/plot'), import('linkedom')]);
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const render = (options: PlotOptions): string => {
    const node = Plot.plot({
      document,
      width: WIDTH,
      height: HEIGHT,
      marginLeft: 64,
      ...options,
    }) as unknown as Element;
    // A standalone SVG needs its namespace (linkedom does not add it); inline it is harmless.
    return node.outerHTML.replace(/<svg(?![^>]*xmlns=)/g, '<svg xmlns="http://www.w3.org/2000/svg"');
  };
  return { Plot, render };
}

/**
 * Loads Plot and the DOM once per report. Over 100 lines on purpose: one entry per chart kind, each a declarative
 * Plot spec over the shared helper above it; split, the kinds would lose the helper they share.
 */
export async function loadChartKit(): Promise<ChartKit> {
  const { Plot, render } = await loadPlot();
  /** One line per series with a dot per point, each dot's tooltip from `title`. */
  const lineWithDots = <T extends { series: string }>(
    data: T[],
    x: keyof T & string,
    y: keyof T & string,
    r: number,
    title: (d: T) => string,
  ) => [
    Plot.line(data, { x, y, stroke: 'series', strokeWidth: 1.5 }),
    Plot.dot(data, { x, y, stroke: 'series', r, title }),
  ];
  return {
    percentiles: (title, note, points) => ({
      title,
      note,
      svg: render({
        marginRight: 20,
        x: { type: 'log', label: 'percentile', ticks: NINES, tickFormat: (x: number) => ninesLabel(x), grid: true },
        y: { type: 'log', label: 'latency (µs)', grid: true },
        color: { legend: true },
        marks: lineWithDots(points, 'x', 'us', 1.5, (d) => `${d.series}\np${d.percentile.toFixed(3)}: ${d.us} µs`),
      }),
    }),
    timeline: (title, note, yLabel, points, spans) => ({
      title,
      note,
      svg: render({
        x: { label: 'seconds from start', grid: true },
        // All zeros (no error at all) still gets a readable axis.
        y: { label: yLabel, grid: true, domain: [0, points.reduce((m, p) => Math.max(m, p.value), 1) * 1.05] },
        color: { legend: true },
        marks: [
          ...Object.entries(PHASE_FILL).map(([phase, fill]) =>
            Plot.rectX(
              spans.filter((s) => s.phase === phase),
              { x1: 'from', x2: 'to', fill, fillOpacity: 0.35 },
            ),
          ),
          Plot.text(spans, { x: (s: PhaseSpan) => (s.from + s.to) / 2, frameAnchor: 'top', text: 'phase', dy: 6 }),
          ...lineWithDots(points, 't', 'value', 1.5, (d) => `${d.series}\n${d.t.toFixed(1)} s: ${round(d.value)}`),
        ],
      }),
    }),
    trend: (title, note, yLabel, rows) => ({
      title,
      note,
      svg: render({
        x: { type: 'utc', label: 'date', grid: true },
        y: { label: yLabel, grid: true, zero: true },
        color: { legend: true },
        marks: lineWithDots(
          rows,
          'date',
          'value',
          2.5,
          (d) => `${d.series}\n${d.date.toISOString()}: ${round(d.value)}`,
        ),
      }),
    }),
    dots: (title, note, rows, yLabel) => ({
      title,
      note,
      svg: render({
        marginBottom: 60,
        x: { label: null, tickRotate: -15 },
        y: { label: yLabel, grid: true, zero: true },
        color: { legend: true },
        marks: [
          Plot.dot(rows, {
            x: 'group',
            y: 'value',
            stroke: 'series',
            r: 4,
            title: (d: { series: string; value: number }) => `${d.series}: ${round(d.value)}`,
          }),
          Plot.tickY(rows, Plot.groupX({ y: 'median' }, { x: 'group', y: 'value', stroke: 'series', strokeWidth: 2 })),
        ],
      }),
    }),
  };
}

function ninesLabel(x: number): string {
  const i = NINES.indexOf(x);
  return i >= 0 ? NINES_LABEL[i] : '';
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100);
}
