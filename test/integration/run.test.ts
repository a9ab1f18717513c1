/**
 * End-to-end runs of the built CLI against real sockets on loopback: the embedded target, an external target,
 * a closed port, and a target that breaks connections. Asserts on the result file, validated against the schema.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { CLI, runCli, startCli, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/processes.js';
import { resultValidator } from '../helpers/schema.js';

const validate = resultValidator();
const dir = tempDir();
const read = (file: string): RunResult => JSON.parse(readFileSync(file, 'utf8')) as RunResult;

function expectValid(result: RunResult): void {
  expect(validate(result)).toEqual([]);
}

describe.each(['none', 'v1', 'v2'] as const)('200 connections x 2 s against the embedded target, proxy %s', (proxy) => {
  let result: RunResult;
  let code: number | null;
  beforeAll(async () => {
    const out = path.join(dir, `embedded-${proxy}.json`);
    const run = await runCli([
      '--conns',
      '200',
      '--duration',
      '2s',
      '--warmup',
      '500ms',
      '--proxy',
      proxy,
      '--seed',
      '7',
      '--out',
      out,
    ]);
    code = run.code;
    expect(run.stderr).not.toMatch(/\n\s+at /);
    result = read(out);
  });

  it('completes with exit 0 and a result that matches the schema', () => {
    expect(code).toBe(0);
    expect(result.status).toBe('completed');
    expectValid(result);
  });

  it('establishes every connection with no errors and keeps them for the whole run', () => {
    expect(result.connections.established).toBe(200);
    expect(result.connections.peak).toBe(200);
    expect(result.connections.failed.total).toBe(0);
    expect(result.connections.dropped.total).toBe(0);
    expect(result.timeline.filter((r) => r.phase === 'measure').every((r) => r.open === 200)).toBe(true);
  });

  it('measures round trips with ordered percentiles', () => {
    const rt = result.latency.roundTripUs;
    expect(rt.count).toBeGreaterThan(0);
    expect(result.throughput.roundTrips).toBe(rt.count);
    expect(rt.p50!).toBeLessThanOrEqual(rt.p99!);
    expect(rt.p99!).toBeLessThanOrEqual(rt.max!);
    expect(result.latency.connectUs.count).toBe(200);
    expect(result.totals.messagesReceived).toBeGreaterThanOrEqual(rt.count);
    expect(result.totals.bytesReceived).toBe(result.totals.messagesReceived * 64 + (result.totals.bytesReceived % 64));
  });

  it('the target parsed exactly the headers that were sent', () => {
    const stats = result.target.stats!;
    expect(stats.accepted).toBe(200);
    if (proxy === 'none') {
      expect(stats.headers).toEqual({});
      expect(stats.noHeader).toBe(200);
      expect(result.proxy.headersSent).toBe(0);
    } else {
      const key = `${proxy === 'v1' ? 'v1' : 'v2'} PROXY TCP4`;
      expect(stats.headers).toEqual({ [key]: 200 });
      expect(result.proxy.headersSent).toBe(200);
      // Every connection had its own source port, so the target saw 200 distinct sources.
      expect(stats.distinctSources).toBe(200);
      expect(stats.rejected).toEqual({});
    }
  });

  it("records the run's identity: seed, config, environment, encoded histograms", () => {
    expect(result.seed).toBe(7);
    expect(result.config.conns).toBe(200);
    expect(result.environment.cores).toBeGreaterThan(0);
    expect(result.histograms.roundTripUs.length).toBeGreaterThan(10);
    expect(result.resources.generator.maxRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(result.resources.target!.maxRssBytes).toBeGreaterThan(0);
    expect(result.phases.measuredMs).toBeGreaterThanOrEqual(1900);
  });
});

describe('a target that is down is data, not a crash', () => {
  it('counts every refused connection, writes the result and exits 3', async () => {
    const port = await freePort();
    const out = path.join(dir, 'closed.json');
    const run = await runCli(['--target', `127.0.0.1:${port}`, '--conns', '50', '--duration', '1s', '--out', out]);
    expect(run.code).toBe(3);
    const result = read(out);
    expectValid(result);
    expect(result.status).toBe('unreachable');
    expect(result.connections.established).toBe(0);
    expect(result.connections.failed).toEqual({ total: 50, byKind: { ECONNREFUSED: 50 } });
    expect(result.latency.roundTripUs.count).toBe(0);
    expect(run.stdout).toMatch(/failed 50 \(ECONNREFUSED 50\)/);
  });
});

describe('a target that breaks some sessions', () => {
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    // A real echo server that resets every third connection once it has echoed its first message.
    let n = 0;
    server = net.createServer((s) => {
      const breakIt = n++ % 3 === 0;
      s.on('error', () => {});
      s.once('data', (d) => {
        s.write(d);
        if (breakIt) setTimeout(() => s.resetAndDestroy(), 600);
        else s.on('data', (more) => s.write(more));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('finishes, counts the drops by kind and exits 4', async () => {
    const out = path.join(dir, 'breaking.json');
    const run = await runCli([
      '--target',
      `127.0.0.1:${port}`,
      '--conns',
      '30',
      '--duration',
      '1500ms',
      '--warmup',
      '0s',
      '--out',
      out,
      '--quiet',
    ]);
    expect(run.code).toBe(4);
    const result = read(out);
    expectValid(result);
    expect(result.status).toBe('completed-with-errors');
    expect(result.connections.established).toBe(30);
    expect(result.connections.dropped.total).toBe(10);
    expect(result.connections.dropped.byKind.ECONNRESET).toBe(10);
    expect(result.target.kind).toBe('external');
    expect(result.target.stats).toBeNull();
  });
});

describe('Ctrl-C', () => {
  it('stops the run, still writes the result atomically, and exits 130', async () => {
    const resultsDir = tempDir();
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [CLI, '--conns', '20', '--duration', '60s', '--results-dir', resultsDir, '--quiet', '--metrics-port', `${port}`],
      { stdio: 'ignore' },
    );
    await runIsUp(port, 'warmup|measure');
    child.kill('SIGINT');
    // Bounded: a run that ignores SIGINT must fail this test, not linger and load the machine.
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    clearTimeout(killer);
    expect(code).toBe(130);
    const files = readdirSync(resultsDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-echo-c20-none\.json$/);
    const result = read(path.join(resultsDir, files[0]));
    expectValid(result);
    expect(result.status).toBe('interrupted');
    expect(result.connections.established).toBe(20);
    // The embedded target ignored the terminal's SIGINT and still reported what it saw.
    expect(result.target.stats?.accepted).toBe(20);
  });
});

describe('Ctrl-C before the load is up: said as an interruption, never as a ramp timeout', () => {
  it.each([
    [
      'during a paced ramp (--connect-rate 20)',
      ['--conns', '200', '--connect-rate', '20'],
      /interrupted during the ramp-up \(\d+ of 200 established\)/,
    ],
    [
      'while held by --start-at',
      ['--conns', '20', '--start-at', new Date(Date.now() + 3_600_000).toISOString()],
      /interrupted while waiting for --start-at/,
    ],
  ])('%s', async (_label, args, message) => {
    const out = path.join(dir, `sigint-${Math.random().toString(36).slice(2)}.json`);
    const port = await freePort();
    const running = startCli([...args, '--duration', '5s', '--out', out, '--quiet', '--metrics-port', String(port)]);
    // Not a fixed delay: on a busy machine the CLI may not have its handlers yet (a SIGINT then kills it, code
    // null). The metrics endpoint listens only after they are installed; the ramp case also waits for the ramp.
    await runIsUp(port, args.includes('--start-at') ? null : 'ramp');
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.code).toBe(130);
    const result = read(out);
    expect(result.status).toBe('interrupted');
    expect(result.phases.rampTimedOut).toBe(false);
    expect(result.warnings.join('\n')).toMatch(message);
    expect(result.warnings.join('\n')).not.toMatch(/did not finish within|stalled/);
  });
});

describe('--json', () => {
  it('prints the result document alone on stdout', async () => {
    const out = path.join(dir, 'json.json');
    const run = await runCli(['--conns', '10', '--duration', '500ms', '--warmup', '0s', '--json', '--out', out]);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as RunResult;
    expect(printed).toEqual(read(out));
    expect(run.stderr).toMatch(/status: completed/);
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });
});

/** Polls --metrics-port (bounded: 60 s) until it answers and, with `phase` (alternatives), until the run is in one. */
async function runIsUp(port: number, phase: string | null): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
      (r) => r.text(),
      () => null,
    );
    if (
      text !== null &&
      (phase === null || new RegExp(`^l4stress_phase\\{phase="(?:${phase})"[^}]*\\} 1$`, 'm').test(text))
    )
      return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the run's metrics endpoint on ${port} never showed it up${phase ? ` in ${phase}` : ''}`);
}
