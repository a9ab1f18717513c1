/**
 * The counters a worker bumps per message must be a fast-properties object: in V8's dictionary mode every bump
 * is a hash lookup (it was, at thirty keys added one by one, and showed in a closed-loop profile).
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { addCounters, cloneCounters, emptyCounters } from '../../src/instruments/counters.js';

v8.setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

describe('load counters', () => {
  it('start as a fast-properties object and stay one as the hot path bumps them', () => {
    const c = emptyCounters();
    expect(hasFastProperties(c)).toBe(true);
    for (let i = 0; i < 1000; i++) {
      c.messagesSent++;
      c.bytesSent += 64;
      c.verified++;
    }
    expect(hasFastProperties(c)).toBe(true);
    expect(hasFastProperties(cloneCounters(c))).toBe(true);
  });

  it('merge by their rule: sums add, peaks take the maximum, errors add by kind', () => {
    const a = emptyCounters();
    const b = emptyCounters();
    a.messagesSent = 3;
    b.messagesSent = 4;
    a.peakOpen = 10;
    b.peakOpen = 7;
    a.dropped = { EOF: 1 };
    b.dropped = { EOF: 2, ECONNRESET: 1 };
    addCounters(a, b);
    expect(a.messagesSent).toBe(7);
    expect(a.peakOpen).toBe(10);
    expect(a.dropped).toEqual({ EOF: 3, ECONNRESET: 1 });
  });
});
