/**
 * The capacity search with scouts: growth and step-down probes shorter than the full probe (find/probe.ts SCOUT).
 * They steer the search; the answer's evidence (its confirmations and the failure one step above) are full probes,
 * so a scout's lucky pass or unlucky failure moves the search but never the answer.
 */
import { describe, expect, it } from 'vitest';
import { CapacitySearch, type NextProbe } from '../../src/find/search.js';

describe('scouts (growth and step-down probes shorter than the full probe)', () => {
  /** Every probe as `purpose load` with `*` on a scout; `target(p)` answers [passed, achieved when short]. */
  function scouted(from: number, target: (p: NextProbe) => [boolean, number | null]) {
    const search = new CapacitySearch({ from, to: Infinity, precision: 0.05, confirm: 2, scouts: true });
    const made: string[] = [];
    for (let p = search.proposal(); p !== null && made.length < 50; p = search.proposal()) {
      made.push(`${p.purpose} ${p.load}${p.scout ? '*' : ''}`);
      const [pass, achieved] = target(p);
      search.record({ passed: pass, carried: achieved });
    }
    return { answer: search.answer(), made };
  }

  it('HAProxy maxconn 9,000: growth scouts, then the answer on full probes only', () => {
    const { answer, made } = scouted(100, (p) => [p.load <= 9000, p.load > 9000 ? 9000 : null]);
    expect(answer).toMatchObject({ end: 'found', capacity: 9000, bracket: { pass: 9000, fail: 9450 } });
    expect(made).toEqual([
      ...[100, 200, 400, 800, 1600, 3200, 6400, 12800].map((l) => `grow ${l}*`),
      'bisect 9000',
      'above 9450',
      'confirm 9000',
    ]);
  });

  it("a rate limit met by a scout's pass: that pass confirms nothing, two full passes do", () => {
    // HAProxy rate-limit sessions 500: 500/s passes, 1,000/s asked achieves 470 in a scout's 2 s (measured).
    const { answer, made } = scouted(500, (p) => [p.load <= 500, p.load > 500 ? (p.scout ? 470 : 499) : null]);
    expect(answer).toMatchObject({ end: 'found', capacity: 500, bracket: { pass: 500, fail: 525 } });
    expect(made).toEqual(['grow 500*', 'grow 1000*', 'above 525', 'confirm 500', 'confirm 500']);
  });

  it("a scout's lucky pass is overruled by full failures there: the answer is below it", () => {
    // Short probes pass up to 1,600; full probes only up to 1,000 (a leak that shows after two seconds).
    const { answer, made } = scouted(100, (p) => [p.load <= (p.scout ? 1600 : 1000), null]);
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeLessThanOrEqual(1000);
    expect(answer.capacity!).toBeGreaterThanOrEqual(1000 / 1.05);
    expect(made.filter((m) => m === `confirm ${answer.capacity}`).length).toBeGreaterThanOrEqual(1);
  });

  it("a scout's unlucky failure does not hold the answer down: the full step above it passes and moves up", () => {
    // The scout at 1,600 fails (a busy second); full probes pass up to 2,000.
    const { answer } = scouted(100, (p) => [p.scout && p.load === 1600 ? false : p.load <= 2000, null]);
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeGreaterThanOrEqual(2000 / 1.05);
    expect(answer.capacity!).toBeLessThanOrEqual(2000);
  });

  it('"at least --to" rests on a full probe: a scout passing at --to is probed again in full', () => {
    const search = new CapacitySearch({ from: 100, to: 400, precision: 0.05, confirm: 2, scouts: true });
    const made: string[] = [];
    for (let p = search.proposal(); p !== null; p = search.proposal()) {
      made.push(`${p.purpose} ${p.load}${p.scout ? '*' : ''}`);
      search.record({ passed: true });
    }
    expect(made).toEqual(['grow 100*', 'grow 200*', 'grow 400*', 'confirm 400']);
    expect(search.answer()).toMatchObject({ end: 'to-reached', capacity: 400, atLeast: true });
    // The full probe at --to fails: the scout's pass there is overruled and the search bisects below it.
    const strict = new CapacitySearch({ from: 100, to: 400, precision: 0.05, confirm: 2, scouts: true });
    for (let p = strict.proposal(); p !== null; p = strict.proposal())
      strict.record({ passed: p.scout ? true : p.load <= 300 });
    expect(strict.answer().end).toBe('found');
    expect(strict.answer().capacity!).toBeLessThanOrEqual(300);
    expect(strict.answer().capacity!).toBeGreaterThanOrEqual(300 / 1.05);
  });
});
