/**
 * Faults, each ending with a result written and every event accounted for: a target killed mid-run (echo, and
 * mid-stream where the kernel answers with RSTs), a target that never accepts, a generator process SIGKILLed, and
 * a scenario interrupted at any moment. Real processes and real signals on loopback.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import type { ScenarioSummary } from '../../src/documents/summary.js';
import { childPids, startCli, tempDir } from '../helpers/cli.js';
import { eventually, type RunningProcess, startServe } from '../helpers/processes.js';
import { resultValidator } from '../helpers/schema.js';

const validate = resultValidator();
const dir = tempDir();
const read = (file: string): RunResult => JSON.parse(readFileSync(file, 'utf8')) as RunResult;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Until the target accepted `n` sessions (its control endpoint's count), then a little more: the load is up. A fixed
 * sleep before a fault was outlasted by the CLI's start-up on a busy machine, and the fault came before the load.
 */
async function whenAccepted(controlUrl: string, n: number, settleMs = 300): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const stats = (await (await fetch(`${controlUrl}/stats`)).json()) as { accepted: number };
    if (stats.accepted >= n) break;
    await sleep(100);
  }
  await sleep(settleMs);
}
let running: RunningProcess[] = [];
afterEach(async () => {
  for (const p of running) if (p.child.signalCode === 'SIGSTOP' || p.child.exitCode === null) p.child.kill('SIGCONT');
  await Promise.all(running.map((p) => p.stop()));
  running = [];
});

/** Every session is accounted for: each attempt established, failed or abandoned at the stop. */
function expectAccounted(r: RunResult): void {
  const c = r.connections;
  expect(c.attempted).toBe(c.established + c.failed.total + (c.abandonedAtStop ?? 0));
}

describe('the target dies mid-run', () => {
  it.each([
    ['echo', ['--mode', 'echo']],
    ['stream up (unread data: the kernel resets)', ['--mode', 'stream', '--direction', 'up']],
  ])('%s: every session counted dropped, the result written, exit 4', async (_name, mode) => {
    const serve = await startServe(['--quiet', ...(mode.includes('stream') ? ['--mode', 'sink'] : [])]);
    running.push(serve);
    const out = path.join(dir, `target-killed-${mode[1]}.json`);
    const run = startCli([
      '--target',
      `127.0.0.1:${serve.port}`,
      '--conns',
      '50',
      '--duration',
      '3s',
      '--warmup',
      '0s',
      ...mode,
      '--quiet',
      '--out',
      out,
    ]);
    await whenAccepted(serve.controlUrl, 50, 700);
    serve.child.kill('SIGKILL');
    const done = await run.done;
    expect(done.code, done.stderr).toBe(4);
    const r = read(out);
    expect(validate(r)).toEqual([]);
    expectAccounted(r);
    expect(r.connections.established).toBe(50);
    expect(r.connections.dropped.total).toBe(50);
    if (mode.includes('stream')) expect(r.connections.dropped.byKind.ECONNRESET).toBeGreaterThan(0);
  });
});

describe('the target restarts mid-run, with --reconnect', () => {
  it('every dropped session is reopened with backoff; drops and reconnects counted; exit 4', async () => {
    const first = await startServe(['--quiet']);
    running.push(first);
    const out = path.join(dir, 'target-restarted.json');
    const run = startCli([
      '--target',
      `127.0.0.1:${first.port}`,
      '--conns',
      '40',
      '--duration',
      '4s',
      '--warmup',
      '0s',
      '--reconnect',
      '--quiet',
      '--out',
      out,
    ]);
    await whenAccepted(first.controlUrl, 40, 500);
    first.child.kill('SIGKILL');
    // Down for a while: reopen attempts are refused and back off.
    await sleep(700);
    const second = await startServe(['--quiet'], first.port);
    running.push(second);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(4);
    const r = read(out);
    expect(validate(r)).toEqual([]);
    expectAccounted(r);
    expect(r.connections.established).toBe(40);
    expect(r.connections.dropped.total).toBe(40);
    const rc = r.connections.reconnects!;
    // Every dropped session came back, after at least one refused attempt while the target was down.
    expect(rc.established).toBe(40);
    expect(rc.failed).toBeGreaterThan(0);
    expect(rc.attempted).toBe(rc.established + rc.failed);
    // And carried traffic again: the second target saw all 40 sessions.
    const stats = (await (await fetch(`${second.controlUrl}/stats`)).json()) as { accepted: number };
    expect(stats.accepted).toBe(40);
    expect(r.timeline.at(-1)!.open).toBe(40);
  });
});

