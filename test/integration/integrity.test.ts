/**
 * Measurement truth on real sockets: the integrity detector against a deliberately faulty echo server (a test
 * fixture), the coordinated-omission correction against a server that stalls once, and connection counts against
 * the kernel's own counters.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { type Fault, type FaultyServer, startFaultyEchoServer } from '../fixtures/faulty-echo-server.js';
import { CLI, runCli, tempDir } from '../helpers/cli.js';
import { resultValidator } from '../helpers/schema.js';

const dir = tempDir();
const validate = resultValidator();
let server: FaultyServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function runAgainst(fault: Fault, args: string[]): Promise<{ code: number | null; result: RunResult }> {
  server = await startFaultyEchoServer(fault, 64);
  const out = path.join(dir, `${fault.kind}-${Date.now()}.json`);
  const run = await runCli([
    '--target',
    `127.0.0.1:${server.port}`,
    '--size',
    '64',
    '--warmup',
    '0s',
    '--out',
    out,
    '--quiet',
    ...args,
  ]);
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  expect(validate(result)).toEqual([]);
  return { code: run.code, result };
}

describe('echo integrity against a faulty server (test fixture)', () => {
  it('a flipped byte is counted as corrupted, and fails the run', async () => {
    const { code, result } = await runAgainst({ kind: 'flip-byte', message: 5 }, ['--conns', '10', '--duration', '1s']);
    expect(result.modeStats.integrity).toMatchObject({ enabled: true, corrupted: 10, duplicated: 0, missing: 0 });
    expect(code).toBe(4);
    expect(result.warnings.join('\n')).toMatch(/echo integrity failed: 10 corrupted/);
  });

  it('a dropped message is counted as missing once its echo times out, and the session goes on', async () => {
    const { result } = await runAgainst({ kind: 'drop-message', message: 5 }, [
      '--conns',
      '10',
      '--duration',
      '2s',
      '--echo-timeout',
      '300ms',
    ]);
    expect(result.modeStats.integrity.missing).toBe(10);
    expect(result.modeStats.integrity.corrupted).toBe(0);
    expect(result.modeStats.integrity.verified).toBeGreaterThan(100);
  });

  it('a duplicated message is counted as duplicated', async () => {
    const { result } = await runAgainst({ kind: 'duplicate-message', message: 5 }, [
      '--conns',
      '4',
      '--rate',
      '200',
      '--duration',
      '1500ms',
    ]);
    expect(result.modeStats.integrity.duplicated).toBeGreaterThanOrEqual(1);
    expect(result.modeStats.integrity.corrupted).toBe(0);
  });

  it('an echo still missing when the drain window ends is counted as bytes lost at close', async () => {
    // Echoes leave 1.5 s late, after the 1 s run: at the stop every connection waits for its first echo, whatever
    // the timing (with 50 ms echoes, ten closed loops in step could all get theirs inside a 10 ms drain, and nothing
    // was lost: a flake). The 10 ms drain ends, the server cuts each echo in half: 32 or 64 of 64 bytes lost each.
    const { code, result } = await runAgainst({ kind: 'truncate-at-close', delayMs: 1500 }, [
      '--conns',
      '10',
      '--duration',
      '1s',
      '--drain-timeout',
      '10ms',
    ]);
    const lost = result.modeStats.integrity.bytesLostAtClose;
    expect(lost).toBeGreaterThanOrEqual(32);
    expect(lost % 32).toBe(0);
    expect(code).toBe(4);
  });

  it('the graceful stop waits for late echoes: nothing lost, and the drain time is reported', async () => {
    const { code, result } = await runAgainst({ kind: 'truncate-at-close' }, ['--conns', '10', '--duration', '1s']);
    expect(result.modeStats.integrity.bytesLostAtClose).toBe(0);
    expect(result.phases.drainMs).toBeGreaterThanOrEqual(1);
    expect(code).toBe(0);
  });
});

describe('coordinated omission', () => {
  it('a 200 ms stall moves the corrected p99 and the timeline, and the service-time p99 much less', async () => {
    // 1,000 messages/s over 20 connections; the stall comes 1.5 s into the run (ramp ~0.1 s, then measuring).
    const { result } = await runAgainst({ kind: 'stall-once', afterMs: 1500, ms: 200 }, [
      '--conns',
      '20',
      '--rate',
      '1000',
      '--duration',
      '3s',
    ]);
    const corrected = result.latency.roundTripUs.p99!;
    const service = result.latency.serviceUs!.p99!;
    expect(corrected).toBeGreaterThanOrEqual(100_000);
    expect(service).toBeLessThan(corrected / 2);
    expect(Math.max(...result.timeline.map((r) => r.maxUs ?? 0))).toBeGreaterThanOrEqual(150_000);
    expect(result.modeStats.openLoop!.late).toBeGreaterThan(20);
  });
});

describe('the kernel agrees', () => {
  // The run gets a network namespace of its own: the kernel's TCP counters are per namespace, so nothing else on a
  // busy machine (another test run, a gate) can add to the count.
  const ns = `l4stress-test-${process.pid}`;
  const inNs = (cmd: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8' });
  const activeOpens = (): number => {
    const lines = inNs(['cat', '/proc/net/snmp'])
      .split('\n')
      .filter((l) => l.startsWith('Tcp:'));
    const names = lines[0].split(/\s+/);
    return Number(lines[1].split(/\s+/)[names.indexOf('ActiveOpens')]);
  };
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'delete', ns]);
  });

  it('connections opened match the Tcp ActiveOpens delta, exactly, in a namespace of their own', async () => {
    const before = activeOpens();
    const out = path.join(dir, 'kernel.json');
    inNs([process.execPath, CLI, '--conns', '300', '--duration', '1s', '--warmup', '0s', '--out', out, '--quiet']);
    const delta = activeOpens() - before;
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(result.status).toBe('completed');
    expect(result.connections.attempted).toBe(300);
    // The embedded target only accepts, so every active open is one of the generator's.
    expect(delta).toBe(300);
  });
});
