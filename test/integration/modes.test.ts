/** Each load mode end to end on loopback, against the embedded target or a small real server of the test's own. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { resultValidator } from '../helpers/schema.js';

const dir = tempDir();
const validate = resultValidator();

async function run(args: string[], expectCode = 0): Promise<RunResult> {
  const out = path.join(dir, `${args.join('_').replace(/[^\w-]+/g, '')}.json`);
  const r = await runCli([...args, '--out', out, '--quiet']);
  expect(r.code, r.stderr).toBe(expectCode);
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  expect(validate(result)).toEqual([]);
  return result;
}

describe('modes', () => {
  it('echo, open loop: sends at the intended rate, reports corrected and service latency', async () => {
    const r = await run(['--conns', '50', '--rate', '2000', '--duration', '2s', '--warmup', '500ms']);
    expect(r.throughput.roundTripsPerSecond).toBeGreaterThan(1800);
    expect(r.throughput.roundTripsPerSecond).toBeLessThan(2200);
    expect(r.latency.serviceUs!.count).toBe(r.latency.roundTripUs.count);
    expect(r.latency.serviceUs!.p50!).toBeLessThanOrEqual(r.latency.roundTripUs.p50!);
    expect(r.modeStats.openLoop).toMatchObject({ intendedPerSecond: 2000, missed: 0 });
    expect(r.modeStats.integrity.verified).toBeGreaterThan(3000);
  });

  it('hold: every session stays up and is pinged at its interval', async () => {
    const r = await run([
      '--mode',
      'hold',
      '--conns',
      '500',
      '--ping-interval',
      '250ms',
      '--duration',
      '2s',
      '--warmup',
      '0s',
    ]);
    expect(r.modeStats.hold).toEqual({ pingIntervalMs: 250, held: 500, target: 500 });
    // 500 sessions x 4 pings/s x 2 s
    expect(r.latency.roundTripUs.count).toBeGreaterThan(3600);
    expect(r.latency.roundTripUs.count).toBeLessThan(4400);
    expect(r.connections.dropped.total).toBe(0);
  });

  it.each([
    ['up', 'bytesSentPerSecond'],
    ['down', 'bytesReceivedPerSecond'],
    ['both', 'bytesReceivedPerSecond'],
  ] as const)('stream %s moves bytes that way and reports fairness across connections', async (direction, field) => {
    const r = await run([
      '--mode',
      'stream',
      '--direction',
      direction,
      '--conns',
      '4',
      '--duration',
      '1s',
      '--warmup',
      '0s',
    ]);
    expect(r.throughput[field]).toBeGreaterThan(10 * 1024 * 1024);
    const f = r.modeStats.stream!.perConnectionBytesPerSecond;
    expect(f.connections).toBe(4);
    expect(f.min).toBeGreaterThan(0);
    expect(f.min).toBeLessThanOrEqual(f.median);
    expect(f.median).toBeLessThanOrEqual(f.max);
  });

  it.each(['fin', 'rst'])('connect (churn) with %s closes: cycles per second, no failures', async (close) => {
    const r = await run([
      '--mode',
      'connect',
      '--conns',
      '20',
      '--close',
      close,
      '--proxy',
      'v1',
      '--duration',
      '1s',
      '--warmup',
      '0s',
    ]);
    expect(r.modeStats.churn!.cyclesPerSecond).toBeGreaterThan(100);
    // Every established connection completed its cycle, but for those the stop closed mid-cycle (at most --conns).
    expect(r.modeStats.churn!.cycles).toBeGreaterThanOrEqual(r.connections.established - 20);
    expect(r.modeStats.churn!.cycles).toBeLessThanOrEqual(r.connections.established);
    expect(r.connections.failed.total).toBe(0);
    const headers = r.target.stats!.headers['v1 PROXY TCP4'];
    // With FIN every header is read; an RST close may reach the target before it reads the header, which the
    // kernel then discards: that is what RST closes do, and why the summary says which style was used.
    if (close === 'fin') expect(headers).toBe(r.connections.established);
    else {
      expect(headers).toBeGreaterThan(0);
      expect(headers).toBeLessThanOrEqual(r.connections.established);
    }
  });

  it('connect with --churn-echo verifies one echo per cycle', async () => {
    const r = await run(['--mode', 'connect', '--conns', '10', '--churn-echo', '--duration', '1s', '--warmup', '0s']);
    expect(r.modeStats.integrity.verified).toBeGreaterThanOrEqual(r.modeStats.churn!.cycles);
    expect(r.modeStats.integrity.corrupted + r.modeStats.integrity.missing).toBe(0);
  });
});

describe('scale', () => {
  it('--source-ips spreads connections over local addresses', async () => {
    const seen = new Map<string, number>();
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      seen.set(s.remoteAddress!, (seen.get(s.remoteAddress!) ?? 0) + 1);
      s.on('data', (d) => s.write(d));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as net.AddressInfo;
      await run([
        '--target',
        `127.0.0.1:${port}`,
        '--source-ips',
        '127.0.0.2-127.0.0.4',
        '--conns',
        '300',
        '--duration',
        '500ms',
        '--warmup',
        '0s',
      ]);
      expect(Object.fromEntries(seen)).toEqual({ '127.0.0.2': 100, '127.0.0.3': 100, '127.0.0.4': 100 });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('churn from bound source addresses with FIN closes is warned about (TIME_WAIT ports are not reused)', async () => {
    const r = await run([
      '--mode',
      'connect',
      '--conns',
      '5',
      '--source-ips',
      '127.0.0.5',
      '--duration',
      '500ms',
      '--warmup',
      '0s',
    ]);
    expect(r.warnings.join('\n')).toMatch(/--source-ips and FIN closes: .* use --close rst/);
  });

  it('--processes 2 runs the workers in two generator processes and merges them exactly', async () => {
    const r = await run([
      '--conns',
      '400',
      '--processes',
      '2',
      '--workers',
      '1',
      '--duration',
      '1s',
      '--proxy',
      'v2',
      '--proxy-src',
      '10.0.0.0/8',
      '--verify-proxy',
    ]);
    expect(r.resources.generator.processes).toBe(2);
    expect(r.resources.watched.filter((w) => w.role === 'generator')).toHaveLength(2);
    expect(r.connections.established).toBe(400);
    expect(r.proxy.verify).toMatchObject({ ok: true, sent: 400, matched: 400 });
    expect(r.resources.generator.memoryPerConnectionBytes).not.toBeNull();
  });
});
