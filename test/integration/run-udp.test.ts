/**
 * `l4stress run --udp` as a user runs it (the built CLI) on loopback: against the embedded UDP target every datagram
 * comes back, exactly, with and without a PROXY v2 DGRAM or SPP header on each; bad input (option mixes that mean
 * nothing over UDP, sizes UDP cannot carry) is refused in one line, exit 2.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'l4stress-run-udp-'));
let n = 0;

/** A short UDP run; its exit code, stderr and result. */
async function runUdp(
  args: string[],
  timeoutMs = 90_000,
): Promise<{ code: number | null; stderr: string; r: RunResult }> {
  const out = path.join(dir, `r${n++}.json`);
  const run = await runCli(['run', '--udp', '-q', '--out', out, '--warmup', '200ms', '--seed', '7', ...args], {
    timeoutMs,
  });
  return { code: run.code, stderr: run.stderr, r: JSON.parse(readFileSync(out, 'utf8')) as RunResult };
}

describe('run --udp against the embedded target', () => {
  it.each([['none'], ['v2'], ['spp']])('echo with --proxy %s: every datagram back, none lost', async (proxy) => {
    const { r } = await runUdp(['-c', '8', '-d', '1s', '--proxy', proxy, '--workers', '1']);
    const t = r.totals;
    expect(r.config.transport).toBe('udp');
    expect([t.attempted, t.established, t.opened]).toEqual([8, 8, 8]);
    expect(t.datagramsSent).toBeGreaterThan(8);
    expect(t.datagramsReceived).toBe(t.datagramsSent);
    expect([t.datagramsLost, t.datagramsReordered, t.datagramsDuplicated, t.datagramsLate, t.datagramsCorrupt]).toEqual(
      [0, 0, 0, 0, 0],
    );
    expect(t.headersSent).toBe(proxy === 'none' ? 0 : 8);
  });
});

describe('run --udp refuses what UDP cannot do, in one line, exit 2', () => {
  it.each([
    [['--size', '65508'], /^l4stress: --size: 65508 bytes is more than a UDP datagram carries \(at most 65,507\)/],
    [['--size', '16'], /^l4stress: --size: 16 bytes cannot carry the 24-byte stamp/],
    [['--tls'], /^l4stress: --tls: does not apply with --udp \(TCP only\)/],
    [['--mode', 'connect'], /^l4stress: --mode connect: does not apply with --udp/],
    [['--proxy', 'v1'], /^l4stress: --proxy v1: does not apply with --udp/],
    [['--close', 'rst'], /^l4stress: --close: does not apply with --udp \(TCP only\)/],
    [['--drain-timeout', '1s'], /^l4stress: --drain-timeout: does not apply with --udp \(TCP only\)/],
  ])('%s', async (args, message) => {
    const run = await runCli(['run', '--udp', '-q', '-d', '1s', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--proxy spp and --bitrate without --udp', async () => {
    const spp = await runCli(['run', '-q', '-d', '1s', '--proxy', 'spp']);
    expect([spp.code, spp.stderr]).toEqual([2, expect.stringMatching(/--proxy spp: goes with --udp/)]);
    const bitrate = await runCli(['run', '-q', '-d', '1s', '--mode', 'stream', '--bitrate', '1M']);
    expect([bitrate.code, bitrate.stderr]).toEqual([2, expect.stringMatching(/--bitrate: goes with --udp/)]);
  });
});
