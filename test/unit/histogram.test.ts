import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
  recordMicros,
  summarize,
} from '../../src/instruments/histogram.js';

/** A deterministic spread of latencies from 1 µs to ~2 s, heavy-tailed like real ones. */
function values(seed: number, n: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return 1 + Math.floor((x / 2 ** 32) ** 4 * 2_000_000);
  });
}

describe('histograms', () => {
  it('recordMicros records exactly what recordValue records (edges, powers of two, past the 60 s range)', () => {
    const edges = [1, 2, 3, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 65_535, 65_536, 59_999_999, 60_000_000];
    const beyond = [61_000_000, 600_000_000, 2 ** 31 - 1, 2 ** 31, 2.5];
    const all = [...edges, ...beyond, ...values(4, 100_000)];
    for (let k = 0; k < 31; k++) all.push(2 ** k, 2 ** k + 1, Math.max(1, 2 ** k - 1));
    const byLibrary = createHistogram();
    const fast = createHistogram();
    for (const v of all) {
      byLibrary.recordValue(v);
      recordMicros(fast, v);
    }
    expect(fast.totalCount).toBe(all.length);
    expect(fast.minNonZeroValue).toBe(byLibrary.minNonZeroValue);
    expect(fast.maxValue).toBe(byLibrary.maxValue);
    expect(encodeHistogram(fast)).toBe(encodeHistogram(byLibrary));
  });

  it('merging encoded per-worker histograms equals recording everything in one', () => {
    const parts = [values(1, 20_000), values(2, 5_000), values(3, 50_000)];
    const whole = createHistogram();
    const encoded = parts.map((vs) => {
      const h = createHistogram();
      for (const v of vs) {
        h.recordValue(v);
        whole.recordValue(v);
      }
      return encodeHistogram(h);
    });
    const merged = mergeEncoded(encoded);
    expect(merged.totalCount).toBe(75_000);
    expect(summarize(merged)).toEqual(summarize(whole));
    for (const p of [0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100]) {
      expect(merged.getValueAtPercentile(p)).toBe(whole.getValueAtPercentile(p));
    }
  });

  it('keeps 3 significant digits at microsecond resolution', () => {
    const h = createHistogram();
    h.recordValue(49);
    h.recordValue(123_456);
    const s = summarize(decodeHistogram(encodeHistogram(h)));
    expect(s.min).toBe(49);
    expect(Math.abs((s.max! - 123_456) / 123_456)).toBeLessThan(0.001);
  });

  it('records stalls longer than the nominal 60 s range instead of dropping them', () => {
    const h = createHistogram();
    h.recordValue(90_000_000);
    expect(summarize(h).count).toBe(1);
    expect(summarize(h).max!).toBeGreaterThanOrEqual(89_900_000);
  });

  it('reports an empty histogram as nulls, not zeros', () => {
    expect(summarize(createHistogram())).toEqual({
      count: 0,
      min: null,
      mean: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      p999: null,
      max: null,
    });
  });
});
