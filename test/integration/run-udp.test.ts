/**
 * `l4stress run --udp` as a user runs it (the built CLI) on loopback: against the embedded UDP target every datagram
 * comes back, exactly, with and without a PROXY v2 DGRAM or SPP header on each; bad input (option mixes that mean
 * nothing over UDP, sizes UDP cannot carry) is refused in one line, exit 2.
 */
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { startFaultyUdpEcho } from '../fixtures/faulty-udp-echo.js';
import { runCli } from '../helpers/cli.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

/** A UDP peer on loopback: `answer(peer, msg)` says whether it echoes; never answering is `() => false`. */
async function peer(answer: (port: number, msg: Buffer) => boolean): Promise<number> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, r) => {
    if (answer(r.port, msg)) socket.send(msg, r.port, r.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
  return socket.address().port;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'l4stress-run-udp-'));
let n = 0;

/** A short UDP run; its exit code, stderr and result. */
async function runUdp(
  args: string[],
  timeoutMs = 90_000,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stderr: string; r: RunResult }> {
  const out = path.join(dir, `r${n++}.json`);
  const run = await runCli(['run', '--udp', '-q', '--out', out, '--warmup', '200ms', '--seed', '7', ...args], {
    timeoutMs,
    env,
  });
  return { code: run.code, stderr: run.stderr, r: JSON.parse(readFileSync(out, 'utf8')) as RunResult };
}

