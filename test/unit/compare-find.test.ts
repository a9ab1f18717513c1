/**
 * The before/after rule of two capacity searches (gates/compare-find.ts) on every kind of answer: brackets that
 * overlap, clear each other either way, an "at least", nothing passed, and answers that are not the target's.
 * The documents are the answer and search sections a real search writes; the probes are left out where the rule
 * does not read them. The integration test (find-compare) runs the same rule on real searches.
 */
import { describe, expect, it } from 'vitest';
import type { FindDocument } from '../../src/documents/find.js';
import { compareFinds } from '../../src/gates/compare-find.js';

type Answer = FindDocument['answer'];

function doc(answer: Partial<Answer>, dimension: FindDocument['dimension'] = 'conns'): FindDocument {
  return {
    dimension,
    unit: dimension === 'conns' ? 'sessions' : 'messages/s',
    slo: ['opened==target'],
    search: { precision: 0.05, windowMs: 1000, warmupMs: 1000 },
    config: { conns: 100 },
    probes: [],
    answer: {
      end: 'found',
      capacity: null,
      atLeast: false,
      bracket: { pass: null, fail: null },
      limitOf: 'target',
      firstFailure: null,
      text: '',
      ...answer,
    },
  } as unknown as FindDocument;
}

const found = (pass: number, fail: number): FindDocument =>
  doc({ end: 'found', capacity: pass, bracket: { pass, fail } });
const verdict = (a: FindDocument, b: FindDocument) => compareFinds({ label: 'a', doc: a }, { label: 'b', doc: b });

describe('compare of two capacity searches', () => {
  it('brackets that clear each other: improved one way, regressed (the gate fails) the other', () => {
    expect(verdict(found(100, 104), found(200, 207))).toMatchObject({ verdict: 'improved', failed: false });
    expect(verdict(found(200, 207), found(100, 104))).toMatchObject({ verdict: 'regressed', failed: true });
  });

  it('overlapping brackets are the same answer, however the capacities differ inside them', () => {
    expect(verdict(found(100, 105), found(103, 108))).toMatchObject({ verdict: 'same', failed: false });
    // Touching: the baseline failed at 105, the candidate passed at 105: not beyond both brackets.
    expect(verdict(found(100, 105), found(105, 110)).verdict).toBe('same');
    expect(verdict(found(100, 105), found(106, 111)).verdict).toBe('improved');
  });

  it('an "at least" clears a bracket below it, and is not comparable where it does not', () => {
    const atLeast = (c: number) => doc({ end: 'to-reached', capacity: c, atLeast: true, limitOf: null });
    expect(verdict(found(100, 105), atLeast(400)).verdict).toBe('improved');
    expect(verdict(atLeast(400), found(100, 105)).verdict).toBe('regressed');
    const open = verdict(found(100, 105), atLeast(100));
    expect(open).toMatchObject({ verdict: 'not-comparable', failed: true });
    expect(open.reason).toMatch(/b is a lower bound \(at least 100 sessions: to-reached\)/);
  });

  it('nothing passed is below the lowest failure: a regression from a found capacity', () => {
    const none = doc({ end: 'nothing-passed', capacity: null, bracket: { pass: null, fail: 12 } });
    expect(verdict(found(100, 105), none).verdict).toBe('regressed');
  });

  it("an answer that is not the target's is no capacity to compare, and says whose it was", () => {
    for (const limitOf of ['generator', 'machine', 'inconclusive'] as const) {
      const other = doc({ end: 'generator-limit', capacity: 800, atLeast: true, limitOf });
      const c = verdict(found(100, 105), other);
      expect(c).toMatchObject({ verdict: 'not-comparable', failed: true });
      expect(c.reason).toMatch(limitOf === 'inconclusive' ? /inconclusive/ : new RegExp(`the ${limitOf}'s limit`));
    }
  });

  it('searches of different dimensions are refused', () => {
    expect(() => verdict(found(100, 105), doc({ capacity: 1000 }, 'rate'))).toThrow(/different units/);
  });

  it("the ingress's own view at the common loads: the series that moved most with the load, its median there", () => {
    const KEY = 'haproxy_frontend_current_sessions{proxy="fe"}';
    const probe = (load: number, sessions: number, pass: boolean) =>
      ({ load, pass, achieved: sessions, carried: pass, slo: [], scrape: { [KEY]: sessions, idle: 0 } }) as never;
    const before = {
      ...found(320, 336),
      probes: [probe(100, 100, true), probe(400, 320, false), probe(320, 320, true)],
    };
    const after = {
      ...found(640, 672),
      probes: [probe(100, 100, true), probe(400, 400, true), probe(800, 640, false)],
    };
    const rows = verdict(before, after).slo.filter((r) => r.slo === `ingress ${KEY}`);
    expect(rows.map((r) => [r.load, r.baseline?.value, r.candidate?.value])).toEqual([
      [100, 100, 100],
      [400, 320, 400],
    ]);
    // A series that never moved (an idle frontend) is not drawn in.
    expect(verdict(before, after).slo.some((r) => r.slo === 'ingress idle')).toBe(false);
  });
});
