/** Claimed sources in bounded memory: exact while small, compared by digest past the bound, never fooled. */
import { describe, expect, it } from 'vitest';
import { SourceTally } from '../../src/proxy/source-tally.js';
import { compareSources } from '../../src/proxy/verify.js';

const keys = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `10.0.${(from + i) >> 8}.${i & 255}:${1000 + i}`);

function tally(list: string[], max?: number): SourceTally {
  const t = new SourceTally(max);
  for (const k of list) t.add(k);
  return t;
}

describe('SourceTally', () => {
  it('keeps at most its bound of distinct keys; the rest is overflow, the digest counts all', () => {
    const t = tally(keys(10), 3);
    expect(t.counts.size).toBe(3);
    expect(t.overflow).toBe(7);
    expect(t.digest.count).toBe(10);
  });

  it('the digest does not depend on order, on the bound, or on how tallies were split and merged', () => {
    const all = keys(1000);
    const whole = tally(all, 50);
    const reversed = tally([...all].reverse(), 1_000_000);
    const halves = new SourceTally(10);
    halves.merge(tally(all.slice(0, 400), 7).toDoc());
    halves.merge(tally(all.slice(400), 900).toDoc());
    expect(reversed.digest).toEqual(whole.digest);
    expect(halves.digest).toEqual(whole.digest);
  });
});

describe('compareSources', () => {
  const sent = keys(1000);

  it('exact while both sides kept every key: a stranger and a missing key are named', () => {
    const seen = [...sent.slice(1), '192.0.2.9:1'];
    const v = compareSources(tally(sent).toDoc(), tally(seen).toDoc(), 'embedded');
    expect(v).toMatchObject({ ok: false, method: 'exact', missing: 1, unexpected: 1, matched: 999 });
    expect(v.examplesMissing).toEqual([sent[0]]);
    expect(v.examplesUnexpected).toEqual(['192.0.2.9:1']);
  });

  it('past the bound, equal multisets pass by digest', () => {
    const v = compareSources(tally(sent, 100).toDoc(), tally([...sent].reverse(), 100).toDoc(), 'embedded');
    expect(v).toMatchObject({ ok: true, method: 'digest', sent: 1000, seen: 1000, matched: 1000, missing: 0 });
  });

  it('past the bound, one key swapped for another (same size) still fails', () => {
    const seen = [...sent.slice(0, 999), '192.0.2.9:1'];
    const v = compareSources(tally(sent, 100).toDoc(), tally(seen, 100).toDoc(), 'embedded');
    expect(v).toMatchObject({ ok: false, method: 'digest', missing: 1, unexpected: 1 });
  });

  it('past the bound, a duplicate instead of a distinct key fails, and a missing one is counted', () => {
    const dup = compareSources(tally(sent, 100).toDoc(), tally([...sent.slice(0, 999), sent[0]], 100).toDoc(), 'x');
    expect(dup.ok).toBe(false);
    const short = compareSources(tally(sent, 100).toDoc(), tally(sent.slice(0, 990), 100).toDoc(), 'x');
    expect(short).toMatchObject({ ok: false, missing: 10, unexpected: 0 });
  });
});
