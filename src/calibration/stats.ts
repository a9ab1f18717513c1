/** Repeated measurements reduced to a median and a spread, so one noisy sample does not become the profile. */
import type { RepeatedStat } from '../documents/hardware-profile.js';

export type { RepeatedStat };

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function repeatedStat(samples: number[]): RepeatedStat {
  const m = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  const round = (v: number): number => Math.round(v * 100) / 100;
  return {
    median: round(m),
    min: round(min),
    max: round(max),
    spreadPercent: m > 0 ? round(((max - min) / m) * 100) : 0,
    samples: samples.map(round),
  };
}

/** Above this spread a calibration says the machine was noisy. */
export const NOISY_SPREAD_PERCENT = 15;
