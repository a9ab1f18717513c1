/**
 * RFC 3550 interarrival jitter per flow: against the section 6.4.1 recurrence computed by hand, a sender clock offset
 * that must cancel, a steady path (zero), and flows kept apart.
 */
import { describe, expect, it } from 'vitest';
import { JitterTracker } from '../../src/udp/jitter.js';

describe('RFC 3550 jitter', () => {
  it('follows J += (|D| - J) / 16 over transit differences', () => {
    const t = new JitterTracker(1);
    // Transits 10, 12, 11, 15 ms: D = 2, 1, 4.
    const sends = [0, 20, 40, 60];
    const transits = [10, 12, 11, 15];
    for (let i = 0; i < sends.length; i++) t.arrive(0, sends[i], sends[i] + transits[i]);
    let j = 0;
    for (const d of [2, 1, 4]) j += (d - j) / 16;
    expect(t.jitterMs[0]).toBeCloseTo(j, 12);
    // By hand: 2/16 = 0.125; + (1 - 0.125)/16 = 0.1796875; + (4 - 0.1796875)/16 = 0.41845703125.
    expect(t.jitterMs[0]).toBe(0.41845703125);
  });

  it('needs no shared clock: an offset between sender and receiver cancels', () => {
    const a = new JitterTracker(1);
    const b = new JitterTracker(1);
    for (let i = 0; i < 100; i++) {
      const transit = 5 + (i % 3);
      a.arrive(0, i * 10, i * 10 + transit);
      b.arrive(0, i * 10 + 123_456.789, i * 10 + transit);
    }
    expect(b.jitterMs[0]).toBeCloseTo(a.jitterMs[0], 6);
    expect(a.jitterMs[0]).toBeGreaterThan(0.5);
  });

  it('a steady path has no jitter; flows are kept apart; no flow with two datagrams has no mean', () => {
    const t = new JitterTracker(3);
    expect(t.meanMs()).toBeNull();
    for (let i = 0; i < 50; i++) t.arrive(0, i, i + 3);
    for (let i = 0; i < 50; i++) t.arrive(1, i, i + 3 + (i % 2) * 2);
    expect(t.jitterMs[0]).toBe(0);
    expect(t.jitterMs[1]).toBeGreaterThan(1.9);
    expect(t.meanMs()).toBeCloseTo(t.jitterMs[1] / 2, 12);
    expect(t.jitterMs[2]).toBe(0);
  });
});
