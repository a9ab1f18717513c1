/**
 * The kernel's UDP counters as a witness in every result (witnesses/udp.ts), proven in a network namespace of the
 * test's own (the counters are per namespace: no other process on the machine can add to them). A TCP run (the UDP
 * engine is not wired yet) carries the udp section over its measured window with zero drops and passes
 * `udp.rcvbufErrors==0`; the same run beside a bounded burst of datagrams into a tiny receive buffer nobody reads
 * (on loopback, in the namespace) sees RcvbufErrors rise: the warning names the host's buffer drops and the gate
 * fails, and the sockets' own counts say the drops were the burst receiver's, none the generator's.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { CLI, tempDir } from '../helpers/cli.js';
import { createNamespace, type TestNamespace } from '../helpers/netns.js';

const dir = tempDir();
let ns: TestNamespace;
const runInNs = (name: string, args: string[]): RunResult => ns.run(path.join(dir, `${name}.json`), args);
const RUN = ['--target', '127.0.0.1:7200', '--conns', '20', '--warmup', '0s', '--threshold', 'udp.rcvbufErrors==0'];

/**
 * A receiver with the smallest receive buffer that never reads, and a sender that bursts 200 datagrams of 1,000 B
 * into it every 250 ms for 8 s (6,400 in all, bounded): once its buffer is full, every one is a RcvbufError.
 */
const BURSTS =
  'import socket,time\n' +
  'r=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n' +
  'r.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,1024)\n' +
  "r.bind(('127.0.0.1',7300))\n" +
  's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n' +
  "print('ready',flush=True)\n" +
  'for _ in range(32):\n' +
  '  for _ in range(200):\n' +
  "    s.sendto(b'x'*1000,('127.0.0.1',7300))\n" +
  '  time.sleep(0.25)\n' +
  'time.sleep(60)\n';

beforeAll(async () => {
  ns = createNamespace('l4stress-udpw');
  await ns.start([process.execPath, CLI, 'serve', '--port', '7200']);
});

afterAll(() => ns?.remove());

describe('the UDP witness in the result', () => {
  it('a TCP run carries the udp section over its measured window: no drops, the gate passes', () => {
    const r = runInNs('clean', [...RUN, '-d', '1s']);
    expect(r.exitCode).toBe(0);
    expect(r.udp).toBeTruthy();
    expect(r.udp!.window).toBe('measure');
    expect(r.udp!.windowMs).toBeGreaterThan(500);
    expect(r.udp!.udp.available).toBe(true);
    expect(r.udp!.total).toMatchObject({ rcvbufErrors: 0, sndbufErrors: 0, memErrors: 0, inErrors: 0 });
    expect(r.thresholds).toEqual([
      expect.objectContaining({ threshold: 'udp.rcvbufErrors==0', pass: true, actual: 0 }),
    ]);
    expect(r.warnings.join('\n')).not.toMatch(/UDP datagram/);
    // Each socket's own count: nothing dropped, the generator's sockets (it has none over TCP) included.
    expect(r.udp!.sockets).toEqual({ all: 0, generator: 0 });
    expect(r.timeline.length).toBeGreaterThan(0);
    expect(r.timeline.some((row) => row.udp?.rcvbufErrors === 0)).toBe(true);
  });

  it('a burst into an unread buffer: RcvbufErrors counted, the warning names them, the gate fails', async () => {
    await ns.start(['python3', '-c', BURSTS]);
    const r = runInNs('burst', [...RUN, '-d', '2s']);
    expect(r.udp!.total.rcvbufErrors).toBeGreaterThan(0);
    expect(r.udp!.total.inErrors).toBeGreaterThanOrEqual(r.udp!.total.rcvbufErrors!);
    expect(r.warnings.join('\n')).toMatch(
      /this machine's kernel dropped [\d,]+ UDP datagrams? during the measured window \(RcvbufErrors: a receive buffer/,
    );
    // By the sockets' own counts: the burst's receiver dropped them, none of the generator's sockets did.
    expect(r.udp!.sockets!.all).toBeGreaterThan(0);
    expect(r.udp!.sockets!.generator).toBe(0);
    const verdict = r.thresholds![0];
    expect([verdict.pass, verdict.actual]).toEqual([false, r.udp!.total.rcvbufErrors]);
    expect(r.exitCode).not.toBe(0);
    // Per second too (the rows cover the whole run, the window among them).
    const perSecond = r.timeline.reduce((n, row) => n + (row.udp?.rcvbufErrors ?? 0), 0);
    expect(perSecond).toBeGreaterThan(0);
  });
});
