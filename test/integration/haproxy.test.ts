/**
 * PROXY protocol interop with a real HAProxy (Debian package): HAProxy reads our headers, writes its own to our
 * target, and carries the claimed client addresses end to end. HAProxy's own log is the oracle in the first group.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { assignEndpoint, compileAddress, parseAddressSpec } from '../../src/proxy/addresses.js';
import { endpointKey } from '../../src/proxy/header.js';
import type { TargetStats } from '../../src/serve/stats.js';
import { runCli, tempDir } from '../helpers/cli.js';
import {
  eventually,
  freePort,
  HAPROXY_BASE,
  type RunningProcess,
  startHaproxy,
  startServe,
} from '../helpers/processes.js';

const CONNS = 1000;
const dir = tempDir();
let running: RunningProcess[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop()));
  running = [];
});

const read = (file: string): RunResult => JSON.parse(readFileSync(file, 'utf8')) as RunResult;
const stats = async (url: string): Promise<TargetStats> => (await (await fetch(`${url}/stats`)).json()) as TargetStats;

/** `%ci:%cp` as HAProxy logs it (IPv6 without brackets) to our `addr:port` / `[v6]:port` keys. */
function logKey(line: string): string {
  const i = line.lastIndexOf(':');
  return endpointKey({ address: line.slice(0, i), port: Number(line.slice(i + 1)) });
}

describe('l4stress -> HAProxy accept-proxy: HAProxy logs exactly the addresses l4stress assigned', () => {
  it.each([
    ['v1', '2001:db8:1::/64'],
    ['v1', '10.0.0.0/8'],
    ['v2', '10.0.0.0/8'],
    ['v2', '2001:db8:2::/48'],
  ] as const)('%s with pool %s, 1,000 connections, zero errors', async (version, cidr) => {
    const backend = await startServe(['--quiet']);
    running.push(backend);
    const front = await freePort();
    const haproxy = await startHaproxy(
      `${HAPROXY_BASE}
frontend fe
  bind 127.0.0.1:${front} accept-proxy
  log-format "%ci:%cp"
  default_backend be

backend be
  server s1 127.0.0.1:${backend.port}
`,
      front,
    );
    running.push(haproxy);

    const out = path.join(dir, `accept-${version}-${cidr.replace(/[/:]/g, '_')}.json`);
    const run = await runCli([
      '--target',
      `127.0.0.1:${front}`,
      '--conns',
      String(CONNS),
      '--proxy',
      version,
      '--proxy-src',
      cidr,
      '--seed',
      '1234',
      '--duration',
      '1s',
      '--warmup',
      '0s',
      '--quiet',
      '--out',
      out,
    ]);
    const result = read(out);
    expect(run.code, run.stderr).toBe(0);
    expect(result.connections.established).toBe(CONNS);
    expect(result.connections.failed.total + result.connections.dropped.total).toBe(0);
    expect(result.latency.roundTripUs.count).toBeGreaterThan(0);

    // HAProxy logs a TCP session when it ends: wait for every line before stopping it.
    await eventually(() => haproxy.lines().length >= CONNS);
    await haproxy.stop();
    const logged = haproxy.lines().map(logKey).sort();
    const pool = compileAddress(parseAddressSpec('--proxy-src', cidr));
    const assigned = Array.from({ length: CONNS }, (_, id) =>
      endpointKey(assignEndpoint(pool, 1234, id, { address: '', port: 0 })),
    ).sort();
    expect(logged).toHaveLength(CONNS);
    expect(logged).toEqual(assigned);
  });
});