describe('run --udp against the embedded target', () => {
  it('hold: 2,000 flows, each its own source port, all answered and none silent', async () => {
    const { r } = await runUdp(['--mode', 'hold', '-c', '2000', '--ping-interval', '1s', '-d', '2s'], 180_000);
    const d = r.datagrams!;
    expect([d.flows.answered, d.flows.neverAnswered, d.flows.silent]).toEqual([2000, 0, 0]);
    expect(d.target?.distinctPeers).toBe(2000);
    expect(r.modeStats.hold?.held).toBe(2000);
    expect(d.lost).toBe(0);
  });

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

describe('run --udp stream and gates', () => {
  it('stream: paced datagrams reflected, delivered rate and RFC 3550 jitter, per-second datagrams', async () => {
    const { r } = await runUdp(['--mode', 'stream', '--rate', '400', '-c', '4', '-d', '2s', '--size', '1200']);
    const d = r.datagrams!;
    expect(r.modeStats.openLoop?.intendedPerSecond).toBe(400);
    expect(d.received + d.lost).toBe(d.sent);
    expect(d.measured.received).toBeGreaterThan(0);
    // Payload bits of what came back (the two rates are rounded apart: within one datagram's bits).
    expect(Math.abs(d.measured.bitsPerSecond - d.measured.receivedPerSecond * 1200 * 8)).toBeLessThanOrEqual(9600);
    expect(d.jitterMs).not.toBeNull();
    const rows = r.timeline.filter((row) => row.datagrams);
    expect(rows.length).toBeGreaterThan(0);
    const perSecond = rows.reduce((n, row) => n + row.datagrams!.sent, 0);
    expect(perSecond).toBeGreaterThan(0);
    expect(perSecond).toBeLessThanOrEqual(d.sent);
  });

  it('open-loop echo, a stalling worker: the window counts the sends due in it and their answers exactly', async () => {
    // Issue 33: --rate 2000 reported 2,492-2,663 round trips/s on a busy machine: sends due before the window (a
    // late worker's catch-up) and answers to warm-up datagrams were counted by when they arrived. The worker here
    // is blocked 20 ms in every 100 ms (a test hook), so sends leave in catch-up bursts across the window's edges.
    const env = { L4STRESS_TEST_PACER_STALL: '20/100' };
    const { r } = await runUdp(['--rate', '2000', '-c', '50', '-d', '2s', '--workers', '1'], 90_000, env);
    const t = r.totals;
    expect(t.pacedSends).toBe(t.dueSends);
    // Never more than the window's schedule: 2,000/s over the 2 s asked (the window may run a few ms longer).
    expect(t.pacedSends).toBeLessThanOrEqual(4000);
    expect(r.throughput.roundTrips).toBeLessThanOrEqual(t.pacedSends);
    // Each answer counted is one of the window's sends: with nothing lost, one for each.
    if (t.datagramsLost === 0 && t.datagramsNotSent === 0) expect(r.throughput.roundTrips).toBe(t.pacedSends);
    expect(r.throughput.roundTripsPerSecond).toBeLessThanOrEqual(2000);
  });

  it("--threshold 'loss<0.1%' and 'reorder==0' judge a UDP run; over TCP they are refused up front", async () => {
    const { code, r } = await runUdp(['-c', '4', '-d', '1s', '--threshold', 'loss<0.1%', '--threshold', 'reorder==0']);
    expect(r.thresholds?.map((t) => [t.threshold, t.pass])).toEqual([
      ['loss<0.1%', true],
      ['reorder==0', true],
    ]);
    expect(code).toBe(0);
    const tcp = await runCli(['run', '-q', '-d', '1s', '--threshold', 'loss<0.1%']);
    expect(tcp.code).toBe(2);
    expect(tcp.stderr).toMatch(/loss is measured over UDP only \(--udp\)/);
  });
});

describe('run --udp against misbehaving targets: every fault counted, exactly', () => {
  it.each([
    ['closed loop', []],
    ['open loop', ['--rate', '400']],
  ])('loss, reordering, duplicates and corruption injected by a peer (%s)', async (_name, extra) => {
    const faulty = await startFaultyUdpEcho();
    open.push(faulty);
    const { code, r } = await runUdp([
      ...['--target', `127.0.0.1:${faulty.port}`, '-c', '4', '-d', '1500ms', '--echo-timeout', '100ms'],
      ...['--proxy', 'v2', ...extra],
    ]);
    const d = r.datagrams!;
    const heldAtEnd = faulty.held();
    expect(d.duplicated).toBe(faulty.injected.duplicated);
    expect(d.corrupt).toBe(faulty.injected.corrupted);
    expect(d.reordered).toBe(faulty.injected.reordered - heldAtEnd);
    // Dropped, corrupt (unreadable) and still held at the peer when the run ended: lost, each once.
    expect(d.lost).toBe(faulty.injected.dropped + faulty.injected.corrupted + heldAtEnd);
    expect(d.received + d.lost).toBe(d.sent);
    expect(d.late).toBe(0);
    expect(faulty.injected.dropped).toBeGreaterThan(4);
    // Corrupt datagrams are errors; a run with errors completes with errors (exit 4).
    expect(code).toBe(4);
    expect(r.status).toBe('completed-with-errors');
  });

  it.each([
    ['closed loop', [], 5],
    // The offered load does not depend on what comes back: the pacer keeps sending (about 240 in 1.2 s; one run
    // on a loaded machine sent 92, so the bar is far below that and far above the 5 first datagrams).
    ['open loop', ['--rate', '200'], 40],
  ])('a target that never answers (%s): every datagram lost, a result written, no hang', async (_n, extra, least) => {
    const port = await peer(() => false);
    const args = ['--target', `127.0.0.1:${port}`, '-c', '5', '-d', '1s', '--echo-timeout', '200ms'];
    const { code, r } = await runUdp([...args, ...extra]);
    const d = r.datagrams!;
    expect(code).toBe(4);
    expect(d.sent).toBeGreaterThanOrEqual(least);
    expect([d.received, d.lost, d.lossRatio]).toEqual([0, d.sent, 1]);
    expect([d.flows.answered, d.flows.neverAnswered]).toEqual([0, 5]);
    expect(r.warnings.join('\n')).toMatch(/5 flows were never answered \(every datagram lost\)/);
  });

  it('flows a peer stops answering are silent, each with when it went silent', async () => {
    let first = 0;
    const forgotten = new Set<number>();
    const port = await peer((from) => {
      first ||= Date.now();
      if (Date.now() - first < 1200) return true;
      // From then on the first three flows it sees are forgotten, as an ingress whose session table evicted them.
      if (forgotten.size < 3) forgotten.add(from);
      return !forgotten.has(from);
    });
    const { r } = await runUdp([
      ...['--target', `127.0.0.1:${port}`, '--mode', 'hold', '-c', '8', '--ping-interval', '100ms'],
      ...['--echo-timeout', '200ms', '-d', '2500ms'],
    ]);
    const d = r.datagrams!;
    expect(forgotten.size).toBe(3);
    expect(d.flows.silent).toBe(3);
    expect(d.flows.answered).toBe(8);
    expect(d.flows.silentExamples).toHaveLength(3);
    for (const e of d.flows.silentExamples) expect(e.silentAtS).toBeGreaterThan(0.5);
    expect(r.modeStats.hold?.held).toBe(5);
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

  it('more flows than the port range gives one local address: refused before any load, with the fix', async () => {
    const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const [low, high] = range.trim().split(/\s+/).map(Number);
    const run = await runCli(['run', '--udp', '-q', '-d', '1s', '-c', String(high - low + 2)]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/flows the ephemeral port range allows .* ports per local address\)/);
    expect(run.stderr).toMatch(/--source-ips 127\.0\.0\.1-127\.0\.0\.\d+/);
  });

  it('--proxy spp and --bitrate without --udp', async () => {
    const spp = await runCli(['run', '-q', '-d', '1s', '--proxy', 'spp']);
    expect([spp.code, spp.stderr]).toEqual([2, expect.stringMatching(/--proxy spp: goes with --udp/)]);
    const bitrate = await runCli(['run', '-q', '-d', '1s', '--mode', 'stream', '--bitrate', '1M']);
    expect([bitrate.code, bitrate.stderr]).toEqual([2, expect.stringMatching(/--bitrate: goes with --udp/)]);
  });
});
