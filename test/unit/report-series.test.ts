/** The numbers behind the report's charts and exports, checked against the histograms they come from. */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { createHistogram, decodeHistogram, encodeHistogram } from '../../src/instruments/histogram.js';
import { hgrmText } from '../../src/reporters/hdr-export.js';
import { latencyCurve, timelinePoints } from '../../src/reporters/html/series.js';

function skewed(count: number): string {
  const h = createHistogram();
  // A body around 100 µs and a tail to 50 ms, so the high percentiles differ from the median.
  for (let i = 0; i < count; i++) h.recordValue(i % 1000 === 999 ? 50_000 - i / 100 : 80 + (i % 97));
  return encodeHistogram(h);
}

describe('latency curve', () => {
  it('is the histogram read at 1/(1-p) steps, ending at its max, never past the samples', () => {
    const encoded = skewed(20_000);
    const h = decodeHistogram(encoded);
    const curve = latencyCurve('run', encoded);
    for (const p of curve) {
      if (p.x < 20_000) expect(p.us).toBe(h.getValueAtPercentile(p.percentile));
      expect(p.percentile).toBeCloseTo(100 * (1 - 1 / p.x), 9);
    }
    expect(curve.at(-1)!.us).toBe(h.getValueAtPercentile(100));
    // 20,000 samples reach 1/(1-p) = 20,000 (99.995%), not 100,000.
    expect(Math.max(...curve.map((p) => p.x))).toBe(20_000);
    expect(curve.map((p) => p.us)).toEqual([...curve.map((p) => p.us)].sort((a, b) => a - b));
  });

  it('has no points without samples', () => {
    expect(latencyCurve('none', encodeHistogram(createHistogram()))).toEqual([]);
    expect(latencyCurve('absent', undefined)).toEqual([]);
  });
});

describe('.hgrm export', () => {
  it('reads back to the same percentiles (values in ms)', () => {
    const encoded = skewed(5_000);
    const h = decodeHistogram(encoded);
    const lines = hgrmText(encoded)
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length === 4 && /^\d/.test(f[0]));
    expect(lines.length).toBeGreaterThan(20);
    for (const [value, percentile] of lines) {
      const p = Number(percentile) * 100;
      if (p === 100) continue;
      expect(Math.round(Number(value) * 1000)).toBe(h.getValueAtPercentile(p));
    }
    expect(hgrmText(encoded)).toMatch(/#\[Max\s+=\s+\d+\.\d+, Total count\s+=\s+5000\]/);
  });
});

describe('timeline points', () => {
  it('churn: new sessions per second are the rise of the cumulative established count over each interval', () => {
    const row = (t: number, established: number, intervalMs: number) => ({ t, established, intervalMs });
    const result = {
      config: { mode: 'connect' },
      timeline: [row(0.5, 100, 500), row(1.5, 1100, 1000), row(2.5, 1600, 1000)],
    } as unknown as RunResult;
    expect(timelinePoints({ label: 'c', result }, 'rate').map((p) => p.value)).toEqual([200, 1000, 500]);
  });
});
