/**
 * The capacity search's own edges outside its bisection: a probe the generator's limits refuse before any socket,
 * and how much a conns search may ask of this machine, bounded before anything is spawned.
 */
import { describe, expect, it } from 'vitest';
import { CouldNotRunError } from '../../src/core/errors.js';
import {
  clampConnsSearch,
  MEMORY_SHARE,
  machineSessionBound,
  PROCESS_BYTES,
  sessionsBytes,
  UNBOUNDED_EMBEDDED_SESSIONS,
} from '../../src/find/machine-bound.js';
import { endAsGeneratorLimit } from '../../src/find/run-find.js';
import { CapacitySearch } from '../../src/find/search.js';
import { preflight, type SystemLimits } from '../../src/preflight/limits.js';
import { fixtureConfig } from '../fixtures/outcome.js';

describe('a conns probe past the generator fd/port limits', () => {
  it("ends the search as the generator's limit (exit 3), not as a stop by --max-time", () => {
    const search = new CapacitySearch({ from: 100, to: Number.POSITIVE_INFINITY, precision: 0.05, confirm: 2 });
    search.record(true);
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

  it('ports bound an external target without --source-ips, with the figures', () => {
    const bound = machineSessionBound(external, 10_000_000, limits, 64 * GiB);
    expect(bound).toMatchObject({ max: 28_232 });
    expect(bound!.why).toMatch(/ip_local_port_range = 32768-60999/);
    expect(machineSessionBound(external, 20_000, limits, 64 * GiB)).toBeNull();
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
    expect(() => clampConnsSearch(external, 6000, 10_000_000, bound)).toThrow(CouldNotRunError);
    expect(() => clampConnsSearch(external, 6000, 10_000_000, bound)).toThrow(/--from 6,000: .* hold 5,000 .*figures/);
  });
});
