/**
 * The serve target over real sockets: streaming headers, payload kept, bad headers closed and counted, never a
 * stall.
 */

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import type { SourceTallyDoc } from '../../src/proxy/source-tally.js';
import type { TargetStats } from '../../src/serve/stats.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { freePort, type RunningProcess, startServe, waitForPort } from '../helpers/processes.js';

let serve: RunningProcess & { port: number; controlUrl: string };
beforeAll(async () => {
  serve = await startServe(['--quiet', '--proxy', 'require', '--header-timeout', '300ms']);
});
afterAll(() => serve.stop());

const stats = async (): Promise<TargetStats> =>
  (await (await fetch(`${serve.controlUrl}/stats`)).json()) as TargetStats;

/** The target counts a close when it sees it: poll until `ready` holds (bounded), then return those stats. */
async function eventuallyStats(ready: (s: TargetStats) => boolean): Promise<TargetStats> {
  for (let i = 0; i < 100; i++) {
    const s = await stats();
    if (ready(s)) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  return stats();
}

/** Writes `chunks` with a pause between each; resolves with what came back and whether the server closed. */
function exchange(
  chunks: Buffer[],
  expectBytes: number,
  pauseMs = 5,
): Promise<{ echoed: Buffer; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: serve.port });
    const got: Buffer[] = [];
    let closedByServer = false;
    const finish = (): void => {
      s.destroy();
      resolve({ echoed: Buffer.concat(got), closedByServer });
    };
    s.on('data', (d) => {
      got.push(d);
      if (Buffer.concat(got).length >= expectBytes && expectBytes > 0) finish();
    });
    s.on('end', () => {
      closedByServer = true;
      finish();
    });
    s.on('error', () => {
      closedByServer = true;
      finish();
    });
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
    setTimeout(finish, 3000);
  });
}

describe('l4stress serve', () => {
  it('parses a v2 header arriving byte by byte and echoes the payload that follows it intact', async () => {
    const header = Buffer.from('0d0a0d0a000d0a515549540a2111000c0a0000010a00000230390050', 'hex');
    const payload = Buffer.from('payload after the header');
    const bytes = Buffer.concat([header, payload]);
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    const { echoed } = await exchange(chunks, payload.length, 1);
    expect(echoed.toString()).toBe(payload.toString());
    expect((await stats()).headers['v2 PROXY TCP4']).toBeGreaterThanOrEqual(1);
  });

  it('closes a connection whose header never completes, after the header timeout, and counts it', async () => {
    const before = (await stats()).rejected['header-timeout'] ?? 0;
    const started = Date.now();
    const { closedByServer } = await exchange([Buffer.from('PROX')], 0);
    expect(closedByServer).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await stats()).rejected['header-timeout']).toBe(before + 1);
  });

  it('counts connections the client closed before or in the middle of its header, apart from rejections', async () => {
    const before = await stats();
    const closeAfter = (bytes: string): Promise<void> =>
      new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: serve.port }, () => {
          if (bytes) s.write(bytes);
          setTimeout(() => s.end(), 20);
        });
        s.on('close', () => resolve());
        s.resume();
      });
    await closeAfter('');
    await closeAfter('PROXY TCP4 1.2.');
    await closeAfter('\r\n\r\n\0\r\nQUIT');
    const after = await eventuallyStats(
      (st) => (st.abandoned['mid-header'] ?? 0) >= (before.abandoned['mid-header'] ?? 0) + 2,
    );
    expect(after.abandoned['before-header']).toBe((before.abandoned['before-header'] ?? 0) + 1);
    expect(after.abandoned['mid-header']).toBe((before.abandoned['mid-header'] ?? 0) + 2);
    expect(after.rejected).toEqual(before.rejected);
  });

  it.each([
    ['v1-bad-address', 'PROXY TCP4 999.1.1.1 1.1.1.1 1 2\r\n'],
    ['v1-too-long', `PROXY TCP4 ${'9'.repeat(200)}`],
    ['missing-header', 'GET / HTTP/1.1\r\n\r\n'],
  ])('closes a %s connection, counts it, and keeps serving', async (reason, text) => {
    const before = (await stats()).rejected[reason] ?? 0;
    const { closedByServer, echoed } = await exchange([Buffer.from(text)], 0);
    expect(closedByServer).toBe(true);
    expect(echoed.length).toBe(0);
    expect((await stats()).rejected[reason]).toBe(before + 1);
    const ok = await exchange([Buffer.from('PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\nok')], 2);
    expect(ok.echoed.toString()).toBe('ok');
  });

  it('reports distinct claimed sources and resets its window on request', async () => {
    await exchange([Buffer.from('PROXY TCP4 192.0.2.1 2.2.2.2 1000 2\r\nx')], 1);
    const sources = (await (await fetch(`${serve.controlUrl}/sources`)).json()) as SourceTallyDoc;
    expect(sources.counts['192.0.2.1:1000']).toBe(1);
    expect(sources.digest.count).toBe(Object.values(sources.counts).reduce((a, b) => a + b, 0));
    await fetch(`${serve.controlUrl}/reset`, { method: 'POST' });
    const after = await stats();
    expect(after.accepted).toBe(0);
    expect(after.distinctSources).toBe(0);
  });
});

