/**
 * The capacity search's own edges outside its bisection: a probe the generator's limits refuse before any socket,
 * and how much a conns search may ask of this machine, bounded before anything is spawned.
 */
import { describe, expect, it } from 'vitest';
import { CouldNotRunError } from '../../src/core/errors.js';
import { endAsGeneratorLimit, exitCodeOf } from '../../src/find/find-loop.js';
import {
  clampConnsSearch,
  MEMORY_SHARE,
  machineSessionBound,
  PROCESS_BYTES,
  sessionsBytes,
  UNBOUNDED_EMBEDDED_SESSIONS,
} from '../../src/find/machine-bound.js';
import { CapacitySearch } from '../../src/find/search.js';
import { DEFAULT_COMPARE } from '../../src/gates/compare.js';
import { preflight, type SystemLimits } from '../../src/preflight/limits.js';
import { stepFindConfig } from '../../src/scenario/find-step.js';
import { expand } from '../../src/scenario/load.js';
import { runScenario, stepRawOptions } from '../../src/scenario/run-scenario.js';
import { fixtureConfig } from '../fixtures/outcome.js';
import { tempDir } from '../helpers/cli.js';

describe('a conns probe past the generator fd/port limits', () => {
  it("ends the search as the generator's limit (exit 3), not as a stop by --max-time", () => {
    const search = new CapacitySearch({ from: 100, to: Number.POSITIVE_INFINITY, precision: 0.05, confirm: 2 });
    search.record({ passed: true });
    expect(search.proposal()?.load).toBe(200);
    endAsGeneratorLimit(search);
    expect(search.proposal()).toBeNull();
    expect(search.answer()).toMatchObject({ end: 'generator-limit', capacity: 100, atLeast: true });
  });
});

describe('what a conns search may ask of this machine, before anything is spawned', () => {
  const GiB = 1024 ** 3;
  const limits: SystemLimits = { fdSoft: 20_000, fdHard: 20_000, fdOpen: 21, portRange: [32768, 60999] };
  const embedded = fixtureConfig();
  const external = fixtureConfig(['--target', '127.0.0.1:7000']);

  it('memory bounds an embedded search: the largest that fits, and one more does not', () => {
    const bound = machineSessionBound(embedded, 10_000_000, limits, 8 * GiB);
    expect(bound).not.toBeNull();
    const budget = 8 * GiB * MEMORY_SHARE;
    expect(sessionsBytes(embedded, bound!.max, limits)).toBeLessThanOrEqual(budget);
    expect(sessionsBytes(embedded, bound!.max + 1, limits)).toBeGreaterThan(budget);
    expect(bound!.why).toMatch(/sessions take ~.* 50% of the 8.0 GiB this machine has available/);
    // --to 10,000,000 once started 51 target processes (2.4 GiB) and died at start-up; now far fewer.
    const plan = preflight({ conns: bound!.max, embeddedTarget: true }, limits);
    expect(plan.targetProcesses).toBeLessThan(51);
    expect(plan.targetProcesses * PROCESS_BYTES).toBeLessThan(budget);
  });

  it("leaves fds and ports to each probe's preflight (the generator's limit, with its fix): memory only", () => {
    const bound = machineSessionBound(external, 10_000_000, limits, 64 * GiB);
    expect(bound!.max).toBeGreaterThan(28_232);
    expect(bound!.why).toMatch(/of the 64.0 GiB this machine has available/);
    expect(machineSessionBound(external, 20_000, limits, 64 * GiB)).toBeNull();
    expect(machineSessionBound(external, 10_000_000, limits, null)).toBeNull();
  });

  it('clamps --to (or an unbounded embedded search) and refuses a --from past the bound', () => {
    const bound = (_c: unknown, ceiling: number) => (ceiling > 5000 ? { max: 5000, why: 'figures' } : null);
    expect(clampConnsSearch(external, 100, 10_000_000, bound)).toEqual({
      asked: 10_000_000,
      to: 5000,
      why: 'what this machine can hold: figures',
    });
    expect(clampConnsSearch(external, 100, 4000, bound)).toBeNull();
    expect(clampConnsSearch(embedded, 100, Number.POSITIVE_INFINITY, () => null)).toMatchObject({
      asked: null,
      to: UNBOUNDED_EMBEDDED_SESSIONS,
    });
    // A probe is a run: past a run's 1,000,000 sessions --to is clamped, --from is bad input naming --from.
    expect(clampConnsSearch(external, 100, 10_000_000, () => null)).toMatchObject({
      to: 1_000_000,
      why: 'a probe is a run, and a run holds at most 1,000,000 sessions (--conns)',
    });
    // Without --to, an embedded target is sized for --from when it is above 100,000: never a --from past --to.
    expect(clampConnsSearch(embedded, 200_000, Number.POSITIVE_INFINITY, () => null)).toMatchObject({ to: 200_000 });
    expect(() => clampConnsSearch(external, 6000, 10_000_000, bound)).toThrow(CouldNotRunError);
    expect(() => clampConnsSearch(external, 6000, 10_000_000, bound)).toThrow(/--from 6,000: .* hold 5,000 .*figures/);
  });
});

