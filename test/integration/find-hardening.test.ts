/**
 * `l4stress find` held to the rest's standard, on the built CLI: a watched process that dies mid-search is recorded
 * and the document written; a conns search bounded by this machine before anything is spawned; the search's own
 * ends with honest exit codes; bad input named by the option the user typed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FindDocument } from '../../src/documents/find.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { startServe } from '../helpers/processes.js';
import { findValidator } from '../helpers/schema.js';

const validate = findValidator();
const readDoc = (file: string): FindDocument => JSON.parse(readFileSync(file, 'utf8')) as FindDocument;
const MEM_AVAILABLE = Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;

describe('l4stress find: faults and bounds', () => {
  it('a --watch-pid process exiting mid-search: in its probe and the document, search stopped, exit 4', async () => {
    // Killed once the first probe has landed: it dies during the second (or between the two), whatever the load.
    const watched = spawn('sleep', ['600'], { stdio: 'ignore' });
    const file = path.join(tempDir(), 'find.json');
    const args = ['find', '--vary', 'rate', '--slo', 'p99<100ms', '--conns', '10', '--from', '200', '--warmup', '0s'];
    const running = startCli(
      [...args, '--window', '2s', '--max-time', '2m', '--watch-pid', String(watched.pid), '--out', file],
      { timeoutMs: 150_000 },
    );
    let err = '';
    running.child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('probe 1 ')) watched.kill();
    });
    const run = await running.done;
    watched.kill();
    expect(run.code, run.stderr).toBe(4);
    const doc = readDoc(file);
    expect(validate(doc)).toEqual([]);
    expect(doc.watchedExit).toMatchObject({ pid: watched.pid, name: 'sleep', probe: doc.probes.length });
    expect(doc.probes.length).toBeGreaterThanOrEqual(2);
    const last = doc.probes.at(-1)!;
    expect(last.pass).toBe(false);
    expect(last.watchedExited?.map((w) => w.pid)).toEqual([watched.pid]);
    expect(doc.answer.text).toMatch(new RegExp(`watched process ${watched.pid} \\(sleep\\) exited .* into probe`));
    expect(run.stderr).not.toMatch(/no process/);
  }, 180_000);

  it('--to past what this machine holds: clamped before anything spawns, said in a line and the document', async () => {
    const backend = await startServe(['--quiet']);
    const file = path.join(tempDir(), 'find.json');
    try {
      const args = ['find', '--vary', 'conns', '--slo', 'opened==target', '--target', `127.0.0.1:${backend.port}`];
      const run = await runCli(
        [
          ...args,
          '--to',
          '10000000',
          '--from',
          '20',
          '--warmup',
          '0s',
          '--window',
          '1s',
          '--max-time',
          '1s',
          '--out',
          file,
        ],
        { timeoutMs: 60_000 },
      );
      expect(run.stderr).toMatch(/--to 10,000,000 goes up to [\d,]+ sessions: /);
      expect(run.code, run.stderr).not.toBe(2);
    } finally {
      await backend.stop();
    }
    const doc = readDoc(file);
    expect(validate(doc)).toEqual([]);
    // Memory, or a run's own 1,000,000 sessions, whichever is lower here.
    expect(doc.search.to).toBeLessThanOrEqual(1_000_000);
    expect(doc.search.clamped).toMatchObject({ asked: 10_000_000 });
    expect(doc.search.clamped?.why).toMatch(/this machine has available|a run holds at most 1,000,000 sessions/);
  }, 90_000);

  it("a conns probe past the generator's ports: the generator's limit and its fix, not a --max-time stop", async () => {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const file = path.join(tempDir(), 'find.json');
    const args = ['find', '--vary', 'conns', '--slo', 'opened==target', '--target', '127.0.0.1:9'];
    const run = await runCli([...args, '--from', String(hi - lo + 2), '--out', file], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(3);
    const doc = readDoc(file);
    expect(doc.probes).toEqual([]);
    expect(doc.answer).toMatchObject({ end: 'generator-limit', limitOf: 'generator' });
    expect(doc.answer.text).toMatch(/ip_local_port_range.*Fix: more source addresses/);
  });

  it('--max-time before anything passed: "nothing passed yet", exit 3, the document written', async () => {
    const file = path.join(tempDir(), 'find.json');
    const args = ['find', '--vary', 'rate', '--slo', 'p99<1s', '--conns', '10', '--from', '200', '--window', '10s'];
    const run = await runCli([...args, '--max-time', '1s', '--out', file], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(3);
    const doc = readDoc(file);
    expect(doc.exitCode).toBe(3);
    expect(doc.answer).toMatchObject({ end: 'stopped', capacity: null });
    expect(doc.answer.text).toMatch(/^nothing passed yet: stopped by --max-time/);
  });

  // The embedded target at a run's most sessions takes ~22 GiB here: past half of what this machine has available.
  it.skipIf(MEM_AVAILABLE > 40 * 1024 ** 3)(
    '--from past what this machine holds is refused with the figures, exit 3, nothing spawned',
    async () => {
      const run = await runCli(['find', '--vary', 'conns', '--slo', 'opened==target', '--from', '1000000']);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(
        /--from 1,000,000: this machine can hold [\d,]+ sessions: .* this machine has available/,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
