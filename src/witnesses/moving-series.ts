/**
 * Which of the ingress's scraped series moved with the load across a search's probes: the ones a tuner reads first
 * (HAProxy's `current_sessions` pinned at 320 names `maxconn 320` directly; an idle frontend's series never move).
 * A series counts when at least two probes have it and its values differ; it is ranked by how closely it follows
 * the load (|Pearson r| over the probes that have it), then by how far it moved.
 */
import type { ProbeRecord } from '../documents/find.js';

export interface MovingSeries {
  key: string;
  /** |r| between the load asked and the series' value over the probes that have it. */
  withLoad: number;
  /** (max - min) / max(|max|, |min|): how far it moved, 0..1 (2 when it changed sign). */
  spread: number;
}

export function movingSeries(probes: ProbeRecord[], max = 3): MovingSeries[] {
  const keys = new Set(probes.flatMap((p) => Object.keys(p.scrape ?? {})));
  const out: MovingSeries[] = [];
  for (const key of keys) {
    const points = probes.flatMap((p) => (p.scrape?.[key] === undefined ? [] : [[p.load, p.scrape[key]]]));
    if (points.length < 2) continue;
    const values = points.map(([, v]) => v);
    const hi = Math.max(...values);
    const lo = Math.min(...values);
    if (hi === lo) continue;
    const spread = (hi - lo) / Math.max(Math.abs(hi), Math.abs(lo));
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
