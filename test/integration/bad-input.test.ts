/**
 * Bad input found up front: every time option has a bound (a Node timer overflows past 2^31 - 1 ms, so `600h` used
 * to mean 1 ms), scenario values name the file and the step, thresholds and step names are checked before anything
 * runs. Each case is one line on stderr and exit 2, with nothing started.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorKind } from '../../src/instruments/errors.js';
import { runCli, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const scenario = (name: string, text: string): string => {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
};

describe('time options have bounds', () => {
  it.each([
    [['--duration', '600h'], /^l4stress: --duration: '600h' is out of range \(allowed: 100ms to 168h\)$/m],
    [['--connect-timeout', '600h'], /^l4stress: --connect-timeout: '600h' is out of range \(allowed: 1ms to 10m\)$/m],
    [['--ramp-timeout', '0'], /^l4stress: --ramp-timeout: '0' is out of range \(allowed: 100ms to 24h\)$/m],
    [['--echo-timeout', '1h'], /--echo-timeout: '1h' is out of range/],
    [['--warmup', '2h'], /--warmup: '2h' is out of range/],
    [['serve', '--header-timeout', '600h'], /^l4stress: --header-timeout: '600h' is out of range/m],
  ])('%s is exit 2 before anything starts', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('an option that does nothing in the chosen mode is refused, not ignored', () => {
  it.each([
    [['--direction', 'down'], /^l4stress: --direction: does nothing with --mode echo \(it acts in: stream\)$/m],
    [['--ping-interval', '2s'], /^l4stress: --ping-interval: does nothing with --mode echo \(it acts in: hold\)$/m],
    [['--mode', 'stream', '--rate', '100'], /^l4stress: --rate: does nothing with --mode stream/m],
    [['--mode', 'hold', '--churn-echo'], /^l4stress: --churn-echo: does nothing with --mode hold/m],
    [['--mode', 'connect', '--reconnect'], /^l4stress: --reconnect: does nothing with --mode connect/m],
    [['--mode', 'connect', '--size', '1KiB'], /^l4stress: --size: does nothing with --mode connect without/m],
  ])('%s is exit 2 before anything starts', async (args, message) => {
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('scenario input is checked before anything runs, naming the file and the step', () => {
  it.each([
    [
      'a threshold whose number is not one',
      'steps:\n  - name: a\n    thresholds: ["p95 < 1.2.3ms"]\n',
      /^l4stress: bad1\.yaml: step 'a': threshold 'p95 < 1\.2\.3ms': '1\.2\.3' is not a number$/m,
    ],
    [
      'two steps of one name',
      'steps:\n  - name: a\n  - name: a\n',
      /^l4stress: bad2\.yaml: two steps are named 'a' \(step names must differ\)$/m,
    ],
    [
      'a step value out of range',
      'steps:\n  - name: a\n    duration: 600h\n',
      /^l4stress: bad3\.yaml: step 'a': --duration: '600h' is out of range/m,
    ],
    [
      'a step value that is not one',
      'steps:\n  - name: b\n    conns: many\n',
      /^l4stress: bad4\.yaml: step 'b': --conns: 'many' is not a whole number/m,
    ],
  ])('%s', async (_label, steps, message) => {
    const n = String(message).match(/bad(\d)/)![1];
    const run = await runCli(['run', '--scenario', scenario(`bad${n}`, `name: bad\n${steps}`), '--results-dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('socket error kinds', () => {
  it.each(['ENOTFOUND', 'EAI_AGAIN', 'EINVAL', 'ECONNREFUSED'])('%s is counted under its own name', (code) => {
    expect(errorKind(code)).toBe(code);
  });

  it('an errno outside the set is OTHER', () => {
    expect(errorKind('ESOMETHINGNEW')).toBe('OTHER');
  });
});

describe('TLS settings, times and outputs are checked before any socket opens', () => {
  const file = (name: string, text: string): string => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  it.each([
    [['--tls-ca', 'GARBAGE'], /^l4stress: --tls-ca: '.*garbage\.pem' holds no PEM certificate$/m],
    [['--tls-ca', 'EMPTY'], /^l4stress: --tls-ca: '.*empty\.pem' holds empty$/m],
    [['--tls-ca', 'KEY'], /^l4stress: --tls-ca: '.*key\.pem' holds a private key, not a certificate$/m],
    [['--tls-ca', 'FOLDER'], /^l4stress: --tls-ca: '.*' is a folder, not a PEM file$/m],
    [['--tls-ciphers', 'NOPE'], /^l4stress: --tls-ciphers: 'NOPE' matches no cipher OpenSSL knows$/m],
    [['--sni', 'a b'], /^l4stress: --sni: 'a b' is not a host name/m],
    [['--sni', ''], /^l4stress: --sni: '' is not a host name/m],
    [['--sni', 'a'.repeat(300)], /^l4stress: --sni: 'a+\.\.\.' is not a host name/m],
    [['--sni', '127.0.0.1'], /^l4stress: --sni: '127\.0\.0\.1' is an IP address/m],
  ])('--tls %s is exit 2, one line, nothing started', async (args, message) => {
    const paths: Record<string, string> = {
      GARBAGE: file('garbage.pem', 'garbage\n'),
      EMPTY: file('empty.pem', ''),
      KEY: file('key.pem', String(key)),
      FOLDER: dir,
    };
    const run = await runCli(['--tls', ...args.map((a) => paths[a] ?? a), '--duration', '200ms']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at |internal error/);
  });

  it('--start-at on a date that does not exist (February 30) is refused, not rolled over', async () => {
    const run = await runCli(['--start-at', '2026-02-30T10:00:00Z']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^l4stress: --start-at: '2026-02-30T10:00:00Z' is not a valid time \(no such date\)$/m);
  });

  it('merge refuses an --out that is one of its inputs, however it is spelled', async () => {
    const shard = file('s0.json', '{}');
    const run = await runCli(['merge', shard, file('s1.json', '{}'), '-o', path.join(dir, '.', 's0.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--out '.*s0\.json' is one of the shard results/);
    expect(readFileSync(shard, 'utf8')).toBe('{}');
  });

  it('an error message quoting a hostile file prints its control characters escaped', async () => {
    const hostile = file('hostile.json', '\u001b[2J\u001b[H\u0007garbage');
    const run = await runCli(['report', hostile]);
    expect(run.code).toBe(2);
    const controls = [...run.stderr].filter((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f));
    expect(controls).toEqual([]);
    expect(run.stderr).toMatch(/\\x1b\[2J/);
  });
});
