/**
 * Thresholds, SLOs and gates no run could measure, refused before anything runs (exit 2, one line naming what is
 * missing) by the one function beside the metrics table, on every path that reads them: run (CLI and library
 * alike go through executeRun), find, scenario steps, merge and compare.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeCommand } from '../../src/cli/merge-command.js';
import { compareCommand } from '../../src/cli/scenario-commands.js';
import { UsageError } from '../../src/core/errors.js';
import { resolveFindConfig } from '../../src/find/find-config.js';
import { measurable } from '../../src/gates/metric-table.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { FIND_DEFAULTS, type FindOptionKey, type RawFindOptions } from '../../src/options/find-options.js';
import { parseRunArgs } from '../../src/options/run-command-options.js';
import type { RunOptionKey } from '../../src/options/run-options.js';
import { buildResult } from '../../src/result/build.js';
import { executeRun } from '../../src/run/execute.js';
import { expand } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run-scenario.js';
import { fixtureConfig, fixtureInputs, fixtureOutcome } from '../fixtures/outcome.js';
import { tempDir } from '../helpers/cli.js';

const EXTERNAL = ['--target', '127.0.0.1:7000'];

/** The message a UsageError carries, or a failure when `f` does not throw one. */
async function refusal(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('not refused');
}

function find(args: string[], findOpts: Partial<RawFindOptions>) {
  const raw = { ...parseRunArgs([...args, '--quiet']), ...FIND_DEFAULTS, ...findOpts };
  const given = [...Object.keys(findOpts), ...args.filter((a) => a.startsWith('--')).map((a) => a.slice(2))];
  return resolveFindConfig(raw, given as (RunOptionKey | FindOptionKey)[]);
}

describe('measurable(metric, config)', () => {
  it('names what is missing, and nothing for what a run of that config measures', () => {
    const external = fixtureConfig(EXTERNAL);
    expect(measurable('capacity', external)).toMatch(/capacity search's answer/);
    expect(measurable('target.cpu.op', external)).toMatch(/embedded target's CPU/);
    expect(measurable('target.cpu.op', fixtureConfig())).toBeNull();
    expect(measurable('watched.rssSlope', external)).toMatch(/needs --watch-pid/);
    expect(measurable('watched.rssSlope', fixtureConfig([...EXTERNAL, '--watch-pid', String(process.pid)]))).toBe(null);
    expect(measurable('scrape.x', external)).toMatch(/needs --scrape/);
    expect(measurable('p99', fixtureConfig([...EXTERNAL, '--mode', 'connect']))).toMatch(/without --churn-echo/);
    expect(measurable('rps', fixtureConfig([...EXTERNAL, '--mode', 'connect', '--churn-echo']))).toMatch(
      /echo and hold/,
    );
    expect(measurable('p99', external)).toBeNull();
    expect(measurable('capacity', external, 'search')).toBeNull();
    expect(measurable('p99', external, 'search')).toMatch(/records only its capacity/);
  });
});

describe('every path refuses a threshold no run can measure', () => {
  it('find --slo', async () => {
    const slo = (s: string, args = EXTERNAL) => refusal(() => find(args, { vary: 'rate', slo: [s] }));
    expect(await slo('capacity>=1')).toMatch(/^--slo 'capacity>=1': cannot be judged.*capacity search's answer/);
    expect(await slo('target.cpu.op<100us')).toMatch(/^--slo 'target.cpu.op<100us'.*embedded target's CPU/);
    expect(await slo('watched.rssSlope<10')).toMatch(/watched.rssSlope needs --watch-pid/);
    expect(find([], { vary: 'rate', slo: ['target.cpu.op<100us'] }).slo).toHaveLength(1);
  });

  it('run --threshold (the CLI and the library both call executeRun)', async () => {
    const run = (t: string) =>
      refusal(() => executeRun(fixtureConfig(EXTERNAL), ['run'], { thresholds: [parseThreshold(t)] }));
    expect(await run('capacity>=1')).toMatch(/^--threshold 'capacity>=1': capacity is a capacity search's answer/);
    expect(await run('watched.rssSlope<5')).toMatch(/^--threshold 'watched.rssSlope<5': .*needs --watch-pid/);
  });

  it("scenario steps: a run step's capacity, a find step's run metrics", async () => {
    const scenario = (step: object) =>
      refusal(() =>
        runScenario(expand('/x/s.yaml', { name: 's', target: '127.0.0.1:7000', steps: [step] } as never, null), {
          resultsDir: tempDir(),
          iterations: null,
          baseline: null,
          compare: { gate: [] } as never,
          overrides: {},
          log: () => {},
        }),
      );
    expect(await scenario({ name: 'a', thresholds: ['capacity >= 5'] })).toMatch(
      /^s.yaml: step 'a': threshold 'capacity >= 5': capacity is a capacity search's answer/,
    );
    expect(await scenario({ name: 'b', find: { vary: 'rate', slo: ['p99<5ms'] }, thresholds: ['p99<5ms'] })).toMatch(
      /^s.yaml: step 'b': threshold 'p99<5ms': a find step records only its capacity/,
    );
  });

  const resultFile = (dir: string, name: string, args: string[], startMs = Date.parse('2026-12-01T10:00:00Z')) => {
    const outcome = fixtureOutcome(100, { startedAt: new Date(startMs), endedAt: new Date(startMs + 11_500) });
    const result = buildResult(fixtureInputs(fixtureConfig([...EXTERNAL, ...args]), outcome));
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(result));
    return { file, result };
  };

  it('merge --threshold', async () => {
    const dir = tempDir();
    const files = [0, 1].map((i) => resultFile(dir, `s${i}.json`, ['--conns', '200', '--shard', `${i}/2`]).file);
    const out = path.join(dir, 'merged.json');
    expect(await refusal(() => mergeCommand(files, { out, threshold: ['target.cpu.op<5ms'] }))).toMatch(
      /^--threshold 'target.cpu.op<5ms': target.cpu.op is the embedded target's CPU/,
    );
  });

  it('compare --gate on two results: refused when given, the default gate skipped as before', async () => {
    const dir = tempDir();
    const a = resultFile(dir, 'a.json', ['--mode', 'connect']).file;
    const b = resultFile(dir, 'b.json', ['--mode', 'connect']).file;
    const opts = { allow: '10%', alpha: '0.05', json: true };
    expect(await refusal(() => compareCommand(a, b, { ...opts, gate: 'capacity', gateGiven: true }))).toMatch(
      /^--gate capacity: capacity is a capacity search's answer/,
    );
    expect(await refusal(() => compareCommand(a, b, { ...opts, gate: 'p95', gateGiven: true }))).toMatch(
      /^--gate p95: a round-trip figure has no samples in --mode connect/,
    );
    const write = process.stdout.write;
    process.stdout.write = () => true;
    try {
      expect(compareCommand(a, b, { ...opts, gate: 'p95', gateGiven: false })).toBe(0);
    } finally {
      process.stdout.write = write;
    }
  });
});