describe("the search's exit code", () => {
  it('stopped by --max-time before anything passed is 3 (not all of it ran), with a pass 0, Ctrl-C 130', () => {
    expect(exitCodeOf({ end: 'stopped', capacity: null }, [], false)).toBe(3);
    expect(exitCodeOf({ end: 'stopped', capacity: 200 }, [], false)).toBe(0);
    expect(exitCodeOf({ end: 'stopped', capacity: null }, [], true)).toBe(130);
    expect(exitCodeOf({ end: 'nothing-passed', capacity: null }, [], false)).toBe(4);
  });
});

describe('a find step in a scenario', () => {
  const o = {
    resultsDir: '/tmp',
    iterations: null,
    baseline: null,
    compare: DEFAULT_COMPARE,
    overrides: {},
    log: () => {},
  };
  const scenario = (file: object) =>
    expand('/x/s.yaml', { name: 's', target: '127.0.0.1:7000', ...file } as never, null);
  const config = (file: object) => {
    const sc = scenario(file);
    const st = sc.steps[0];
    return stepFindConfig(st, stepRawOptions(sc, st.options, st.name, o), o);
  };

  it("takes the scenario's defaults as defaults, not as options the step gave", () => {
    const defaults = { conns: 500, mode: 'echo', warmup: '5s' };
    const cps = config({ defaults, steps: [{ name: 'a', find: { vary: 'cps', slo: ['errors==0'] } }] });
    expect(cps.first.mode).toBe('connect');
    const conns = config({ defaults, steps: [{ name: 'b', find: { vary: 'conns', slo: ['opened==target'] } }] });
    expect(conns.first.mode).toBe('hold');
    // What the step gives itself still counts: its own mode, and its own conns refused under vary: conns.
    expect(
      config({ steps: [{ name: 'c', mode: 'echo', find: { vary: 'conns', slo: ['errors==0'] } }] }).first.mode,
    ).toBe('echo');
    expect(() => config({ steps: [{ name: 'd', conns: 5, find: { vary: 'conns', slo: ['errors==0'] } }] })).toThrow(
      /--conns: --vary conns sets it/,
    );
  });

  it.each([
    ['duration', '5s', /^s.yaml: step 'a': duration: does not apply in a find step \(a probe measures find.window\)$/],
    [
      'shard',
      '0/2',
      /^s.yaml: step 'a': shard: does not apply in a find step \(a search runs whole, on one machine\)$/,
    ],
  ])('refuses %s of its own, naming step and key (it was ignored silently)', async (key, value, message) => {
    const sc = scenario({ steps: [{ name: 'a', [key]: value, find: { vary: 'rate', slo: ['p99<5ms'] } }] });
    await expect(runScenario(sc, { ...o, resultsDir: tempDir() })).rejects.toThrow(message);
  });

  it("--from past a run's 1,000,000 sessions is refused naming --from (it named --conns)", () => {
    const from = { name: 'f', find: { vary: 'conns', slo: ['errors==0'], from: 2_000_000 } };
    expect(() => config({ steps: [from] })).toThrow(/^--from: 2000000 is out of range \(allowed: 1..1000000\)/);
  });

  it('find --window 0 is refused as --window, the option typed (it named --duration)', () => {
    expect(() => config({ steps: [{ name: 'w', find: { vary: 'rate', slo: ['p99<5ms'], window: '0' } }] })).toThrow(
      /^--window: '0'/,
    );
  });
});
