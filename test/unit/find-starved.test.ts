/**
 * A failure while the target starved for a core beside others' work (find/probe-verdict.ts rule 3,
 * witnesses/machine.ts targetStarved), on built results (test/fixtures/result.ts): errors and a load not carried
 * are inconclusive when the watched (or embedded) target's busiest thread was runnable half the window and waited at
 * least as long as it ran; each counter-sign keeps the failure the target's. The figures are measured:
 * HAProxy terminating TLS (maxsslrate 200) and HAProxy `rate-limit sessions 500`, each beside a busy loop per core.
 */
import { describe, expect, it } from 'vitest';
import type { MachineSection } from '../../src/documents/machine.js';
import { DIMENSIONS } from '../../src/find/dimensions.js';
import { judgeProbe } from '../../src/find/probe-verdict.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { targetStarved } from '../../src/witnesses/machine.js';
import { type ResultKnobs, resultFixture } from '../fixtures/result.js';

const wait = (run: number, waited: number, threads = 1) => ({
  threads,
  mean: waited,
  max: waited,
  runMean: run,
  busiest: { run, wait: waited },
});

/** Cores 100% busy, others on 1.8 of 2 (our loops and others' work), our verdict quiet: nothing starved 75%. */
function busy(watched: [number, number] | null, load: [number, number] = [0.06, 0.14], othersCoresMean = 1.8) {
  return {
    verdict: 'quiet' as const,
    queued: load[1] >= 0.1,
    reason: null,
    busyPercentMean: 100,
    othersCoresMean,
    oursCoresMean: 0.2,
    loadThreadWait: wait(...load),
    watchedThreadWait: watched ? wait(...watched) : null,
  } satisfies Partial<MachineSection> & { verdict: 'quiet' };
}

const cps = DIMENSIONS.cps;
const errorsSlo = [parseThreshold('errors==0')];
/** A connect probe at 100/s that carried 92 (not carried), or carried with timed-out connects (errors). */
const short = (machine: ResultKnobs['machine']) => resultFixture('connect', { load: 100, achieved: 92, machine });
const timedOut = (machine: ResultKnobs['machine'], failed: ResultKnobs['failed'] = { ETIMEDOUT: 12 }) =>
  resultFixture('connect', { load: 100, achieved: 99, failed, machine });

describe('a failure while a side starved for a core beside others', () => {
  // HAProxy terminating TLS beside a busy loop per core: its thread ran 7% and waited 43% (runnable 50%).
  const tls = busy([0.07, 0.43]);

  it("the watched target starved: a load not carried is inconclusive, naming the target's wait", () => {
    const v = judgeProbe(short(tls), 100, cps, []);
    expect(v.limitOf).toBe('inconclusive');
    expect(v.machineLimit).toMatch(/^the watched target's busiest thread starved: runnable 50% of the window, it/);
    expect(v.machineLimit).toMatch(/it waited 43% for a core; .*others took 1.8 cores/);
  });

  it('the watched target starved: connects that timed out (errors==0 broke) are inconclusive too', () => {
    const v = judgeProbe(timedOut(tls), 100, cps, errorsSlo);
    expect(v.failure).toMatch(/^errors==0 broke: 12/);
    expect(v.limitOf).toBe('inconclusive');
  });
});

describe("the counter-signs: the failure stays the target's", () => {
  it('a limiter that mostly slept: rate-limit sessions 500 ran 6% and waited 35% (runnable 41%)', () => {
    // Measured: asked 1,000 connections/s, 473 carried, the load threads waited 14% and ran 6%.
    const v = judgeProbe(
      resultFixture('connect', { load: 1000, achieved: 473, machine: busy([0.063, 0.354]) }),
      1000,
      cps,
      [],
    );
    expect(v).toMatchObject({
      limitOf: 'target',
      failure: 'the load was not carried: 473 connections/s of 1,000 asked',
    });
  });

  it("the load threads' wait alone (runnable 71%, under the verdict's 75%): the rate limit's, as before", () => {
    // Measured: rate-limit sessions 500 at 525 asked carried 498, its thread runnable 36%; the load threads 71%.
    const limited = resultFixture('connect', { load: 525, achieved: 498, machine: busy([0.056, 0.301], [0.04, 0.67]) });
    expect(judgeProbe(limited, 525, cps, []).limitOf).toBe('target');
  });

  it('a target that ran longer than it waited: the cores had room for it, its own CPU is the limit', () => {
    expect(judgeProbe(short(busy([0.6, 0.3])), 100, cps, []).limitOf).toBe('target');
  });

  it("a starved target on cores others did not take: not inconclusive (ours, or the target's)", () => {
    expect(judgeProbe(short(busy([0.07, 0.43], [0.06, 0.14], 0.05)), 100, cps, []).limitOf).toBe('target');
  });

  it('a limiter that answered: most failed connects refused or reset by the target, however starved', () => {
    const refused = timedOut(busy([0.07, 0.43]), { ECONNRESET: 8, ETIMEDOUT: 4 });
    expect(judgeProbe(refused, 100, cps, errorsSlo).limitOf).toBe('target');
    // Mostly timed out instead: a starved target's failures, inconclusive.
    const slow = timedOut(busy([0.07, 0.43]), { ECONNRESET: 4, ETIMEDOUT: 8 });
    expect(judgeProbe(slow, 100, cps, errorsSlo).limitOf).toBe('inconclusive');
  });

  it('a failure on a quiet machine, and a passing probe beside others, are untouched', () => {
    expect(judgeProbe(short('quiet'), 100, cps, []).limitOf).toBe('target');
    const carried = resultFixture('connect', { load: 100, achieved: 100, machine: busy([0.07, 0.43]) });
    expect(judgeProbe(carried, 100, cps, errorsSlo)).toMatchObject({ pass: true, limitOf: null });
  });
});

describe('targetStarved: its busiest thread runnable half the window, waiting at least as long as it ran', () => {
  const section = (w: { target?: [number, number]; watched?: [number, number] }) => ({
    targetThreadWait: w.target ? wait(...w.target) : null,
    watchedThreadWait: w.watched ? wait(...w.watched) : null,
  });

  it('the watched and the embedded target at the edge, and just short of it', () => {
    expect(targetStarved(section({ watched: [0.25, 0.25] }))).toBe(
      "the watched target's busiest thread starved: runnable 50% of the window, it waited 25% for a core",
    );
    expect(targetStarved(section({ watched: [0.25, 0.24] }))).toBeNull();
    expect(targetStarved(section({ watched: [0.2, 0.29] }))).toBeNull();
    expect(targetStarved(section({ watched: [0.3, 0.29] }))).toBeNull();
    expect(targetStarved(section({ target: [0.1, 0.8] }))).toMatch(/^the embedded target's busiest thread starved/);
    expect(targetStarved(section({}))).toBeNull();
  });
});
