/**
 * Latency histograms: HDR, microseconds, 3 significant digits, from 1 µs up (auto-resizing past 60 s so a
 * pathological stall is recorded, not dropped). They cross threads and processes only in encoded form
 * (compressed base64, HdrHistogram's standard), and merge exactly.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../documents/common.js';

export type Histogram = hdr.Histogram;

/** A fresh histogram for values in whole microseconds. */
export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });
}

/** What recordMicros reads of hdr-histogram-js's JsHistogram (the fields and methods its recordValue uses). */
interface HistogramInternals {
  unitMagnitude: number;
  subBucketHalfCountMagnitude: number;
  subBucketHalfCount: number;
  countsArrayLength: number;
  incrementCountAtIndex(index: number): void;
  updateMinAndMax(value: number): void;
  incrementTotalCount(): void;
}

/**
 * recordValue for whole microseconds, on the hot path. The library finds a value's bucket with Math.log2 and
 * Math.pow (the top user-space cost of a closed-loop worker after the syscalls); for integers below 2^31 with
 * unit 1, clz32 and a shift give the same index. Anything else takes the library's own path (resize included);
 * test/unit/histogram.test.ts checks both give the same histogram.
 */
export function recordMicros(h: Histogram, value: number): void {
  const j = h as unknown as HistogramInternals;
  if (j.unitMagnitude !== 0 || !(value >= 1 && value <= 0x7fffffff) || value % 1 !== 0) {
    h.recordValue(value);
    return;
  }
  const bucket = Math.max(31 - Math.clz32(value) - j.subBucketHalfCountMagnitude, 0);
  const index = ((bucket + 1) << j.subBucketHalfCountMagnitude) + (value >>> bucket) - j.subBucketHalfCount;
  if (index >= j.countsArrayLength) {
    h.recordValue(value);
    return;
  }
  j.incrementCountAtIndex(index);
  j.updateMinAndMax(value);
  j.incrementTotalCount();
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Sums encoded histograms into one (exact: counts per bucket add). */
export function mergeEncoded(encoded: Iterable<string>): Histogram {
  const total = createHistogram();
  for (const e of encoded) {
    if (!e) continue;
    const h = decodeHistogram(e);
    total.add(h);
  }
  return total;
}

export type { LatencySummary };

export function summarize(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) {
    return { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null };
  }
  return {
    count,
    min: h.minNonZeroValue,
    mean: Math.round(h.mean * 10) / 10,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    // Max at bucket precision (within 0.1%), as a decoded-and-merged histogram reports it, so a result
    // re-reported from its encoded histograms gives the same numbers as the live run.
    max: h.getValueAtPercentile(100),
  };
}
