/**
 * One run over several machines, tried as local processes: `--shard I/N` splits connections, rates and connection
 * ids so the shards together make the run (no id or PROXY source shared), and `--start-at` starts them together.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { mergeEncoded, summarize } from '../../src/instruments/histogram.js';
import type { SourceTallyDoc } from '../../src/proxy/source-tally.js';
import type { TargetStats } from '../../src/serve/stats.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { type RunningProcess, startServe } from '../helpers/processes.js';
import { resultValidator } from '../helpers/schema.js';

const dir = tempDir();
const validate = resultValidator();
let serve: RunningProcess & { port: number; controlUrl: string };
beforeAll(async () => {
  serve = await startServe(['--quiet']);
});
afterAll(() => serve.stop());

describe('three shards of one run against one target, started together', () => {
  it('split the connections without overlap; the target saw the whole run; each started on time', async () => {
    // Far enough ahead that three CLIs start and get ready on a busy machine, so "on time" is a fair ask.
    const startAt = new Date(Date.now() + 8000).toISOString();
    const runs = await Promise.all(
      [0, 1, 2].map((i) =>
        runCli([
          ...['--target', `127.0.0.1:${serve.port}`, '--shard', `${i}/3`, '--conns', '31', '--proxy', 'v2'],
          ...['--proxy-src', '10.0.0.0/8', '--start-at', startAt, '--duration', '1s', '--warmup', '0s'],
          ...['--quiet', '--out', path.join(dir, `shard-${i}.json`)],
        ]),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const results = [0, 1, 2].map(
      (i) => JSON.parse(readFileSync(path.join(dir, `shard-${i}.json`), 'utf8')) as RunResult,
    );
    for (const r of results) expect(validate(r)).toEqual([]);
    // One seed for all (derived from --start-at): one run. 31 over 3 shards: 11, 10, 10, as workers split.
    expect(new Set(results.map((r) => r.seed)).size).toBe(1);
    expect(results.map((r) => r.connections.established)).toEqual([11, 10, 10]);
    expect(results.map((r) => r.config.shard)).toEqual([0, 1, 2].map((index) => ({ index, count: 3, totalConns: 31 })));
    const stats = (await (await fetch(`${serve.controlUrl}/stats`)).json()) as TargetStats;
    expect(stats.accepted).toBe(31);
    // Every shard claimed its own sources: 31 distinct, none twice.
    const sources = (await (await fetch(`${serve.controlUrl}/sources`)).json()) as SourceTallyDoc;
    expect(Object.keys(sources.counts)).toHaveLength(31);
    expect(Math.max(...Object.values(sources.counts))).toBe(1);
    // Started together: within a second of the asked time, each saying how late it was.
    for (const r of results) {
      expect(r.config.startAt).toBe(startAt);
      expect(r.phases.startLateByMs).toBeLessThan(1000);
      expect(Math.abs(Date.parse(r.startedAt) - Date.parse(startAt))).toBeLessThan(1000);
    }
  });

  it('l4stress merge makes one result of them: exact sums and histogram merge, the target agrees', async () => {
    const files = [0, 1, 2].map((i) => path.join(dir, `shard-${i}.json`));
    const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunResult);
    const out = path.join(dir, 'merged.json');
    const run = await runCli(['merge', ...files, '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    const merged = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(validate(merged)).toEqual([]);
    const stats = (await (await fetch(`${serve.controlUrl}/stats`)).json()) as TargetStats;
    expect(merged.connections.established).toBe(31);
    expect(merged.connections.established).toBe(stats.accepted);
    expect(merged.connections.target).toBe(31);
    expect(merged.totals.messagesReceived).toBe(parts.reduce((n, p) => n + p.totals.messagesReceived, 0));
    // The merged histogram is the merge of the parts, so its summary is recomputed exactly.
    const expected = summarize(mergeEncoded(parts.map((p) => p.histograms.roundTripUs)));
    expect(merged.latency.roundTripUs).toEqual(expected);
    expect(merged.latency.roundTripUs.count).toBe(parts.reduce((n, p) => n + p.latency.roundTripUs.count, 0));
    expect(merged.mergedFrom?.map((m) => m.index)).toEqual([0, 1, 2]);
    expect(run.stdout).toMatch(/established 31\/31/);
  });

  it('the merged run is gated by --threshold and reported like any run', async () => {
    const files = [0, 1, 2].map((i) => path.join(dir, `shard-${i}.json`));
    const out = path.join(dir, 'gated.json');
    const gated = await runCli([
      'merge',
      ...files,
      '-o',
      out,
      '--threshold',
      'established==31',
      '--threshold',
      'p99<1us',
    ]);
    expect(gated.code, gated.stderr).toBe(5);
    expect(gated.stdout).toMatch(/^Gates: 1 passed, 1 failed$/m);
    const merged = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(validate(merged)).toEqual([]);
    expect(merged.thresholds?.map((t) => t.pass)).toEqual([true, false]);
    const html = path.join(dir, 'merged.html');
    const report = await runCli(['report', out, '--html', html, '--md', path.join(dir, 'merged.md')]);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('gated round trip');
    expect(readFileSync(path.join(dir, 'merged.md'), 'utf8')).toMatch(/\| gated \| echo \| v2 \| 31 \|/);
  });

  it('merge refuses a missing shard (exit 2), or marks the result partial when told to', async () => {
    const two = [0, 1].map((i) => path.join(dir, `shard-${i}.json`));
    const refused = await runCli(['merge', ...two, '-o', path.join(dir, 'two.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/merge: shard 2 of 3 missing/);
    const out = path.join(dir, 'partial.json');
    const accepted = await runCli(['merge', ...two, '-o', out, '--partial']);
    expect(accepted.code, accepted.stderr).toBe(3);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(r.status).toBe('partial');
    expect(r.partial).toMatchObject({ lostConnections: 10 });
    expect(r.warnings[0]).toMatch(/merged without shard 2 of 3/);
    const twice = await runCli(['merge', two[0], two[0], '-o', path.join(dir, 'twice.json')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/shard 0 given twice/);
  });

  it('a start already past runs at once and says how late it is', async () => {
    const out = path.join(dir, 'late.json');
    const startAt = new Date(Date.now() - 5000).toISOString();
    const run = await runCli([
      ...['--target', `127.0.0.1:${serve.port}`, '--conns', '5', '--start-at', startAt, '--duration', '300ms'],
      ...['--warmup', '0s', '--out', out],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(r.phases.startLateByMs).toBeGreaterThanOrEqual(5000);
    expect(run.stdout).toMatch(/note: started \d+ ms after --start-at/);
  });
});

describe('shard input is checked up front', () => {
  it.each([
    [['--shard', '3/3', '--target', '127.0.0.1:9'], /--shard: index 3 is out of range for 3 shards/],
    [['--shard', '0/3'], /--shard: shards load one shared target: give --target/],
    [['--shard', 'a/b', '--target', '127.0.0.1:9'], /--shard: 'a\/b' is not I\/N/],
    [['--shard', 'job/3', '--target', '127.0.0.1:9'], /JOB_COMPLETION_INDEX is not set/],
    [['--shard', '4/5', '--conns', '4', '--target', '127.0.0.1:9'], /shard 4 of 5 gets no connection/],
    [['--start-at', 'tomorrow'], /--start-at: 'tomorrow' is not an ISO 8601 time/],
    [['--shard', '0/2', '--target', '127.0.0.1:9'], /--shard: give every shard the same --seed/],
  ])('%s is exit 2', async (args, message) => {
    const run = await runCli(args, { env: { JOB_COMPLETION_INDEX: undefined } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('job/N takes the index from JOB_COMPLETION_INDEX, as a Kubernetes Indexed Job sets it', async () => {
    const out = path.join(dir, 'job.json');
    const run = await runCli(
      [
        ...[
          '--target',
          `127.0.0.1:${serve.port}`,
          '--shard',
          'job/4',
          '--conns',
          '8',
          '--duration',
          '300ms',
          '--seed',
          '5',
        ],
        ...['--warmup', '0s', '--quiet', '--out', out],
      ],
      { env: { JOB_COMPLETION_INDEX: '2' } },
    );
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(r.config.shard).toEqual({ index: 2, count: 4, totalConns: 8 });
    expect(r.connections.established).toBe(2);
    // A shard of another run (4 shards, not 3) is not merged with the 3-shard run's.
    const other = await runCli(['merge', path.join(dir, 'shard-0.json'), out, '-o', path.join(dir, 'x.json')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/is not a shard of the same run/);
  });
});