describe('HAProxy send-proxy -> l4stress serve', () => {
  it.each([
    ['send-proxy', 'v1 PROXY TCP4'],
    ['send-proxy-v2 proxy-v2-options unique-id,crc32c', 'v2 PROXY TCP4'],
  ])('%s: every header parsed, CRC32C verified, health checks counted apart', async (serverOptions, key) => {
    const backend = await startServe(['--quiet', '--proxy', 'require']);
    running.push(backend);
    const front = await freePort();
    const haproxy = await startHaproxy(
      `${HAPROXY_BASE}
frontend fe
  bind 127.0.0.1:${front}
  unique-id-format %{+X}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid
  default_backend be

backend be
  server s1 127.0.0.1:${backend.port} ${serverOptions} check check-send-proxy inter 100ms
`,
      front,
    );
    running.push(haproxy);

    const out = path.join(dir, `send-${key.replace(/ /g, '_')}.json`);
    const run = await runCli([
      '--target',
      `127.0.0.1:${front}`,
      '--conns',
      '200',
      '--duration',
      '1s',
      '--warmup',
      '0s',
      '--quiet',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    // Health checks keep arriving: read a snapshot in which every accepted connection has delivered its header
    // (one taken while a check is connected but has not written yet would be off by one).
    let s = await stats(backend.controlUrl);
    const sum = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);
    for (let i = 0; i < 40 && sum(s.headers) + sum(s.rejected) + s.noHeader !== s.accepted; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await stats(backend.controlUrl);
    }
    expect(s.rejected).toEqual({});
    expect(s.noHeader).toBe(0);
    const healthChecks = s.accepted - 200;
    expect(healthChecks).toBeGreaterThan(0);
    if (key.startsWith('v1')) {
      // v1 has no LOCAL command: HAProxy's checks send a PROXY TCP4 line with their own addresses.
      expect(s.headers).toEqual({ [key]: s.accepted });
    } else {
      expect(s.headers[key]).toBe(200);
      // Every proxied connection carries a unique-id and a CRC32C that verified; health checks say LOCAL.
      expect(s.tlvs['unique-id']).toBeGreaterThanOrEqual(200);
      expect(s.crcVerified).toBe(s.tlvs.crc32c);
      expect(s.crcVerified).toBeGreaterThanOrEqual(200);
      const local = Object.entries(s.headers)
        .filter(([k]) => k.startsWith('v2 LOCAL'))
        .reduce((n, [, v]) => n + v, 0);
      expect(local).toBe(healthChecks);
    }
  });
});

describe('address preservation end to end: l4stress -> HAProxy accept-proxy/send-proxy-v2 -> l4stress serve', () => {
  async function chain(sendProxy: boolean): Promise<{ run: Awaited<ReturnType<typeof runCli>>; result: RunResult }> {
    const backend = await startServe(['--quiet']);
    running.push(backend);
    const front = await freePort();
    running.push(
      await startHaproxy(
        `${HAPROXY_BASE}
frontend fe
  bind 127.0.0.1:${front} accept-proxy
  default_backend be

backend be
  server s1 127.0.0.1:${backend.port}${sendProxy ? ' send-proxy-v2' : ''}
`,
        front,
      ),
    );
    const out = path.join(dir, `chain-${sendProxy}.json`);
    const run = await runCli([
      '--target',
      `127.0.0.1:${front}`,
      '--conns',
      String(CONNS),
      '--proxy',
      'v2',
      '--proxy-src',
      '10.0.0.0/8',
      '--verify-proxy',
      backend.controlUrl,
      '--duration',
      '1s',
      '--warmup',
      '0s',
      '--out',
      out,
    ]);
    return { run, result: read(out) };
  }

  it('a correct chain: every claimed source arrives, zero mismatches', async () => {
    const { run, result } = await chain(true);
    expect(run.code, run.stderr).toBe(0);
    expect(result.proxy.verify).toMatchObject({
      ok: true,
      sent: CONNS,
      seen: CONNS,
      matched: CONNS,
      missing: 0,
      unexpected: 0,
      error: null,
    });
    expect(run.stdout).toMatch(/verify {7}OK: sent 1,000, seen 1,000, matched 1,000, missing 0, unexpected 0/);
  });

  it('a broken chain (no send-proxy) is reported as mismatches and exit 4, not as success', async () => {
    const { run, result } = await chain(false);
    expect(run.code).toBe(4);
    expect(result.status).toBe('completed-with-errors');
    expect(result.proxy.verify).toMatchObject({ ok: false, sent: CONNS, seen: 0, matched: 0, missing: CONNS });
    expect(run.stdout).toMatch(/verify {7}FAILED/);
    expect(result.warnings.join('\n')).toMatch(/address preservation failed: 1000 claimed sources missing/);
  });
});
