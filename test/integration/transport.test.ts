/**
 * The two socket layers a session can run on (workers/tcp-link.ts): bare libuv handles for plain TCP to an
 * address, net.Socket for a target given by name (and TLS). The same servers on loopback, the same run, both
 * layers: the same sessions, the same integrity, the same errors by kind when the peer closes or resets.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startServe } from '../helpers/processes.js';
import { resultValidator } from '../helpers/schema.js';

const dir = tempDir();
const validate = resultValidator();
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An echo server on `host`; `after(socket)` runs once per connection, after its first echo. */
async function echoServer(host: string, after?: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    let first = true;
    socket.on('data', (d) => {
      socket.write(d);
      if (first && after) setTimeout(() => after(socket), 200);
      first = false;
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

async function run(
  target: string,
  name: string,
  extra: string[] = [],
  code = 0,
  nodeArgs: string[] = [],
): Promise<RunResult> {
  const out = path.join(dir, `${name}.json`);
  const args = ['--target', target, '-c', '20', '-d', '1s', '--warmup', '0s', ...extra, '--out', out];
  const r = await runCli(args, { nodeArgs });
  expect(r.code, r.stderr).toBe(code);
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  expect(validate(result)).toEqual([]);
  return result;
}

describe('socket layers', () => {
  it('an address runs on bare handles (IPv4, IPv6), a name on net.Socket: same sessions, same integrity', async () => {
    const v4 = await echoServer('127.0.0.1');
    const v6 = await echoServer('::1');
    const byAddress = await run(`127.0.0.1:${v4}`, 'v4');
    const byV6 = await run(`[::1]:${v6}`, 'v6');
    const byName = await run(`localhost:${v4}`, 'name');
    expect(byAddress.totals.bareHandleSessions).toBe(20);
    expect(byV6.totals.bareHandleSessions).toBe(20);
    expect(byName.totals.bareHandleSessions).toBe(0);
    for (const r of [byAddress, byV6, byName]) {
      expect(r.connections.established).toBe(20);
      expect(r.connections.dropped.total).toBe(0);
      expect(r.modeStats.integrity.verified).toBeGreaterThan(100);
      expect(r.modeStats.integrity).toMatchObject({ corrupted: 0, duplicated: 0, outOfOrder: 0, missing: 0 });
      expect(r.totals.bytesLostAtClose).toBe(0);
    }
  });

  it.each([
    ['closes (FIN)', 'EOF', (s: net.Socket) => s.end()],
    ['resets (RST)', 'ECONNRESET', (s: net.Socket) => s.resetAndDestroy()],
  ])('a peer that %s mid-run: every session dropped as %s on both layers', async (_what, kind, after) => {
    const port = await echoServer('127.0.0.1', after);
    for (const [layer, host] of [
      ['handles', '127.0.0.1'],
      ['socket', 'localhost'],
    ]) {
      const r = await run(`${host}:${port}`, `drop-${kind}-${layer}`, [], 4);
      expect(r.totals.bareHandleSessions, layer).toBe(layer === 'handles' ? 20 : 0);
      expect(r.connections.established, layer).toBe(20);
      expect(r.connections.dropped.byKind, layer).toEqual({ [kind]: 20 });
    }
  });

  it('serve on bare handles over IPv6: v2 headers parsed, sessions echoed, the target counts them', async () => {
    const serve = await startServe(['--quiet', '--host', '::1', '--proxy', 'require']);
    try {
      const r = await run(`[::1]:${serve.port}`, 'serve-v6', ['--proxy', 'v2']);
      expect(r.totals.bareHandleSessions).toBe(20);
      expect(r.connections.established).toBe(20);
      expect(r.modeStats.integrity.verified).toBeGreaterThan(100);
      expect(r.totals.bytesLostAtClose).toBe(0);
      const stats = (await (await fetch(`${serve.controlUrl}/stats`)).json()) as {
        accepted: number;
        headers: Record<string, number>;
        rejected: Record<string, number>;
      };
      expect(stats.accepted).toBe(20);
      expect(stats.headers).toEqual({ 'v2 PROXY TCP6': 20 });
      expect(stats.rejected).toEqual({});
    } finally {
      await serve.stop();
    }
  });

  // Bare handles are Node's internal API: what keeps their buffers and requests alive is our code's job. A collector
  // that runs every few thousand allocations (V8's --gc-interval) moves and frees whatever is left unreferenced,
  // so a dangling buffer or request shows as corrupted echoes or a crash (exit 134) instead of hiding for weeks.
  it('generator and target on bare handles survive a collector that runs every few thousand allocations', async () => {
    const gcStress = ['--gc-interval=3000'];
    const serve = await startServe(['--quiet', '--proxy', 'accept'], undefined, gcStress);
    try {
      const r = await run(`127.0.0.1:${serve.port}`, 'gc-stress', ['-c', '100', '--proxy', 'v2'], 0, gcStress);
      expect(r.totals.bareHandleSessions).toBe(100);
      expect(r.connections.established).toBe(100);
      expect(r.modeStats.integrity.verified).toBeGreaterThan(1000);
      expect(r.modeStats.integrity).toMatchObject({ corrupted: 0, duplicated: 0, outOfOrder: 0, missing: 0 });
      expect(r.totals.bytesLostAtClose).toBe(0);
      expect(serve.child.exitCode, serve.stderr()).toBeNull();
    } finally {
      await serve.stop();
    }
  });
});