describe('serve echo under a client that never reads', () => {
  it('stops reading once its replies back up: the client stalls, the server does not grow', async () => {
    const server = await startServe(['--quiet', '--proxy', 'none']);
    try {
      const before = (await (await fetch(`${server.controlUrl}/stats`)).json()) as { maxRssBytes: number };
      const socket = net.connect(server.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.pause(); // never read the echoes
      const chunk = Buffer.alloc(1024 * 1024, 7);
      let written = 0;
      const deadline = Date.now() + 3000;
      // Bounded: at most 256 MiB or 3 s; write only while the kernel takes it.
      while (written < 256 * chunk.length && Date.now() < deadline) {
        if (socket.write(chunk)) written += chunk.length;
        else await Promise.race([new Promise((r) => socket.once('drain', r)), new Promise((r) => setTimeout(r, 200))]);
      }
      const after = (await (await fetch(`${server.controlUrl}/stats`)).json()) as {
        maxRssBytes: number;
        bytesIn: number;
      };
      socket.destroy();
      // Without backpressure the server read all 256 MiB and held it as unsent replies.
      expect(written).toBeLessThan(64 * chunk.length);
      expect(after.bytesIn).toBeLessThan(64 * chunk.length);
      expect(after.maxRssBytes - before.maxRssBytes).toBeLessThan(100 * 1024 * 1024);
    } finally {
      await server.stop();
    }
  });
});

describe('the header size bound: one rule for the generator and its targets', () => {
  it('the embedded target accepts the long v2 headers its own generator sends (3,000 B of TLVs)', async () => {
    const out = path.join(tempDir(), 'long-tlv.json');
    const run = await runCli([
      ...['--conns', '5', '--duration', '300ms', '--warmup', '0s', '--proxy', 'v2', '--proxy-tlv', 'noop=3000'],
      ...['--quiet', '--out', out],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(r.target.stats?.headers['v2 PROXY TCP4']).toBe(5);
    expect(r.target.stats?.rejected).toEqual({});
  });

  it('serve refuses them past its --max-header (v2-too-long), and accepts them when raised', async () => {
    for (const [limit, accepted] of [
      ['2048', false],
      ['4KiB', true],
    ] as const) {
      const target = await startServe(['--quiet', '--max-header', limit]);
      const run = await runCli([
        ...['--target', `127.0.0.1:${target.port}`, '--conns', '3', '--duration', '300ms', '--warmup', '0s'],
        ...['--proxy', 'v2', '--proxy-tlv', 'noop=3000', '--quiet', '--connect-timeout', '1s', '--ramp-timeout', '2s'],
        ...['--out', path.join(tempDir(), `limit-${limit}.json`)],
      ]);
      const st = (await (await fetch(`${target.controlUrl}/stats`)).json()) as TargetStats;
      await target.stop();
      if (accepted) {
        expect(run.code, run.stderr).toBe(0);
        expect(st.headers['v2 PROXY TCP4']).toBe(3);
      } else {
        expect(run.code).not.toBe(0);
        expect(st.rejected['v2-too-long']).toBe(3);
        expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
      }
    }
  });
});

describe('serve --tls against a TLS slowloris', () => {
  it('closes sessions whose ClientHello never completes after --tls-timeout (with or without a header)', async () => {
    const tlsServe = await startServe(['--quiet', '--tls', '--tls-timeout', '500ms']);
    try {
      // The first bytes of a ClientHello record (type 22, TLS 1.0 record version, a length never delivered).
      const partialHello = Buffer.from('160301020001', 'hex');
      const v1 = Buffer.from('PROXY TCP4 10.0.0.1 10.0.0.2 1000 443\r\n');
      const clients = Array.from({ length: 40 }, (_, i) => {
        const s = net.connect({ host: '127.0.0.1', port: tlsServe.port });
        s.on('error', () => {});
        s.on('connect', () => s.write(i % 2 === 0 ? partialHello : Buffer.concat([v1, partialHello])));
        return new Promise<number>((resolve) => {
          const t0 = Date.now();
          s.on('close', () => resolve(Date.now() - t0));
          setTimeout(() => resolve(-1), 5000);
        });
      });
      const closedAfter = await Promise.all(clients);
      expect(closedAfter.filter((ms) => ms < 0)).toEqual([]);
      expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(400);
      const s = (await (await fetch(`${tlsServe.controlUrl}/stats`)).json()) as TargetStats;
      expect(s.tlsFailed.TLS_TIMEOUT).toBe(40);
      expect(s.open).toBe(0);
    } finally {
      await tlsServe.stop();
    }
  });
});

describe('serve --dump-sources is never lost', () => {
  it('a path that cannot be written is exit 3 at start, one line', async () => {
    const run = await runCli(['serve', '--port', '0', '--dump-sources', '/proc/sys/l4stress-sources.txt']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^l4stress: --dump-sources \(its folder\) '\/proc\/sys' cannot be written/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a folder that vanished while serving: SIGTERM writes the fallback file, says where, exits 0', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'gone', 'sources.txt');
    const port = await freePort();
    const serving = startCli(['serve', '--port', String(port), '--proxy', 'require', '--dump-sources', file]);
    await waitForPort(port);
    await exchangeWith(port, Buffer.from('PROXY TCP4 10.1.2.3 10.0.0.2 4000 443\r\nhi'));
    // The folder becomes a plain file: the dump can no longer go where it was asked.
    rmSync(path.join(dir, 'gone'), { recursive: true, force: true });
    writeFileSync(path.join(dir, 'gone'), 'not a folder');
    serving.child.kill('SIGTERM');
    const run = await serving.done;
    expect(run.code, run.stderr).toBe(0);
    const fallback = /written to '([^']+)' instead/.exec(run.stderr)?.[1];
    expect(fallback, run.stderr).toBeDefined();
    expect(readFileSync(fallback!, 'utf8')).toBe('10.1.2.3:4000 1\n');
  });
});

function exchangeWith(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    s.on('data', () => s.end());
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}
