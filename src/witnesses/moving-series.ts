/**
 * Which of the ingress's scraped series moved with the load across a search's probes: the ones a tuner reads first
 * (HAProxy's `current_sessions` pinned at 320 names `maxconn 320` directly; an idle frontend's series never move).
 * A series counts when at least two probes have it and it moved by at least MIN_SPREAD of its largest value; it is
 * ranked by how closely it follows the load each probe achieved (what the ingress carried; the load asked where
 * nothing was measured), |Pearson r| over the probes that have it, then by how far it moved. Against the load asked
 * a flat plateau correlates weakly, and a near-constant figure (HAProxy's idle percent, 97 to 100 on a quiet
 * machine) once outranked the gauge that named the limit.
 */
import type { ProbeRecord } from '../documents/find.js';

export interface MovingSeries {
  key: string;
  /** |r| between the load achieved (else asked) and the series' value over the probes that have it. */
  withLoad: number;
  /** (max - min) / max(|max|, |min|): how far it moved, 0..1 (2 when it changed sign). */
  spread: number;
}

/** A series that moved less than this share of its largest value did not move with anything (idle %, 97 to 100). */
export const MIN_SPREAD = 0.05;

export function movingSeries(probes: ProbeRecord[], max = 3): MovingSeries[] {
  const keys = new Set(probes.flatMap((p) => Object.keys(p.scrape ?? {})));
  const out: MovingSeries[] = [];
  for (const key of keys) {
    const points = probes.flatMap((p) =>
      p.scrape?.[key] === undefined ? [] : [[p.achieved ?? p.load, p.scrape[key]]],
    );
    if (points.length < 2) continue;
    const values = points.map(([, v]) => v);
    const hi = Math.max(...values);
    const lo = Math.min(...values);
    if (hi === lo) continue;
    const spread = (hi - lo) / Math.max(Math.abs(hi), Math.abs(lo));
    if (spread < MIN_SPREAD) continue;
    out.push({ key, withLoad: Math.abs(pearson(points)), spread });
  }
  return out.sort((a, b) => b.withLoad - a.withLoad || b.spread - a.spread).slice(0, max);
}

function pearson(points: number[][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}
