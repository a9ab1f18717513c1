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
import { runCli, tempDir } from '../helpers/cli.js';
import { startServe } from '../helpers/processes.js';
import { findValidator } from '../helpers/schema.js';

const validate = findValidator();
const readDoc = (file: string): FindDocument => JSON.parse(readFileSync(file, 'utf8')) as FindDocument;
const PORTS = (() => {
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return hi - lo + 1;
})();
const count = (n: number): string => n.toLocaleString('en-US');

describe('l4stress find: faults and bounds', () => {
  it('a --watch-pid process exiting mid-search: in its probe and the document, search stopped, exit 4', async () => {
    const watched = spawn('sleep', ['2'], { stdio: 'ignore' });
    const file = path.join(tempDir(), 'find.json');
    const run = await runCli(
      [
        'find',
        '--vary',
        'rate',
        '--slo',
        'p99<100ms',
        '--conns',
        '10',
        '--from',
        '200',
        '--warmup',
        '0s',
        '--window',
        '2s',
        '--max-time',
        '1m',
        '--watch-pid',
        String(watched.pid),
        '--out',
        file,
      ],
      { timeoutMs: 90_000 },
    );
    watched.kill();
    expect(run.code, run.stderr).toBe(4);
    const doc = readDoc(file);
    expect(validate(doc)).toEqual([]);
    expect(doc.watchedExit).toMatchObject({ pid: watched.pid, name: 'sleep', probe: doc.probes.length });
    const last = doc.probes.at(-1)!;
    expect(last.pass).toBe(false);
    expect(last.watchedExited?.map((w) => w.pid)).toEqual([watched.pid]);
    expect(doc.answer.text).toMatch(new RegExp(`watched process ${watched.pid} \\(sleep\\) exited .* into probe`));
    expect(run.stderr).not.toMatch(/no process/);
  }, 120_000);

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
      expect(run.stderr).toContain(`--to 10,000,000 goes up to ${count(PORTS)} sessions: what this machine can hold`);
      expect(run.code, run.stderr).not.toBe(2);
    } finally {
      await backend.stop();
    }
    const doc = readDoc(file);
    expect(validate(doc)).toEqual([]);
    expect(doc.search.to).toBe(PORTS);
    expect(doc.search.clamped).toMatchObject({ asked: 10_000_000 });
    expect(doc.search.clamped?.why).toMatch(/ip_local_port_range/);
  }, 90_000);

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

  it('--from past what this machine holds is refused with the figures, exit 3, nothing started', async () => {
    const run = await runCli([
      'find',
      '--vary',
      'conns',
      '--slo',
      'opened==target',
      '--target',
      '127.0.0.1:9',
      '--from',
      String(PORTS + 1),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      new RegExp(`--from ${count(PORTS + 1)}: this machine can hold ${count(PORTS)} sessions: .*ip_local_port_range`),
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
