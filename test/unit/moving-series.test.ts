/**
 * Which scraped series the find table, page and comparison show as the ingress's view: the figures of a real
 * search against HAProxy maxconn 320 on a quiet machine, where HAProxy's idle percent (97 to 100) once outranked
 * `current_sessions` (pinned at 320, the limit) because it correlated with the load asked.
 */
import { describe, expect, it } from 'vitest';
import type { ProbeRecord } from '../../src/documents/find.js';
import { movingSeries } from '../../src/witnesses/moving-series.js';

const SESSIONS = 'haproxy_frontend_current_sessions{proxy="fe"}';
const IDLE = 'haproxy_process_idle_time_percent';

function probe(load: number, achieved: number | null, scrape: Record<string, number>): ProbeRecord {
  return { load, achieved, scrape } as unknown as ProbeRecord;
}

describe('the scraped series that moved with the load', () => {
  it('HAProxy maxconn 320: current_sessions follows what was carried; idle percent hardly moved', () => {
    const probes = [
      probe(160, 160, { [SESSIONS]: 160, [IDLE]: 97, idle_fe: 0 }),
      probe(320, 320, { [SESSIONS]: 320, [IDLE]: 98, idle_fe: 0 }),
      probe(640, 320, { [SESSIONS]: 320, [IDLE]: 100, idle_fe: 0 }),
      probe(336, 320, { [SESSIONS]: 320, [IDLE]: 98, idle_fe: 0 }),
      probe(320, 320, { [SESSIONS]: 320, [IDLE]: 97, idle_fe: 0 }),
    ];
    const moved = movingSeries(probes);
    expect(moved.map((m) => m.key)).toEqual([SESSIONS]);
    expect(moved[0].withLoad).toBeCloseTo(1, 5);
  });

  it('without an achieved figure, the load asked; a series in one probe only does not count', () => {
    const probes = [probe(100, null, { a: 10, b: 1 }), probe(200, null, { a: 20 }), probe(400, null, { a: 35 })];
    expect(movingSeries(probes).map((m) => m.key)).toEqual(['a']);
  });
});
