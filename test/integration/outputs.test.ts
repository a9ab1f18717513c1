/**
 * The numbers of a run are never lost to an output path: every path is checked before any socket opens (exit 3
 * with the path and the reason), a write that still fails at the end falls back to another file and says so, and
 * no temp file is ever left behind. Full and read-only disks are real: small tmpfs mounts this test makes (root).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/documents/readers.js';
import type { RunResult } from '../../src/documents/result.js';
import type { ScenarioSummary } from '../../src/documents/summary.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const mounts: string[] = [];

function mountTmpfs(name: string, options: string): string {
  const at = path.join(dir, name);
  mkdirSync(at, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at]);
  mounts.push(at);
  return at;
}
afterAll(() => {
  for (const m of mounts) execFileSync('umount', ['-l', m]);
});

/** A loopback target that counts the connections it ever accepted: "before any socket opens" is checked there. */
let target: net.Server;
let accepted = 0;
let targetAddr = '';
beforeAll(async () => {
  target = net.createServer((s) => {
    accepted++;
    s.pipe(s);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetAddr = `127.0.0.1:${(target.address() as net.AddressInfo).port}`;
});
afterAll(() => target.close());
afterEach(() => {
  accepted = 0;
});

const quick = ['--conns', '5', '--duration', '300ms', '--warmup', '0s', '--quiet'];
const noTemp = (folder: string): string[] => readdirSync(folder).filter((f) => /\.tmp-|l4stress-probe/.test(f));

describe('every output path is checked before the load starts', () => {
  it('--out naming a folder: exit 3 with the path and the reason, no connection made', async () => {
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    const run = await runCli(['--target', targetAddr, ...quick, '--out', folder]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`--out '${folder}' is a folder`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(accepted).toBe(0);
  });

  it('--results-dir naming a file: exit 3, no connection made', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    const run = await runCli(['--target', targetAddr, ...quick, '--results-dir', file]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`--results-dir '${file}' is a file, not a folder`);
    expect(accepted).toBe(0);
  });

  it('a read-only results folder (a real ro mount, root or not): exit 3 naming EROFS, no connection made', async () => {
    const ro = mountTmpfs('ro', 'size=8m,ro');
    const run = await runCli(['--target', targetAddr, ...quick, '--results-dir', ro]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`'${ro}' cannot be written (EROFS)`);
    expect(accepted).toBe(0);
  });

  it('a results folder without room for a result: exit 3 saying how much is free', async () => {
    const small = mountTmpfs('small', 'size=1m');
    const run = await runCli(['--target', targetAddr, ...quick, '--results-dir', small]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/has 1\.0 MiB free; a result needs up to 4\.0 MiB/);
    expect(accepted).toBe(0);
    expect(noTemp(small)).toEqual([]);
  });

  it('a scenario whose --markdown names a folder stops before its first step', async () => {
    const results = path.join(dir, 'md-results');
    const run = await runCli([
      'run',
      '--scenario',
      path.join(import.meta.dirname, '../fixtures/tiny.yaml'),
      '--results-dir',
      results,
      '--markdown',
      dir,
      '--target',
      targetAddr,
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`--markdown '${dir}' is a folder`);
    expect(accepted).toBe(0);
  });
});

describe('a write that fails at the end (the disk filled during the run) loses nothing', () => {
  it('the result goes to a fallback file named in the message; exit 3; no temp file left', async () => {
    const disk = mountTmpfs('fills', 'size=5m');
    const before = accepted;
    const run = startCli([
      ...['--target', targetAddr, '--conns', '5', '--duration', '3s', '--warmup', '0s', '--results-dir', disk],
    ]);
    // Fill the disk once the load runs (its sessions reached the target, so the output check is behind it): on a
    // busy machine the CLI may take seconds to start, so wait for that, not for a fixed time (bounded: 30 s).
    for (let i = 0; i < 300 && accepted - before < 5; i++) await new Promise((r) => setTimeout(r, 100));
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${path.join(disk, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with ENOSPC: the disk is full, as intended
    }
    const { code, stdout, stderr } = await run.done;
    expect(code, stderr).toBe(3);
    const m = /could not write the result to '([^']+)' \(ENOSPC[^)]*\); it was written to '([^']+)' instead/.exec(
      stderr,
    );
    expect(m, stderr).not.toBeNull();
    expect(m![1].startsWith(disk)).toBe(true);
    const saved = JSON.parse(readFileSync(m![2], 'utf8')) as RunResult;
    expect(saved.connections.established).toBe(5);
    expect(saved.latency.roundTripUs.count).toBeGreaterThan(0);
    // The summary was still printed, naming where the result is.
    expect(stdout).toContain(m![2]);
    expect(noTemp(disk)).toEqual([]);
    rmSync(m![2]);
  });
});

describe('a scenario whose disk fills mid-way keeps what finished', () => {
  it('the iteration result and the summary go to fallbacks, named; exit 3; no temp file left', async () => {
    const disk = mountTmpfs('scenario-fills', 'size=5m');
    const scenario = path.join(import.meta.dirname, '../fixtures/tiny.yaml');
    const run = startCli(['run', '--scenario', scenario, '--results-dir', disk, '--quiet']);
    const runs = path.join(disk, 'scenarios', 'tiny');
    // Fill it while the first step runs (its folder exists: every output check passed before).
    const started = Date.now();
    while (!existsSync(runs) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${path.join(disk, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // ENOSPC: full, as intended
    }
    const done = await run.done;
    expect(done.code, done.stderr).toBe(3);
    expect(done.stderr).toMatch(/could not write the result to '[^']+' \(ENOSPC/);
    const m = /could not write the summary to '[^']+' \(ENOSPC[^)]*\); it was written to '([^']+)' instead/.exec(
      done.stderr,
    );
    expect(m, done.stderr).not.toBeNull();
    const summary = JSON.parse(readFileSync(m![1], 'utf8')) as ScenarioSummary;
    const first = summary.steps.a.iterations[0];
    expect(first.metrics.rps).toBeGreaterThan(0);
    expect(existsSync(first.resultFile), first.resultFile).toBe(true);
    expect(noTemp(path.join(runs, readdirSync(runs)[0]))).toEqual([]);
    rmSync(m![1]);
    rmSync(first.resultFile);
  });
});

describe('append-only history survives a torn line', () => {
  it('the next run appends on a fresh line; history shows both runs and warns about the torn one', async () => {
    const results = path.join(dir, 'history-results');
    const scenario = path.join(import.meta.dirname, '../fixtures/tiny.yaml');
    const first = await runCli(['run', '--scenario', scenario, '--results-dir', results, '--quiet']);
    expect(first.code, first.stderr).toBe(0);
    const file = path.join(results, 'history', 'tiny.jsonl');
    const text = readFileSync(file, 'utf8');
    // A torn append (full disk): half a line, no newline.
    writeFileSync(file, text + text.slice(0, 50));
    const second = await runCli(['run', '--scenario', scenario, '--results-dir', results, '--quiet']);
    expect(second.code, second.stderr).toBe(0);
    const read = readHistory(file);
    expect(read.lines).toHaveLength(2 * text.trim().split('\n').length);
    expect(read.skipped).toHaveLength(1);
    const shown = await runCli(['history', '--results-dir', results]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stderr).toMatch(/warning: skipped .*tiny\.jsonl:\d+/);
  });
});
