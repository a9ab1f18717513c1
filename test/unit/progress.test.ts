/** The live line shows what matters in each mode, and the plain (non-TTY) output paces itself for CI logs. */
import { describe, expect, it } from 'vitest';
import type { TimelineRow } from '../../src/instruments/timeline.js';
import { createProgressReporter, modeFigures } from '../../src/reporters/progress.js';

const row = (over: Partial<TimelineRow>): TimelineRow => ({
  t: 3,
  phase: 'measure',
  intervalMs: 1000,
  open: 100,
  established: 1000,
  connectFailed: 0,
  dropped: 0,
  roundTrips: 5000,
  roundTripsPerSecond: 5000,
  bytesSentPerSecond: 125_000_000,
  bytesReceivedPerSecond: 250_000_000,
  p50Us: 90,
  p99Us: 2500,
  maxUs: 9000,
  cpuPercent: 50,
  rssBytes: 1,
  watched: [],
  ...over,
});

describe('progress', () => {
  it('fits the figures to the mode', () => {
    expect(modeFigures('echo', row({}), null, 100)).toBe('conns 100/100  5,000 rt/s  p50 90µs  p99 2.50ms');
    expect(modeFigures('stream', row({}), null, 100)).toBe('conns 100/100  up 1.00 Gbit/s  down 2.00 Gbit/s');
    expect(modeFigures('connect', row({ p99Us: null }), row({ established: 400 }), 100)).toBe(
      '600 conn/s  in flight 100',
    );
    expect(modeFigures('hold', row({ open: 98 }), null, 100)).toBe('held 98/100  5,000 pings/s  ping p99 2.50ms');
    // Held means served: 400 open behind HAProxy maxconn 320, 80 of them never answered.
    expect(modeFigures('hold', row({ open: 400, opened: 320 }), null, 400)).toBe(
      'held 320/400  unanswered 80  5,000 pings/s  ping p99 2.50ms',
    );
  });

  it('writes a plain line every second in a short run, every 10 s in a long one', () => {
    const lines = (plannedS: number): number => {
      let n = 0;
      const stream = { isTTY: false, write: () => n++ } as unknown as NodeJS.WriteStream;
      const p = createProgressReporter(stream, false, { mode: 'echo', plannedS });
      for (let t = 1; t <= 60; t++) p.update(row({ t }), 100);
      return n;
    };
    expect(lines(30)).toBe(60);
    expect(lines(600)).toBe(6);
  });
});
