/**
 * The bench's native peers (native-tools/c) are real and honest: they build with the system compiler, the server
 * drops a leading PROXY header and echoes everything else (l4stress's integrity check passes through it), and the
 * client's figures add up.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNativeReference, type NativeReference } from '../../native-tools/native-build.js';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, tempDir } from '../helpers/cli.js';

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
});
