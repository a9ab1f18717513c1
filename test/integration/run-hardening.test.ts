/**
 * A run's own words held true on the built CLI: Ctrl-C while the generator starts is not blamed on a --start-at
 * nobody gave, and an open loop the connections cannot carry never reads "more missed than asked".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { childPids, runCli, startCli, tempDir } from '../helpers/cli.js';
import { eventually, startServe } from '../helpers/processes.js';

const readResult = (file: string): RunResult => JSON.parse(readFileSync(file, 'utf8')) as RunResult;

describe('run: what it says when interrupted or overloaded', () => {
  it('Ctrl-C while the generator processes start: "while the generator started", not "--start-at null"', async () => {
    const backend = await startServe(['--quiet']);
    const file = path.join(tempDir(), 'r.json');
    try {
      const run = startCli(
        [
          'run',
          '--target',
          `127.0.0.1:${backend.port}`,
          '--processes',
          '2',
          '--conns',
          '200',
          '--connect-rate',
          '100/s',
          '--quiet',
          '--out',
          file,
        ],
        { timeoutMs: 60_000 },
      );
      // The generator's processes exist but cannot be up yet: the run is still starting.
      expect(await eventually(() => childPids(run.child.pid!).length > 0, 20_000)).toBe(true);
      run.child.kill('SIGINT');
      expect((await run.done).code).toBe(130);
    } finally {
      await backend.stop();
    }
    const warnings = readResult(file).warnings;
    expect(warnings.join('\n')).not.toMatch(/--start-at null/);
    expect(warnings).toContain('interrupted while the generator started (its workers not all up): no load was applied');
  }, 90_000);

  it('Ctrl-C once the paced ramp has begun (the target accepted one): "during the ramp-up"', async () => {
    const backend = await startServe(['--quiet']);
    const file = path.join(tempDir(), 'r.json');
    try {
      const target = ['--target', `127.0.0.1:${backend.port}`];
      const run = startCli(['run', ...target, '--conns', '200', '--connect-rate', '20', '--quiet', '--out', file], {
        timeoutMs: 60_000,
      });
      const accepted = async (): Promise<number> =>
        ((await (await fetch(`${backend.controlUrl}/stats`)).json()) as { accepted: number }).accepted;
      let begun = false;
      for (let i = 0; i < 200 && !begun; i++) {
        begun = (await accepted()) > 0;
        if (!begun) await new Promise((r) => setTimeout(r, 100));
      }
      expect(begun).toBe(true);
      run.child.kill('SIGINT');
      expect((await run.done).code).toBe(130);
    } finally {
      await backend.stop();
    }
    expect(readResult(file).warnings.join('\n')).toMatch(/interrupted during the ramp-up \(\d+ of 200 established\)/);
  }, 90_000);

  it('--rate past what the connections carry: missed is a share of the measured sends due, never more', async () => {
    const file = path.join(tempDir(), 'r.json');
    const run = await runCli(
      ['run', '--rate', '1m/s', '--conns', '2', '--duration', '2s', '--warmup', '0s', '--quiet', '--out', file],
      { timeoutMs: 60_000 },
    );
    expect(run.code).toBe(4);
    const r = readResult(file);
    const open = r.modeStats.openLoop!;
    expect(open.dueSends).toBeGreaterThan(0);
    expect(open.missed).toBeLessThanOrEqual(open.dueSends!);
    const said = r.warnings.find((w) => / sends were missed/.test(w));
    const [missed, of] = (/^([\d,]+) of ([\d,]+) measured sends were missed/.exec(said ?? '') ?? [])
      .slice(1)
      .map((n) => Number(n.replace(/,/g, '')));
    expect(missed).toBeLessThanOrEqual(of);
  }, 90_000);
});
