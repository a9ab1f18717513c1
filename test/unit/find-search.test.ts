/**
 * The capacity search against scripted targets: a sharp knee, noise near the boundary, bounds, the generator giving
 * out. The search is pure, so each path is driven probe by probe and its answer checked exactly.
 */
import { describe, expect, it } from 'vitest';
import {
  CapacitySearch,
  INCONCLUSIVE_RETRIES,
  type NextProbe,
  type ProbeBound,
  type SearchSettings,
} from '../../src/find/search.js';

type Outcome = boolean | { pass: boolean; bound: ProbeBound };

/** Runs the search to its end; `probe` answers each proposal. Returns the answer and every probe made. */
function drive(settings: Partial<SearchSettings>, probe: (p: NextProbe, i: number) => Outcome) {
  const search = new CapacitySearch({ from: 100, to: Infinity, precision: 0.05, confirm: 2, ...settings });
  const made: NextProbe[] = [];
  for (let p = search.proposal(); p !== null; p = search.proposal()) {
    if (made.length > 200) throw new Error('the search did not end');
    const out = probe(p, made.length);
    made.push(p);
    if (typeof out === 'boolean') search.record({ passed: out });
    else search.record({ passed: out.pass, bound: out.bound });
  }
  return { answer: search.answer(), made };
}

const knee =
  (capacity: number) =>
  (p: NextProbe): boolean =>
    p.load <= capacity;

