/**
 * UDP input found wanting by a prober: a size that fits alone but not with its PROXY header in front, and a target
 * name that does not resolve (the UDP workers died on it, the result partial). Each is now said before or counted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli } from '../helpers/cli.js';

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

  it('a target name that does not resolve: every flow failed to open (ENOTFOUND), a result, no dead worker', async () => {
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
});
