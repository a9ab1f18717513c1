/**
 * The machine as a witness, shown both ways with real CPU hogs (busy loops pinned to cores with taskset, started and
 * ended by each test): CPU figures are exact (a busy loop reads one core, nothing reads above the machine); beside
 * a hog on every core, `find` against the embedded target never reports the target's capacity and a run says its
 * figures include the machine's queueing; while a real limit far below what the machine can do (HAProxy's
 * `rate-limit sessions`) is still found beside three busy loops, as the target's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FindDocument } from '../../src/documents/find.js';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { freePort, HAPROXY_BASE, startHaproxy, startServe } from '../helpers/processes.js';
import { findValidator } from '../helpers/schema.js';

const CORES = availableParallelism();
const hogs: ChildProcess[] = [];

/** `count` busy loops, each pinned to `cores` (e.g. '0' or '0-1'). Ended after each test. */
async function startHogs(count: number, cores = `0-${CORES - 1}`): Promise<number[]> {
  for (let i = 0; i < count; i++)
    hogs.push(spawn('taskset', ['-c', cores, process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }));
  await new Promise((r) => setTimeout(r, 300));
  return hogs.map((h) => h.pid!);
}

/** CPU time a process used so far (utime + stime), from /proc. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

afterEach(() => {
  for (const h of hogs.splice(0)) h.kill('SIGKILL');
});

async function runJson(args: string[]): Promise<{ code: number | null; result: RunResult; file: string }> {
  const out = path.join(tempDir(), 'r.json');
  const run = await runCli([...args, '--out', out, '--quiet'], { timeoutMs: 120_000 });
  if (!existsSync(out)) throw new Error(`no result: ${run.stderr}`);
  return { code: run.code, result: JSON.parse(readFileSync(out, 'utf8')) as RunResult, file: out };
}

const validateFind = findValidator();
async function find(args: string[]): Promise<{ code: number | null; doc: FindDocument }> {
  const file = path.join(tempDir(), 'find.json');
  const run = await runCli(['find', '--warmup', '1s', '--window', '2s', '--max-time', '3m', ...args, '--out', file], {
    timeoutMs: 240_000,
  });
  if (!existsSync(file)) throw new Error(`no find document: ${run.stderr}`);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as FindDocument;
  expect(validateFind(doc)).toEqual([]);
  return { code: run.code, doc };
}

describe('the machine witness', { timeout: 240_000 }, () => {
  it('CPU figures are exact: a pinned busy loop reads what /proc says, nothing reads above the machine', async () => {
    const [hog] = await startHogs(1, '0');
    const before = { ms: cpuMs(hog), at: performance.now() };
    const { result } = await runJson(['--conns', '10', '--duration', '3s', '--warmup', '1s', '--watch-pid', `${hog}`]);
    // The hog's own share over the whole command, as the kernel counted it (the machine may be busy: any share).
    const share = ((cpuMs(hog) - before.ms) / (performance.now() - before.at)) * 100;
    const watched = result.resources.watched.find((w) => w.pid === hog)!;
    expect(Math.abs(watched.cpuPercentMean! - share), `mean ${watched.cpuPercentMean}, /proc ${share}`).toBeLessThan(
      20,
    );
    // One thread on one core: never above that core (a clock tick of slack), whatever the sampling interval.
    expect(watched.cpuPercentMax!).toBeLessThanOrEqual(104);
    for (const row of result.timeline) {
      expect(row.cpuPercent).toBeLessThanOrEqual(CORES * 100);
      for (const w of row.watched) expect(w.cpuPercent).toBeLessThanOrEqual(CORES * 100);
    }
    expect(result.resources.generator.cpuPercentMax).toBeLessThanOrEqual(CORES * 100);
    // The machine section is there, over the measured window, with the pinned core busy.
    const m = result.machine!;
    expect(m).toMatchObject({ cores: CORES, window: 'measure' });
    expect(Math.max(...m.coreBusyPercentMean)).toBeGreaterThan(50);
    expect(m.loadThreadWait!.threads).toBeGreaterThan(0);
    expect(result.timeline.filter((r) => r.phase === 'measure').every((r) => r.machine)).toBe(true);
  });

  it('a run beside a hog on every core says its figures include waiting for a core', async () => {
    await startHogs(CORES * 2);
    const { result, file } = await runJson(['--conns', '20', '--duration', '3s', '--warmup', '1s']);
    const m = result.machine!;
    expect(m.othersCoresMean!).toBeGreaterThan(0.5);
    expect(m.queued).toBe(true);
    expect(m.loadThreadWait!.mean).toBeGreaterThanOrEqual(0.1);
    expect(result.warnings.join('\n')).toMatch(
      /(busy with other work|queued for a core while other work used the machine) \(load threads waited \d+% of/,
    );
    // compare shows each side's machine, and cautions that a difference may be the machine's.
    const compared = await runCli(['compare', file, file]);
    expect(compared.stdout).toMatch(/^machine \(baseline\) \d+ cores \d+% busy/m);
    expect(compared.stdout).toMatch(/^note: the candidate ran on a machine that (queued|limited) its load/m);
  });

  it('find against the embedded target beside a hog on every core: never the target’s capacity', async () => {
    await startHogs(CORES * 2);
    // The test that once answered "capacity 109,666 messages/s ... the target's limit" on a busy machine.
    const args = ['--vary', 'rate', '--slo', 'p99<1s', '--conns', '50', '--workers', '1'];
    const { code, doc } = await find([...args, '--from', '20000', '--to', '800000']);
    expect(['generator-limit', 'machine-limit', 'inconclusive'], doc.answer.text).toContain(doc.answer.end);
    expect(doc.answer.limitOf).not.toBe('target');
    // "At least" what passed, or nothing passed before the machine gave out: never a confirmed capacity.
    expect(doc.answer.capacity === null || doc.answer.atLeast, doc.answer.text).toBe(true);
    expect(code).toBe(doc.answer.end === 'inconclusive' ? 6 : 3);
    expect(doc.probes.every((p) => p.pass || p.limitOf !== 'target')).toBe(true);
    expect(doc.probes.every((p) => p.machine?.cores === CORES)).toBe(true);
  });

  it('a real limit far below the machine’s is found beside three busy loops: HAProxy rate-limit 400', async () => {
    const backend = await startServe(['--quiet']);
    const port = await freePort();
    const frontend = `frontend fe\n  bind 127.0.0.1:${port}\n  rate-limit sessions 400\n  default_backend be\n`;
    const haproxy = await startHaproxy(
      `${HAPROXY_BASE}\n${frontend}backend be\n  server s1 127.0.0.1:${backend.port}\n`,
      port,
    );
    try {
      await startHogs(3);
      const { doc } = await find([
        ...['--vary', 'cps', '--slo', 'connect.p99<100ms', '--from', '100'],
        ...['--target', `127.0.0.1:${port}`],
      ]);
      expect(doc.answer.end, doc.answer.text).toBe('found');
      expect(doc.answer.limitOf).toBe('target');
      expect(doc.answer.capacity!).toBeGreaterThanOrEqual(400 * 0.85);
      expect(doc.answer.capacity!).toBeLessThanOrEqual(400 * 1.15);
      // The machine was busy all along, and said so, without taking the verdict from the target.
      expect(doc.probes.some((p) => (p.machine?.othersCoresMean ?? 0) > 1)).toBe(true);
    } finally {
      await haproxy.stop();
      await backend.stop();
    }
  });
});