describe('capacity search', () => {
  it.each([137, 1000, 4321, 98_765])('finds a sharp knee at %i within the precision, confirmed', (capacity) => {
    const { answer, made } = drive({}, knee(capacity));
    expect(answer.end).toBe('found');
    expect(answer.atLeast).toBe(false);
    expect(answer.capacity).toBeLessThanOrEqual(capacity);
    expect(answer.capacity!).toBeGreaterThanOrEqual(capacity / 1.05);
    // Confirmed: the capacity passed twice, and a probe within one precision step above it failed (the last
    // probe, or the bisection's own when it was that close already).
    expect(made.filter((p) => p.load === answer.capacity).length).toBeGreaterThanOrEqual(2);
    const step = Math.ceil(answer.capacity! * 1.05);
    expect(made.some((p) => p.load > answer.capacity! && p.load <= step)).toBe(true);
    expect(answer.bracket.fail).toBeLessThanOrEqual(step);
    expect(made.length).toBeLessThan(30);
  });

  it("tries a saturated probe's achieved load next, and still confirms within the precision", () => {
    const search = new CapacitySearch({ from: 200, to: Infinity, precision: 0.05, confirm: 2 });
    const made: number[] = [];
    for (let p = search.proposal(); p !== null; p = search.proposal()) {
      made.push(p.load);
      // A target that carries 1,000/s at most and meets the SLO up to 970.
      search.record({ passed: p.load <= 970, carried: p.load > 1000 ? 1000 : null });
    }
    expect(made.slice(0, 5)).toEqual([200, 400, 800, 1600, 1000]);
    expect(search.answer().end).toBe('found');
    expect(search.answer().capacity!).toBeGreaterThanOrEqual(970 / 1.05);
    expect(made.length).toBeLessThanOrEqual(11);
  });

  it('reads a plateau (achieved flat while the asked load grows) and confirms it in a few probes', () => {
    // HAProxy maxconn 9,000 behind a conns search: every probe past it opens exactly 9,000 sessions. Before the
    // plateau rule, 12,800 -> 9,000 was followed by 10,900, 9,950, 9,475, 9,238, ... each one achieving 9,000; then
    // by 10,900 (the plateau), a confirmation and the step above. Saturated at the pass, the step above goes first,
    // and its failure is the confirmation's.
    const search = new CapacitySearch({ from: 100, to: Infinity, precision: 0.05, confirm: 2 });
    const made: string[] = [];
    for (let p = search.proposal(); p !== null; p = search.proposal()) {
      made.push(`${p.purpose} ${p.load}`);
      search.record({ passed: p.load <= 9000, carried: p.load > 9000 ? 9000 : null });
    }
    expect(search.answer()).toMatchObject({ end: 'found', capacity: 9000 });
    const afterGrowth = made.slice(made.indexOf('grow 12800') + 1);
    expect(afterGrowth).toEqual(['bisect 9000', 'above 9450', 'confirm 9000']);
  });

  it('a plateau met stepping down from a --from above the limit is probed as such', () => {
    // --from 20,000 against a 9,000-session cap: 20,000 and 10,000 both open 9,000, 5,000 passes.
    const search = new CapacitySearch({ from: 20_000, to: Infinity, precision: 0.05, confirm: 2 });
    const made: string[] = [];
    for (let p = search.proposal(); p !== null; p = search.proposal()) {
      made.push(`${p.purpose} ${p.load}`);
      search.record({ passed: p.load <= 9000, carried: p.load > 9000 ? 9000 : null });
    }
    expect(made.slice(0, 4)).toEqual(['grow 20000', 'step-down 10000', 'step-down 5000', 'plateau 9000']);
    expect(search.answer()).toMatchObject({ end: 'found', capacity: 9000 });
    expect(made.length).toBeLessThanOrEqual(7);
  });

  it('a plateau that fails its SLO does not close the bracket: the bisection goes on below it', () => {
    // A backend that serves 1,000/s at most, within the SLO only up to 975/s: probes past 1,000 achieve 1,000.
    const search = new CapacitySearch({ from: 200, to: Infinity, precision: 0.05, confirm: 2 });
    const made: string[] = [];
    for (let p = search.proposal(); p !== null; p = search.proposal()) {
      made.push(`${p.purpose} ${p.load}`);
      search.record({ passed: p.load <= 975, carried: p.load > 1000 ? 1000 : null });
    }
    expect(search.answer().end).toBe('found');
    expect(search.answer().capacity!).toBeLessThanOrEqual(975);
    expect(search.answer().capacity!).toBeGreaterThanOrEqual(975 / 1.05);
    expect(made.length).toBeLessThanOrEqual(12);
  });

  it('steps down when --from already fails', () => {
    const { answer, made } = drive({ from: 1000 }, knee(180));
    expect(made[1]).toEqual({ load: 500, purpose: 'step-down' });
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeGreaterThanOrEqual(180 / 1.05);
    expect(answer.capacity!).toBeLessThanOrEqual(180);
  });

  it('retries a lone failure of the candidate and keeps it when the retry passes', () => {
    let confirmFailed = false;
    const { answer, made } = drive({}, (p) => {
      if (p.purpose === 'confirm' && !confirmFailed) {
        confirmFailed = true;
        return false;
      }
      return p.load <= 1000;
    });
    expect(made.some((p) => p.purpose === 'retry')).toBe(true);
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeGreaterThanOrEqual(1000 / 1.05);
  });

  it('drops a candidate that fails twice in a row and bisects below it', () => {
    // 975 passed once by luck; the real knee is 900.
    let lucky = true;
    const { answer, made } = drive({ from: 100 }, (p) => {
      if (p.load > 900 && p.load <= 1000 && p.purpose === 'bisect' && lucky) {
        lucky = false;
        return true;
      }
      return p.load <= 900;
    });
    expect(made.some((p) => p.purpose === 'retry')).toBe(true);
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeLessThanOrEqual(900);
    expect(answer.capacity!).toBeGreaterThanOrEqual(900 / 1.05);
  });

  it('moves up when the load one step above passes after all', () => {
    let first = true;
    const { answer } = drive({}, (p) => {
      if (p.purpose === 'bisect' && p.load > 1000 && p.load < 1100 && first) {
        first = false;
        return false;
      }
      return p.load <= 1100;
    });
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeGreaterThanOrEqual(1100 / 1.05);
  });

  it('says "at least --to" when every probe up to it passes', () => {
    const { answer, made } = drive({ to: 700 }, () => true);
    expect(answer).toMatchObject({ end: 'to-reached', capacity: 700, atLeast: true });
    expect(made.map((p) => p.load)).toEqual([100, 200, 400, 700]);
  });

  it.each([
    ['generator', 'generator-limit'],
    ['machine', 'machine-limit'],
  ] as const)(
    'ends as the %s limit when it gives out twice at a load: at least the last pass, never a capacity',
    (bound, end) => {
      const { answer, made } = drive({}, (p) => (p.load >= 800 ? { pass: false, bound } : true));
      expect(answer).toMatchObject({ end, capacity: 400, atLeast: true });
      expect(made.map((p) => `${p.purpose} ${p.load}`)).toEqual([
        'grow 100',
        'grow 200',
        'grow 400',
        'grow 800',
        'retry 800',
      ]);
    },
  );

  it('retries an inconclusive probe INCONCLUSIVE_RETRIES times, then ends inconclusive', () => {
    const { answer, made } = drive({}, (p) => (p.load >= 800 ? { pass: false, bound: 'inconclusive' } : true));
    expect(answer).toMatchObject({ end: 'inconclusive', capacity: 400, atLeast: true });
    expect(made.filter((p) => p.purpose === 'retry')).toHaveLength(INCONCLUSIVE_RETRIES);
  });

  it('a bound that flips between machine and inconclusive at one load still ends, as the more severe', () => {
    let flip = false;
    const { answer, made } = drive({}, (p) => {
      if (p.load < 800) return true;
      flip = !flip;
      return { pass: false, bound: flip ? 'machine' : 'inconclusive' };
    });
    expect(answer).toMatchObject({ end: 'inconclusive', capacity: 400, atLeast: true });
    expect(made.filter((p) => p.purpose === 'retry')).toHaveLength(INCONCLUSIVE_RETRIES);
  });

  it('an inconclusive probe that clears on retry lets the search go on to the target', () => {
    let busy = 2;
    const { answer } = drive({}, (p) => {
      if (p.load === 800 && busy-- > 0) return { pass: false, bound: 'inconclusive' };
      return p.load <= 1000;
    });
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeGreaterThanOrEqual(1000 / 1.05);
  });

  it('a generator that gave out once (a busy moment) is retried, and the search goes on', () => {
    let busy = true;
    const { answer } = drive({}, (p) => {
      if (p.load === 800 && busy) {
        busy = false;
        return { pass: false, bound: 'generator' };
      }
      return p.load <= 1000;
    });
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeGreaterThanOrEqual(1000 / 1.05);
  });

  it('keeps every failure: a pass above a dropped candidate bisects to the next failure, never grows past it', () => {
    // A run on a busy machine: 950 failed, the candidate 925 failed twice, then 945 (one step above 900) passed.
    const script: Record<string, boolean[]> = { '950': [false], '925': [true, false, false], '945': [true] };
    const { answer, made } = drive({ from: 200 }, (p) => {
      const queued = script[String(p.load)];
      if (queued?.length) return queued.shift()!;
      return p.load <= 960;
    });
    expect(made.some((p) => p.load > 1600 && made.indexOf(p) > 4)).toBe(false);
    expect(answer.end).toBe('found');
    expect(answer.capacity!).toBeGreaterThanOrEqual(900);
    expect(answer.capacity!).toBeLessThan(950);
    expect(answer.bracket.fail).toBeLessThanOrEqual(Math.ceil(answer.capacity! * 1.05));
  });

  it('says nothing passed when even the floor fails', () => {
    const { answer } = drive({ from: 8 }, () => false);
    expect(answer).toMatchObject({ end: 'nothing-passed', capacity: null, atLeast: false });
  });

  it('stops with what is known: at least the highest pass', () => {
    const search = new CapacitySearch({ from: 100, to: Infinity, precision: 0.05, confirm: 2 });
    search.record({ passed: true });
    search.record({ passed: true });
    search.stop();
    expect(search.proposal()).toBeNull();
    expect(search.answer()).toMatchObject({ end: 'stopped', capacity: 200, atLeast: true });
  });

  it('--confirm 1 needs no repeat, only the failure one step above', () => {
    const { made, answer } = drive({ confirm: 1 }, knee(1000));
    expect(made.some((p) => p.purpose === 'confirm')).toBe(false);
    expect(answer.end).toBe('found');
  });
});
