/**
 * Parsers for the units users type: durations (`500ms`, `30s`, `2m`), sizes (`64`, `4KiB`, `1MB`) and rates
 * (`1000`, `5k/s`, `600/m`). Each returns a plain number in the unit its name says, or throws UsageError naming
 * the option and what is allowed.
 */
import { UsageError } from './errors.js';

/** The one time-unit table, in µs: durations (ms..h), serve's --service-time (us..s) and thresholds read it. */
export const TIME_UNITS_US = { us: 1, µs: 1, ms: 1000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 } as const;
export type TimeUnit = keyof typeof TIME_UNITS_US;

/** The units of TIME_UNITS_US named, each scaled to `per` µs (1000: milliseconds). */
export function timeUnits(names: readonly TimeUnit[], per = 1): Record<string, number> {
  return Object.fromEntries(names.map((u) => [u, TIME_UNITS_US[u] / per]));
}

const DURATION_UNITS_MS = timeUnits(['ms', 's', 'm', 'h'], 1000);
const SIZE_UNITS_BYTES: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1_000_000,
  mib: 1024 * 1024,
  gb: 1e9,
  gib: 1024 ** 3,
};
const RATE_MULTIPLIERS: Record<string, number> = { '': 1, k: 1000, m: 1_000_000 };
const RATE_PERIODS_S: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * `30s`, `1.5m`, `250ms`, `1h`, compound `1m30s` or `1h5m` (largest unit first, each once); a bare number means
 * seconds. Returns milliseconds.
 */
export function parseDurationMs(option: string, text: string, bounds: { min?: number; max?: number } = {}): number {
  const trimmed = String(text).trim().toLowerCase();
  const bad = (): UsageError =>
    new UsageError(`${option}: '${text}' is not a duration (use e.g. 500ms, 30s, 2m, 1m30s, 1h)`);
  let value: number;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) value = Math.round(Number(trimmed) * 1000);
  else {
    const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed.replace(/^\s+/, '')) throw bad();
    const units = parts.map((p) => DURATION_UNITS_MS[p[2]]);
    // Each unit once, largest first: `30s1m` or `1m1m` is a typo, not a duration.
    if (units.some((u, i) => i > 0 && u >= units[i - 1])) throw bad();
    value = Math.round(parts.reduce((sum, p, i) => sum + Number(p[1]) * units[i], 0));
  }
  // Past 2^31 - 1 ms a Node timer fires at once: a bound on every duration keeps `600h` from meaning 1 ms.
  const max = Math.min(bounds.max ?? MAX_TIMER_MS, MAX_TIMER_MS);
  const min = bounds.min ?? 0;
  if (value > max || value < min) {
    throw new UsageError(
      `${option}: '${text}' is out of range (allowed: ${formatDuration(min)} to ${formatDuration(max)})`,
    );
  }
  return value;
}

/** The longest delay a Node timer takes (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const HOUR_MS = 3_600_000;

/** `250ms`, `30s`, `10m`, `2h`: the largest whole unit. */
function formatDuration(ms: number): string {
  if (ms % HOUR_MS === 0 && ms > 0) return `${ms / HOUR_MS}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** `64`, `64B`, `4KiB`, `1.5MB`. Returns whole bytes. */
export function parseSizeBytes(option: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(String(text));
  if (!m) throw new UsageError(`${option}: '${text}' is not a size (use e.g. 64, 512B, 4KiB, 1MB)`);
  const bytes = Number(m[1]) * SIZE_UNITS_BYTES[(m[2] ?? '').toLowerCase()];
  if (!Number.isInteger(bytes)) throw new UsageError(`${option}: '${text}' is not a whole number of bytes`);
  return bytes;
}

/** Largest message a run's --size or serve's --message-size takes: a typo must not allocate gigabytes per worker. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** A message size (parseSizeBytes) from 1 B to MAX_MESSAGE_BYTES. */
export function parseMessageBytes(option: string, text: string): number {
  const bytes = parseSizeBytes(option, text);
  if (bytes < 1 || bytes > MAX_MESSAGE_BYTES)
    throw new UsageError(
      `${option}: ${bytes} bytes is out of range (allowed: 1B..${MAX_MESSAGE_BYTES / 1024 ** 2}MiB)`,
    );
  return bytes;
}

/** `1000`, `1000/s`, `5k/s`, `600/m`. Returns events per second. */
export function parseRatePerSecond(option: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([km])?\s*(?:\/\s*(s|m|h))?\s*$/i.exec(String(text));
  if (!m) throw new UsageError(`${option}: '${text}' is not a rate (use e.g. 1000, 1000/s, 5k/s, 600/m)`);
  const count = Number(m[1]) * RATE_MULTIPLIERS[(m[2] ?? '').toLowerCase()];
  return count / RATE_PERIODS_S[(m[3] ?? 's').toLowerCase()];
}

/** A whole number within [min, max]. */
export function parseIntInRange(option: string, text: string, min: number, max: number): number {
  const t = String(text).trim();
  if (!/^\d+$/.test(t)) throw new UsageError(`${option}: '${text}' is not a whole number (allowed: ${min}..${max})`);
  const n = Number(t);
  if (n < min || n > max) throw new UsageError(`${option}: ${n} is out of range (allowed: ${min}..${max})`);
  return n;
}

/** `host:port`, `[v6]:port`, or `:port` (loopback). */
export function parseHostPort(option: string, text: string): { host: string; port: number } {
  const t = String(text).trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(t);
  if (!m) throw new UsageError(`${option}: '${text}' is not host:port (use e.g. 127.0.0.1:8080, [::1]:8080)`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new UsageError(`${option}: port ${port} is out of range (allowed: 1..65535)`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** Formats microseconds for people: `87µs`, `1.24ms`, `2.50s`. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

/** Formats a byte rate as bits per second: `12.3 Mbit/s`. */
export function formatBitsPerSecond(bytesPerSecond: number): string {
  const bits = bytesPerSecond * 8;
  if (bits >= 1e9) return `${(bits / 1e9).toFixed(2)} Gbit/s`;
  if (bits >= 1e6) return `${(bits / 1e6).toFixed(2)} Mbit/s`;
  if (bits >= 1e3) return `${(bits / 1e3).toFixed(1)} kbit/s`;
  return `${Math.round(bits)} bit/s`;
}

/** Formats a count with thousands separators (past 1e15, as 1.235e+15: a scraped counter can be any double). */
export function formatCount(n: number): string {
  return Math.abs(n) >= 1e15 ? n.toExponential(3) : Math.round(n).toLocaleString('en-US');
}

/** A share in percent as people read a loss figure: `0%`, `0.012%`, `1.5%`, `100%` (3 significant digits). */
export function formatPercent(percent: number): string {
  if (percent === 0) return '0%';
  return `${Number(percent.toPrecision(3))}%`;
}

/** Formats a byte count in binary units: `512 B`, `3.0 KiB`, `4.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}
