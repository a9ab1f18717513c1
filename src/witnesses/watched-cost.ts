/**
 * What the run's work cost each watched process (the embedded target, --watch-pid: typically the ingress): RSS per
 * held session (after the ramp minus before, over the sessions: how many fit in its RAM), CPU µs per round trip,
 * per connection and per TLS handshake in the measured phase, and the RSS slope over the measured phase, least
 * squares over its per-second samples. Each embedded target or generator process carries an equal share of the work
 * (connections are spread evenly over them), so its cost is over its share; a --watch-pid process (an ingress)
 * carries all of it.
 *
 * The slope and the leak verdict (docs/results.md says the same): a process that just took tens of thousands of
 * sessions keeps growing for a while after the ramp (the ramp's garbage collected lazily, pages first touched,
 * buffers resized): RSS still settling climbs like a leak over a short window (a 20 s window after a 74 s ramp of
 * 100,000 sessions fitted a line at R² 0.84 and 1,200 MiB/h). So:
 * - no slope at all (null, with the reason in `rssSlopeNote`) under LEAK_MIN_WINDOW_S of measured samples: 30 s,
 *   so each half below holds 15 per-second samples, and a settling curve of time constant up to ~20 s fails the
 *   pace rule (its halves' slopes differ by e^(-15/tau) < 0.5);
 * - the slope is fitted over the second half of the measured phase only: the first half is set aside as settling;
 * - a leak is suspected when that half grew steadily (R² >= 0.8) by more than 1 MiB and 2% of its size (noise and
 *   a one-off allocation do not fit a line that well), AND kept its pace: its slope is at least half the first
 *   half's. A settling process slows down, a leak does not. A leak hidden under a large settling shows up in a
 *   longer run, where the settling is a smaller share of the first half.
 */
import type { RunResult, TimelineRow, WatchedSummary } from '../documents/result.js';
import type { LoadCounters } from '../instruments/counters.js';
import type { WatchMarks } from '../instruments/pid-watch.js';

const MIB = 1024 * 1024;
const LEAK_MIN_R2 = 0.8;
const LEAK_MIN_GROWTH_BYTES = MIB;
const LEAK_MIN_GROWTH_SHARE = 0.02;
/** Measured seconds before any slope: two halves of 15 per-second samples (see the top). */
export const LEAK_MIN_WINDOW_S = 30;
/** The settled half's slope over the first half's, at least: a leak keeps its pace, settling slows down. */
const LEAK_MIN_PACE = 0.5;

type Cost = NonNullable<WatchedSummary['cost']>;

/** The watched processes at the run's moments (witnesses/watched.ts marks them): RSS and CPU used so far, by PID. */
export interface WatchedMarks {
  baseline: WatchMarks;
  ramped: WatchMarks;
  measureStart: WatchMarks;
  measureEnd: WatchMarks;
}

/** Each process's summary with its cost per unit of work, from the marks and the measured rows. */
export function withCosts(
  watched: WatchedSummary[],
  marks: WatchedMarks,
  timeline: TimelineRow[],
  work: { totals: LoadCounters; longLived: boolean; measuredRoundTrips: number },
): RunResult['resources']['watched'] {
  const { totals, longLived, measuredRoundTrips } = work;
  const { baseline, ramped, measureStart, measureEnd } = marks;
  const measured = timeline.filter((row) => row.phase === 'measure');
  const peers = new Map<WatchedSummary['role'], number>();
  for (const w of watched) peers.set(w.role, (peers.get(w.role) ?? 0) + 1);
  return watched.map((w) => {
    const share = w.role === 'watched' ? 1 : 1 / peers.get(w.role)!;
    const b = baseline[w.pid];
    const r = ramped[w.pid];
    const ms = measureStart[w.pid];
    const me = measureEnd[w.pid];
    const cpuUs = ms && me ? (me.cpuMs - ms.cpuMs) * 1000 : null;
    const per = (ops: number): number | null => (cpuUs === null || ops <= 0 ? null : round(cpuUs / (ops * share)));
    const slope = settledSlope(w.pid, measured);
    const cost: Cost = {
      // Unknown rather than negative when the RSS fell over the ramp (the process returned memory): no figure beats
      // a wrong one.
      rssPerSessionBytes:
        longLived && b && r && totals.established > 0 && r.rssBytes >= b.rssBytes
          ? Math.round((r.rssBytes - b.rssBytes) / (totals.established * share))
          : null,
      cpuUsPerRoundTrip: per(measuredRoundTrips),
      cpuUsPerConnection: longLived ? null : per(totals.measuredCycles),
      cpuUsPerHandshake: per(totals.measuredTlsHandshakes),
      rssSlopeMiBPerHour: slope.settled ? round((slope.settled.bytesPerS * 3600) / MIB) : null,
      rssSlopeR2: slope.settled ? round(slope.settled.r2) : null,
      rssSlopeNote: slope.note,
      leakSuspected: slope.settled !== null && leakSuspected(slope.settled, slope.settling),
    };
    return { ...w, cost };
  });
}

interface Slope {
  bytesPerS: number;
  r2: number;
  seconds: number;
  meanBytes: number;
}

export interface SettledSlope {
  /** The fit over the measured phase's second half; null under LEAK_MIN_WINDOW_S (then `note` says why). */
  settled: Slope | null;
  /** The fit over its first half (the settling the verdict sets aside, kept to compare the pace). */
  settling: Slope | null;
  note: string | null;
}

/** The RSS slope of `pid` over the settled (second) half of the measured rows, or why there is none. */
export function settledSlope(pid: number, rows: TimelineRow[]): SettledSlope {
  const points = rows.flatMap((row) => {
    const s = row.watched.find((x) => x.pid === pid);
    return s ? [[row.t, s.rssBytes] as const] : [];
  });
  // Samples are a second apart, each standing for its second: 30 of them are a 30 s window.
  const window = points.length > 0 ? points[points.length - 1][0] - points[0][0] + 1 : 0;
  if (window < LEAK_MIN_WINDOW_S)
    return {
      settled: null,
      settling: null,
      note:
        `measured ${Math.round(window)} s of RSS, under the ${LEAK_MIN_WINDOW_S} s a slope needs (its first half ` +
        'is set aside as settling after the ramp): run a longer --duration',
    };
  const mid = (points[0][0] + points[points.length - 1][0]) / 2;
  const settled = fitLine(points.filter(([t]) => t >= mid));
  const settling = fitLine(points.filter(([t]) => t < mid));
  return { settled, settling, note: settled ? null : 'the RSS samples do not fit a line (too few or all at once)' };
}

/** Least squares of RSS on time; null with fewer than 3 points. */
export function fitLine(points: (readonly [number, number])[]): Slope | null {
  if (points.length < 3) return null;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return null;
  const bytesPerS = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { bytesPerS, r2, seconds: points[n - 1][0] - points[0][0], meanBytes: my };
}

/** The settled half grew steadily and materially, and no slower than half the settling half's pace. */
export function leakSuspected(s: Slope, settling: Slope | null): boolean {
  const growth = s.bytesPerS * s.seconds;
  return (
    s.r2 >= LEAK_MIN_R2 &&
    growth >= LEAK_MIN_GROWTH_BYTES &&
    growth >= LEAK_MIN_GROWTH_SHARE * s.meanBytes &&
    (settling === null || s.bytesPerS >= LEAK_MIN_PACE * settling.bytesPerS)
  );
}

const round = (v: number): number => Math.round(v * 100) / 100;
