/** The default ramp ends on a stall, never at a fixed 30 s while it still moves; --ramp-timeout is a fixed limit. */
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/config/resolve-run-config.js';
import { parseRunArgs } from '../../src/options/run-command-options.js';
import { StallWatch } from '../../src/run/ramp-stall.js';

const config = (args: string[]) => resolveRunConfig(parseRunArgs([...args, '--seed', '1']));

describe('the ramp timeout', () => {
  it('by default scales with --conns (100,000 at 512 in flight, 5 s each: far past 30 s) and ends on a stall', () => {
    const c = config(['--conns', '100000', '--mode', 'hold']);
    expect(c.rampTimeoutMs).toBeGreaterThan(900_000);
    expect(c.rampStallMs).toBe(10_000);
  });

  it('a paced ramp is not a stall between its connects: three intervals at least', () => {
    expect(config(['--conns', '10', '--connect-rate', '0.1']).rampStallMs).toBe(30_000);
  });

  it('given, it is a fixed limit with no stall rule', () => {
    const c = config(['--ramp-timeout', '45s']);
    expect(c).toMatchObject({ rampTimeoutMs: 45_000, rampStallMs: null });
  });
});

describe('the stall watch', () => {
  it('fires once the progress figure stayed the same for the stall time, not while it moves', () => {
    const w = new StallWatch(10_000, 0);
    for (let t = 1000; t <= 60_000; t += 1000) w.observe(t, t); // moving every second, however slowly
    expect(w.fired).toBe(false);
    // Progress last moved at 60 s.
    w.observe(69_000, 60_000);
    expect(w.fired).toBe(false);
    w.observe(70_000, 60_000);
    expect(w.fired).toBe(true);
  });

  it('never fires without a stall time (--ramp-timeout given)', () => {
    const w = new StallWatch(null, 0);
    w.observe(1e9, 0);
    w.observe(2e9, 0);
    expect(w.fired).toBe(false);
  });
});