describe('a target that never accepts (its process stopped: the kernel queues, then drops SYNs)', () => {
  it('connects beyond the backlog time out, queued ones never echo; result written, exit 4', async () => {
    const serve = await startServe(['--quiet', '--backlog', '4']);
    running.push(serve);
    serve.child.kill('SIGSTOP');
    const out = path.join(dir, 'never-accepts.json');
    const run = startCli([
      '--target',
      `127.0.0.1:${serve.port}`,
      '--conns',
      '20',
      '--duration',
      '1s',
      '--warmup',
      '0s',
      '--connect-timeout',
      '1s',
      '--echo-timeout',
      '500ms',
      '--ramp-timeout',
      '3s',
      '--drain-timeout',
      '500ms',
      '--quiet',
      '--out',
      out,
    ]);
    const done = await run.done;
    serve.child.kill('SIGCONT');
    expect(done.code, done.stderr).toBe(4);
    const r = read(out);
    expect(validate(r)).toEqual([]);
    expectAccounted(r);
    expect(r.connections.attempted).toBe(20);
    expect(r.connections.failed.byKind.ETIMEDOUT).toBeGreaterThan(0);
    expect(r.latency.roundTripUs.count).toBe(0);
  });
});

describe('a target that accepts and never reads (echo)', () => {
  it('every echo times out as missing; the sessions stay counted; result written, exit 4', async () => {
    const silent = net.createServer((socket) => socket.pause());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const out = path.join(dir, 'never-reads-echo.json');
    const run = startCli([
      ...['--target', `127.0.0.1:${port}`, '--conns', '10', '--duration', '1s', '--warmup', '0s'],
      ...['--echo-timeout', '300ms', '--drain-timeout', '300ms', '--ramp-timeout', '2s', '--quiet', '--out', out],
    ]);
    const done = await run.done;
    silent.close();
    expect(done.code, done.stderr).toBe(4);
    const r = read(out);
    expect(validate(r)).toEqual([]);
    expectAccounted(r);
    expect(r.connections.established).toBe(10);
    expect(r.latency.roundTripUs.count).toBe(0);
    expect(r.modeStats.integrity.missing).toBeGreaterThanOrEqual(10);
  });
});

describe('a generator process SIGKILLed (--processes 2)', () => {
  it("the survivor's data is kept: result marked partial with the lost share, exit 3", async () => {
    const out = path.join(dir, 'generator-killed.json');
    const run = startCli([
      '--conns',
      '200',
      '--processes',
      '2',
      '--duration',
      '3s',
      '--warmup',
      '0s',
      '--quiet',
      '--out',
      out,
    ]);
    // The generator children are the ones running generator-process.js (the other child is the embedded target).
    const generators = (): number[] =>
      childPids(run.child.pid!).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('generator-process');
        } catch {
          return false;
        }
      });
    expect(await eventually(() => generators().length === 2)).toBe(true);
    await sleep(1500);
    const victim = generators()[1];
    process.kill(victim, 'SIGKILL');
    const done = await run.done;
    expect(done.code, done.stderr).toBe(3);
    const r = read(out);
    expect(validate(r)).toEqual([]);
    expect(r.status).toBe('partial');
    expect(r.partial?.lostConnections).toBe(100);
    expect(r.partial?.lostShare).toBe(0.5);
    expect(r.partial?.lostWorkers.every((w) => w.pid === victim)).toBe(true);
    // The survivor's share is whole: its connections and its round trips.
    expect(r.connections.established).toBe(100);
    expect(r.latency.roundTripUs.count).toBeGreaterThan(0);
    expect(r.warnings.join('\n')).toMatch(/partial result: 100 of 200 planned connections \(50\.0%\)/);
  });
});

describe('a scenario interrupted at any moment writes the summary of what finished', () => {
  const scenario = path.join(import.meta.dirname, '../fixtures/tiny.yaml');
  // Counted from the moment the scenario's folder exists (the scenario started): the first step's start-up, inside
  // it, between the steps, inside the second. Every moment must leave a summary.
  it.each([0, 400, 900, 1400])('SIGINT %i ms into the scenario: exit 130 and a valid summary', async (delayMs) => {
    const results = path.join(dir, `interrupted-${delayMs}`);
    const runs = path.join(results, 'scenarios', 'tiny');
    const run = startCli(['run', '--scenario', scenario, '--results-dir', results, '--quiet']);
    expect(await eventually(() => existsSync(runs) && readdirSync(runs).length > 0, 20_000)).toBe(true);
    await sleep(delayMs);
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code, done.stderr).toBe(130);
    const [stamp] = readdirSync(runs);
    const summary = JSON.parse(readFileSync(path.join(runs, stamp, 'summary.json'), 'utf8')) as ScenarioSummary;
    const iterations = Object.values(summary.steps).flatMap((s) => s.iterations);
    for (const it of iterations) expect(existsSync(it.resultFile)).toBe(true);
    expect(readdirSync(path.join(runs, stamp)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
