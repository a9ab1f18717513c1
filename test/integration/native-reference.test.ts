/**
 * The bench's native peers (native-tools/c) are real and honest: they build with the system compiler, the server
 * drops a leading PROXY header and echoes everything else (l4stress's integrity check passes through it), the
 * client's figures add up, and the churn client's cycles are what the bench says they are: each sends a
 * well-formed PROXY header claiming its own fresh source port, gets its echo, and closes cleanly.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNativeReference, type NativeReference } from '../../native-tools/native-build.js';
import type { RunResult } from '../../src/documents/result.js';
import type { SourceTallyDoc } from '../../src/proxy/source-tally.js';
import type { TargetStats } from '../../src/serve/stats.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startServe } from '../helpers/processes.js';

let native: NativeReference;
let port = 0;
let stopServer = (): void => {};

beforeAll(async () => {
  const built = await buildNativeReference();
  if ('unavailable' in built) throw new Error(built.unavailable);
  native = built;
  const child = spawn(native.server, ['127.0.0.1', '0', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  stopServer = () => child.kill('SIGKILL');
  port = await new Promise<number>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(Number(/listening \S+ (\d+)/.exec(String(d))![1]))),
  );
});
afterAll(() => stopServer());

describe('native reference peers', () => {
  it.each(['none', 'v1', 'v2'])(
    'l4stress through the native server with proxy %s: every echo verified',
    async (proxy) => {
      const out = `${tempDir()}/r.json`;
      const r = await runCli([
        '--target',
        `127.0.0.1:${port}`,
        '-c',
        '20',
        '-d',
        '1s',
        '--warmup',
        '0s',
        '--proxy',
        proxy,
        '--out',
        out,
        '--quiet',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const result = (await import(out, { with: { type: 'json' } })).default as RunResult;
      expect(result.modeStats.integrity.verified).toBeGreaterThan(100);
      expect(result.modeStats.integrity.corrupted).toBe(0);
      expect(result.modeStats.integrity.bytesLostAtClose).toBe(0);
    },
  );

  it('the native client establishes every connection and counts round trips', async () => {
    const out = await new Promise<string>((resolve) => {
      const c = spawn(native.client, ['127.0.0.1', String(port), '50', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      c.stdout.on('data', (d) => (text += d));
      c.on('close', () => resolve(text));
    });
    const r = JSON.parse(out) as {
      established: number;
      failed: number;
      roundTrips: number;
      seconds: number;
      p50Us: number;
      p99Us: number;
    };
    expect(r.established).toBe(50);
    expect(r.failed).toBe(0);
    expect(r.roundTrips).toBeGreaterThan(1000);
    expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us);
    expect(r.seconds).toBeGreaterThanOrEqual(1);
  });

  it.each(['v1', 'v2'])(
    'the churn client, 10 in flight for 1 s, PROXY %s: every cycle a parsed header with its own port, no error',
    async (proxy) => {
      // `serve --proxy require` parses every header with the project's parser and closes a connection without a
      // well-formed one (counted in `rejected`): a header the churn client got wrong fails here.
      const serve = await startServe(['--quiet', '--proxy', 'require']);
      try {
        const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
          const args = ['-n', '10', '-t', '1', '-s', '64', '-p', proxy, '127.0.0.1', String(serve.port)];
          const c = spawn(native.churn, args, { stdio: ['ignore', 'pipe', 'inherit'] });
          let text = '';
          c.stdout.on('data', (d) => (text += d));
          c.on('close', (code) => resolve({ code, text }));
        });
        const r = JSON.parse(out.text) as { cycles: number; errors: number; resetAfterFin: number; seconds: number };
        expect(out.code).toBe(0);
        expect(r.errors).toBe(0);
        expect(r.resetAfterFin).toBe(0);
        expect(r.cycles).toBeGreaterThan(100);
        expect(r.seconds).toBeGreaterThanOrEqual(1);
        const stats = (await (await fetch(`${serve.controlUrl}/stats`)).json()) as TargetStats;
        const sources = (await (await fetch(`${serve.controlUrl}/sources`)).json()) as SourceTallyDoc;
        expect(stats.rejected).toEqual({});
        // Every counted cycle's header was parsed; at most the 10 in flight at the stop came on top.
        const headers = stats.headers[`${proxy} PROXY TCP4`] ?? 0;
        expect(headers).toBeGreaterThanOrEqual(r.cycles);
        expect(headers).toBeLessThanOrEqual(r.cycles + 10);
        // The header claims the socket's own address and its ephemeral port (no bind): fresh ports (the kernel may
        // come back to a port once it went round its range, hence no exact count), all inside that range.
        const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
        const keys = Object.keys(sources.counts);
        expect(keys.length).toBeGreaterThan(Math.min(r.cycles / 2, 1000));
        for (const key of keys) {
          const [address, port] = key.split(':');
          expect(address).toBe('127.0.0.1');
          expect(Number(port)).toBeGreaterThanOrEqual(Number(low));
          expect(Number(port)).toBeLessThanOrEqual(Number(high));
        }
      } finally {
        await serve.stop();
      }
    },
  );
});
