/**
 * What the run's work cost each watched process (the embedded target, --watch-pid: typically the ingress): RSS per
 * held session (after the ramp minus before, over the sessions: how many fit in its RAM), CPU µs per round trip,
 * per connection and per TLS handshake in the measured phase, and the RSS slope over the measured phase, least
 * squares over its per-second samples. Each embedded target or generator process carries an equal share of the work
 * (connections are spread evenly over them), so its cost is over its share; a --watch-pid process (an ingress)
 * carries all of it. A leak is suspected when the RSS grew steadily (R² >= 0.8) by more than 1 MiB
 * and 2% of its size over at least 10 s: noise and a one-off allocation do not fit a line that well.
 */
import type { RunResult, TimelineRow, WatchedSummary } from '../documents/result.js';
import type { LoadCounters } from '../metrics/counters.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';

const MIB = 1024 * 1024;
const LEAK_MIN_R2 = 0.8;
const LEAK_MIN_GROWTH_BYTES = MIB;
const LEAK_MIN_GROWTH_SHARE = 0.02;
const LEAK_MIN_SECONDS = 10;

type Cost = NonNullable<WatchedSummary['cost']>;

export function withCosts(
  outcome: LoadOutcome,
  totals: LoadCounters,
  longLived: boolean,
  measuredRoundTrips: number,
): RunResult['resources']['watched'] {
  const { baseline, ramped, measureStart, measureEnd } = outcome.watchMarks;
  const measured = outcome.timeline.filter((row) => row.phase === 'measure');
  const peers = new Map<WatchedSummary['role'], number>();
  for (const w of outcome.watched) peers.set(w.role, (peers.get(w.role) ?? 0) + 1);
  return outcome.watched.map((w) => {
    const share = w.role === 'watched' ? 1 : 1 / peers.get(w.role)!;
    const b = baseline[w.pid];
    const r = ramped[w.pid];
    const ms = measureStart[w.pid];
    const me = measureEnd[w.pid];
    const cpuUs = ms && me ? (me.cpuMs - ms.cpuMs) * 1000 : null;
    const per = (ops: number): number | null => (cpuUs === null || ops <= 0 ? null : round(cpuUs / (ops * share)));
    const slope = rssSlope(w.pid, measured);
    const cost: Cost = {
      rssPerSessionBytes:
        longLived && b && r && totals.established > 0
          ? Math.round((r.rssBytes - b.rssBytes) / (totals.established * share))
          : null,
      cpuUsPerRoundTrip: per(measuredRoundTrips),
      cpuUsPerConnection: longLived ? null : per(totals.measuredCycles),
      cpuUsPerHandshake: per(totals.measuredTlsHandshakes),
      rssSlopeMiBPerHour: slope ? round((slope.bytesPerS * 3600) / MIB) : null,
      rssSlopeR2: slope ? round(slope.r2) : null,
      leakSuspected: slope !== null && leakSuspected(slope),
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

/** Least squares of RSS on time over the rows that sampled `pid`; null with fewer than 3 samples. */
export function rssSlope(pid: number, rows: TimelineRow[]): Slope | null {
  const points = rows.flatMap((row) => {
    const s = row.watched.find((x) => x.pid === pid);
    return s ? [[row.t, s.rssBytes] as const] : [];
  });
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

export function leakSuspected(s: Slope): boolean {
  const growth = s.bytesPerS * s.seconds;
  return (
    s.seconds >= LEAK_MIN_SECONDS &&
    s.r2 >= LEAK_MIN_R2 &&
    growth >= LEAK_MIN_GROWTH_BYTES &&
    growth >= LEAK_MIN_GROWTH_SHARE * s.meanBytes
  );
}

const round = (v: number): number => Math.round(v * 100) / 100;
