/**
 * UDP input found wanting by a prober: a size that fits alone but not with its PROXY header in front, and a target
 * name that does not resolve (the UDP workers died on it, the result partial), and a rate no generator sends (its
 * worker caught up for ever: past --duration, deaf to Ctrl-C, no result). Each is now said before, or counted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, startCli } from '../helpers/cli.js';
import { freePort } from '../helpers/processes.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'l4stress-udp-input-'));

describe('UDP input', () => {
  it.each([
    ['v2', 52],
    ['spp', 38],
  ])('--size 65507 with --proxy %s: refused in one line, exit 2, with the largest size that fits', async (v, hdr) => {
    const run = await runCli(['--udp', '--size', '65507', '--proxy', v, '-c', '1', '-d', '1s']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`the ${hdr}-byte --proxy ${v} header`);
    expect(run.stderr).toContain(`at most --size ${65_507 - hdr} with this header`);
  });

  it('a name that does not resolve: every flow failed to open (ENOTFOUND), a result, no dead worker', async () => {
    const out = path.join(dir, 'unresolved.json');
    const run = await runCli([
      '--udp',
      '--target',
      'nonexistent.invalid:53',
      '-c',
      '2',
      '-d',
      '1s',
      '-q',
      '--out',
      out,
    ]);
    expect(run.code).toBe(3);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(r.status).toBe('unreachable');
    expect(r.connections.failed.byKind).toEqual({ ENOTFOUND: 2 });
    expect(r.warnings.join('\n')).not.toMatch(/died/);
  });

  it('a rate the generator cannot send: Ctrl-C still stops it with a result, the generator behind', async () => {
    const out = path.join(dir, 'impossible.json');
    const port = await freePort();
    const args = ['--udp', '--mode', 'stream', '--rate', '1M/s', '-c', '2', '-d', '60s', '--warmup', '0s'];
    const running = startCli([...args, '--echo-timeout', '500ms', '-q', '--out', out, '--metrics-port', `${port}`]);
    await measuring(port);
    running.child.kill('SIGINT');
    // Bounded: before the fix the worker caught up for ever, deaf to the stop: this test failed on the kill below.
    const killer = setTimeout(() => running.child.kill('SIGKILL'), 20_000);
    const run = await running.done;
    clearTimeout(killer);
    expect(run.code).toBe(130);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(r.status).toBe('interrupted');
    expect(r.modeStats.openLoop?.generatorBehind).toBe(true);
    expect(r.datagrams!.sent).toBeGreaterThan(0);
  });
});

/** Polls --metrics-port (bounded: 60 s) until the run is in its measured phase. */
async function measuring(port: number): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    if (/^l4stress_phase\{phase="measure"[^}]*\} 1$/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the run never reached its measured phase');
}
