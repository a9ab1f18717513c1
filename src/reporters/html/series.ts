/**
 * The data behind the report's charts, as plain rows (one per mark), from stored documents only: pure, so the
 * numbers a chart shows can be checked without a browser.
 */
import type { Phase, RunResult } from '../../documents/result.js';
import { decodeHistogram } from '../../instruments/histogram.js';

/** A result and the name it goes by in legends. */
export interface LabelledResult {
  label: string;
  result: RunResult;
}

/** One point of a latency-by-percentile curve: x = 1/(1-p), the axis that spreads the tail out. */
export interface CurvePoint {
  series: string;
  percentile: number;
  x: number;
  us: number;
}

/** Nines drawn: up to 99.999%, 20 points per decade of 1/(1-p). */
const MAX_NINES = 5;
const STEPS_PER_DECADE = 20;

/**
 * The percentile curve of an encoded histogram, cut where the samples run out (past 1 - 1/count a percentile is
 * only the max again), with the max as the last point.
 */
export function latencyCurve(series: string, encoded: string | undefined): CurvePoint[] {
  if (!encoded) return [];
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return [];
  const points: CurvePoint[] = [];
  const lastX = Math.min(10 ** MAX_NINES, h.totalCount);
  for (let i = 0; i <= MAX_NINES * STEPS_PER_DECADE; i++) {
    const x = 10 ** (i / STEPS_PER_DECADE);
    if (x > lastX) break;
    const percentile = 100 * (1 - 1 / x);
    points.push({ series, percentile, x, us: h.getValueAtPercentile(percentile) });
  }
  points.push({ series, percentile: 100 * (1 - 1 / lastX), x: lastX, us: h.getValueAtPercentile(100) });
  return points;
}

/** Every latency curve a result has: round trip (corrected when paced), service, connect, TLS handshake. */
export function resultCurves(r: LabelledResult, which: 'round-trip' | 'connect'): CurvePoint[] {
  const h = r.result.histograms;
  if (which === 'connect') {
    return [
      ...latencyCurve(`${r.label} connect`, h.connectUs),
      ...latencyCurve(`${r.label} TLS handshake`, h.tlsHandshakeUs),
    ];
  }
  const paced = h.serviceUs !== undefined;
  const mode = r.result.config.mode;
  const name = mode === 'hold' ? 'ping' : paced ? 'round trip (corrected)' : 'round trip';
  return [...latencyCurve(`${r.label} ${name}`, h.roundTripUs), ...latencyCurve(`${r.label} service`, h.serviceUs)];
}

/** A phase's stretch of the run, in seconds from its start, for shading. */
export interface PhaseSpan {
  phase: Phase;
  from: number;
  to: number;
}

/** Consecutive timeline rows of one phase make a span; a row covers the interval that ends at its `t`. */
export function phaseSpans(r: RunResult): PhaseSpan[] {
  const spans: PhaseSpan[] = [];
  for (const row of r.timeline) {
    const from = Math.max(0, row.t - row.intervalMs / 1000);
    const last = spans.at(-1);
    if (last && last.phase === row.phase) last.to = row.t;
    else spans.push({ phase: row.phase, from, to: row.t });
  }
  return spans;
}

/** One value of one series at one second of one run. */
export interface TimePoint {
  series: string;
  t: number;
  value: number;
}

export type TimelineMetric = 'rate' | 'open' | 'errors' | 'latency';

/** The per-second rows of a chart: the mode decides what "rate" means (round trips/s or Gbit/s each way). */
export function timelinePoints(r: LabelledResult, metric: TimelineMetric): TimePoint[] {
  const rows = r.result.timeline;
  const at = (series: string, pick: (row: (typeof rows)[number], i: number) => number | null): TimePoint[] =>
    rows.flatMap((row, i) => {
      const value = pick(row, i);
      return value === null ? [] : [{ series: `${r.label} ${series}`.trim(), t: row.t, value }];
    });
  switch (metric) {
    case 'rate':
      if (r.result.config.mode === 'stream') {
        return [
          ...at('sent Gbit/s', (row) => (row.bytesSentPerSecond * 8) / 1e9),
          ...at('received Gbit/s', (row) => (row.bytesReceivedPerSecond * 8) / 1e9),
        ];
      }
      if (r.result.config.mode === 'connect') {
        // `established` is cumulative: new sessions per second are its rise over each interval.
        return at('connections/s', (row, i) => perSecond(row.established - (i > 0 ? rows[i - 1].established : 0), row));
      }
      return at(r.result.config.mode === 'hold' ? 'pings/s' : 'round trips/s', (row) => row.roundTripsPerSecond);
    case 'open':
      return at('open', (row) => row.open);
    case 'errors':
      return [...at('connect failures', (row) => row.connectFailed), ...at('drops', (row) => row.dropped)];
    case 'latency':
      return [...at('p50', (row) => row.p50Us), ...at('p99', (row) => row.p99Us)];
  }
}

function perSecond(n: number, row: { intervalMs: number }): number {
  return row.intervalMs > 0 ? Math.round((n * 1000) / row.intervalMs) : 0;
}
