import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import {
  parseDurationMs,
  parseHostPort,
  parseIntInRange,
  parseMessageBytes,
  parseRatePerSecond,
  parseSizeBytes,
} from '../../src/core/units.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { parseServiceTimeUs } from '../../src/serve/service-queue.js';

describe('units', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['250ms', 250],
    ['1.5s', 1500],
    ['1h', 3_600_000],
    ['10', 10_000],
    [' 5S ', 5000],
    ['1m30s', 90_000],
    ['1h5m', 3_900_000],
    ['2s500ms', 2500],
    ['1m 30s', 90_000],
  ])('duration %s -> %d ms', (text, ms) => expect(parseDurationMs('--duration', text)).toBe(ms));

  it.each(['', '5x', '-1s', 's', '1..2s', '3 days', '30s1m', '1m1m', '1m30', 'm30s'])(
    'duration %j is rejected with the option named',
    (text) => {
      expect(() => parseDurationMs('--duration', text)).toThrow(UsageError);
      expect(() => parseDurationMs('--duration', text)).toThrow(/^--duration: /);
    },
  );

  it.each([
    ['64', 64],
    ['512B', 512],
    ['4KiB', 4096],
    ['4kb', 4000],
    ['1MiB', 1048576],
    ['1.5KiB', 1536],
  ])('size %s -> %d bytes', (text, bytes) => expect(parseSizeBytes('--size', text)).toBe(bytes));

  it.each(['abc', '4 KiBs', '1.3B', '-4'])('size %j is rejected', (text) => {
    expect(() => parseSizeBytes('--size', text)).toThrow(/^--size: /);
  });

  it.each([
    ['1000', 1000],
    ['1000/s', 1000],
    ['5k/s', 5000],
    ['600/m', 10],
    ['0', 0],
    ['3600/h', 1],
  ])('rate %s -> %d per second', (text, rate) => expect(parseRatePerSecond('--connect-rate', text)).toBe(rate));

  it('rejects a rate with an unknown period', () => {
    expect(() => parseRatePerSecond('--connect-rate', '10/d')).toThrow(/^--connect-rate: '10\/d' is not a rate/);
  });

  it('bounds whole numbers and names the allowed range', () => {
    expect(parseIntInRange('--conns', '7', 1, 10)).toBe(7);
    expect(() => parseIntInRange('--conns', '200', 1, 10)).toThrow('--conns: 200 is out of range (allowed: 1..10)');
    expect(() => parseIntInRange('--conns', '2.5', 1, 10)).toThrow(/not a whole number/);
  });

  it('parses host:port forms', () => {
    expect(parseHostPort('--target', '127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('--target', '[::1]:443')).toEqual({ host: '::1', port: 443 });
    expect(parseHostPort('--target', ':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(() => parseHostPort('--target', 'localhost')).toThrow(/^--target: /);
    expect(() => parseHostPort('--target', 'h:70000')).toThrow(/out of range/);
  });

  it('one time-unit table: a duration, a service time and a threshold read 1.5ms and 2s alike', () => {
    expect(parseDurationMs('--warmup', '1.5s')).toBe(1500);
    expect(parseServiceTimeUs('1.5ms')).toBe(1500);
    expect(parseThreshold('p99<1.5ms').value).toBe(1500);
    expect(parseDurationMs('--warmup', '2s') * 1000).toBe(parseServiceTimeUs('2s'));
    expect(parseThreshold('p99<2s').value).toBe(parseServiceTimeUs('2s'));
    expect(parseServiceTimeUs('2m')).toBeNull();
  });

  it('one 16 MiB cap on a message, for --size and --message-size alike', () => {
    expect(parseMessageBytes('--size', '16MiB')).toBe(16 * 1024 * 1024);
    expect(() => parseMessageBytes('--message-size', '16777217')).toThrow(
      /^--message-size: 16777217 bytes is out of range \(allowed: 1B\.\.16MiB\)$/,
    );
    expect(() => parseMessageBytes('--size', '0')).toThrow(/^--size: 0 bytes is out of range/);
  });
});
