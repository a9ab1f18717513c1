/**
 * `serve --service-time` against clients that write as fast as they can and never read (issue 31): its memory is
 * bounded (backpressure: a full line is not read, a backed-up one is not served), a fresh client is answered within
 * a few service times while they write, and their queued work is freed when they leave. Plain and TLS, and behind
 * --max-sessions. Before the bound, four such writers took serve past 1 GiB in 8 s and a fresh client was never
 * answered.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { startServe } from '../helpers/processes.js';

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/**
 * A connected client: plain, or TLS that trusts serve's self-signed certificate; `secured`: once the handshake is
 * done (a writer behind --max-sessions is connected but waits, unread: its handshake cannot finish yet).
 */
function connect(port: number, useTls: boolean, secured = true): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = useTls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s))
      : net.connect(port, '127.0.0.1', () => resolve(s));
    if (useTls && !secured) s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes as fast as the socket takes it (again on 'drain') and never reads. */
async function neverReader(port: number, useTls: boolean): Promise<net.Socket> {
  const s = await connect(port, useTls, false);
  s.on('error', () => {});
  s.pause();
  const pump = (): void => {
    while (!s.destroyed && s.write(CHUNK));
  };
  s.on('drain', pump);
  pump();
  return s;
}

/** ms until a fresh client's one 64 B message is echoed; null when not within `timeoutMs`. */
async function freshEcho(port: number, useTls: boolean, timeoutMs: number): Promise<number | null> {
  const s = await connect(port, useTls);
  s.on('error', () => {});
  try {
    const t0 = performance.now();
    s.write(Buffer.alloc(64, 0x62));
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      s.once('data', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    return answered ? performance.now() - t0 : null;
  } finally {
    s.destroy();
  }
}

interface ServeStats {
  bytesIn: number;
  open: number;
  serviceQueue?: { bytes: number; messages: number };
}

const LINE = 64 * 1024;

/** `served`: writers that get a session (the rest wait behind --max-sessions); `backsUp`: echoes outrun loopback. */
const CASES = [
  { name: 'plain', tls: false, args: [], served: 4, backsUp: false },
  { name: 'TLS', tls: true, args: [], served: 4, backsUp: false },
  { name: 'plain, --max-sessions 2', tls: false, args: ['--max-sessions', '2'], served: 2, backsUp: false },
  { name: 'TLS, --max-sessions 2', tls: true, args: ['--max-sessions', '2'], served: 2, backsUp: false },
  // 64 KiB messages served every 10 µs: the echoes fill both socket buffers within a second and back up.
  { name: 'plain, echoes backed up', tls: false, args: ['--message-size', '64KiB'], served: 4, backsUp: true },
  { name: 'TLS, echoes backed up', tls: true, args: ['--message-size', '64KiB'], served: 4, backsUp: true },
];

describe('serve --service-time under four clients that write as fast as they can and never read', () => {
  it.each(CASES)('$name: RSS under 100 MiB, a fresh client answered, the queue freed when they leave', async (c) => {
    const time = c.backsUp ? '10us' : '1ms';
    const serve = await startServe(['--quiet', '--service-time', time, ...(c.tls ? ['--tls'] : []), ...c.args]);
    const pid = serve.child.pid!;
    const stats = async (): Promise<ServeStats> => (await fetch(`${serve.controlUrl}/stats`)).json() as never;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      const writers = await Promise.all([0, 1, 2, 3].map(() => neverReader(serve.port, c.tls)));
      let peak = 0;
      let last = -1;
      let heldBack = false;
      for (let i = 0; i < 12 || (c.backsUp && !heldBack && i < 40); i++) {
        await sleep(500);
        peak = Math.max(peak, rssMiB(pid));
        // Backed up: not read at all (its line is not served, so nothing frees room for more).
        const { bytesIn } = await stats();
        heldBack ||= i >= 2 && bytesIn === last;
        last = bytesIn;
      }
      // Each served writer filled its line at least once before serve stopped reading it.
      expect(last).toBeGreaterThanOrEqual(c.served * LINE);
      expect((await stats()).serviceQueue!.bytes).toBeLessThanOrEqual(4 * 2 * LINE);
      expect(peak).toBeLessThan(100);
      if (c.backsUp) expect(heldBack).toBe(true);
      // While they write: answered within a few service times (1 s allows for a busy machine), not after a backlog.
      // Behind --max-sessions 2 every slot is held by a writer: a fresh client waits for one to leave.
      if (c.served === 4) expect(await freshEcho(serve.port, c.tls, 5000)).toBeLessThan(1000);

      for (const w of writers) w.destroy();
      let after = await stats();
      // Dropped at once (a probe or the next echo finds them gone), not after their lines are served: 3 s is 30
      // sweeps of serve's, where four full lines of 1,024 messages of 1 ms each would take 4 s.
      for (let i = 0; i < 30 && (after.open > 0 || after.serviceQueue!.bytes > 0); i++) {
        await sleep(100);
        after = await stats();
      }
      expect(after).toMatchObject({ open: 0, serviceQueue: { bytes: 0, messages: 0 } });
      // A fresh client after they left: answered at once, not after the dead clients' backlog.
      expect(await freshEcho(serve.port, c.tls, 5000)).toBeLessThan(1000);
      expect(rssMiB(pid)).toBeLessThan(100);
    } finally {
      await serve.stop();
    }
  });
});
