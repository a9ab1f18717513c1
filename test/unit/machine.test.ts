/**
 * The machine as a witness, on known inputs: the /proc parsers on captured text, the section over built timeline
 * rows, the verdict's rule (quiet, ours, others) both ways, and whose limit a failed probe was, in its order: a
 * refusing target, this host's limits, others' load, the generator's own signs, our own processes, the target.
 */
import { describe, expect, it } from 'vitest';
import type { MachineSample } from '../../src/documents/machine.js';
import { DIMENSIONS } from '../../src/find/dimensions.js';
import { judgeProbe, whoseLimit } from '../../src/find/probe-verdict.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { coreFigures, parsePressureTotal, parseProcStat, parseSchedstat } from '../../src/instruments/machine.js';
import { buildResult } from '../../src/result/build.js';
import { buildMachine, machineWarnings } from '../../src/witnesses/machine.js';
import { fixtureConfig, fixtureInputs, fixtureOutcome, timelineRowFixture } from '../fixtures/outcome.js';

const PROC_STAT = `cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0
cpu1 1335090 29968 554437 13369738 5037 0 2287 100 0 0
intr 199292 ...
ctxt 1990473
`;

describe('the /proc readers', () => {
  it('reads each core of /proc/stat: busy (irqs in), steal apart, iowait idle', () => {
    const [c0, c1] = parseProcStat(PROC_STAT);
    expect(c0).toEqual({
      busy: 1393280 + 32966 + 572056 + 17875,
      steal: 0,
      irq: 17875,
      total: 1393280 + 32966 + 572056 + 13343292 + 6130 + 17875,
    });
    expect(c1.steal).toBe(100);
    expect(parseProcStat(PROC_STAT)).toHaveLength(2);
  });

  it("reads PSI's some total, and says nothing without it", () => {
    const text =
      'some avg10=1.00 avg60=0.50 avg300=0.10 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=9\n';
    expect(parsePressureTotal(text)).toBe(123456);
    expect(parsePressureTotal('')).toBeNull();
  });

  it('turns two /proc/stat readings into busy, steal, ours and others (irqs are nobody’s)', () => {
    const core = (busy: number, irq: number, steal: number, total: number) => ({ busy, irq, steal, total });
    const before = [core(0, 0, 0, 0), core(0, 0, 0, 0)];
    // Over 100 ticks a core: core 0 busy 90 (10 of them interrupts), core 1 busy 50 and 10 stolen.
    const after = [core(90, 10, 0, 100), core(50, 0, 10, 100)];
    expect(coreFigures(before, after, 0.6)).toEqual({
      busyPercent: 70,
      coreBusyPercent: [90, 50],
      stealPercent: 5,
      oursCores: 0.6,
      // 1.4 busy cores - 0.1 of interrupts - 0.6 ours.
      othersCores: 0.7,
    });
    // A core count that changed, or no reading: every figure null, none 0.
    expect(coreFigures(before, after.slice(0, 1), 0.6)).toMatchObject({ busyPercent: null, othersCores: null });
    expect(coreFigures(null, after, 0.6).oursCores).toBeNull();
  });

  it('reads schedstat: ns on a CPU, ns waiting on a run queue', () => {
    expect(parseSchedstat('4118345196 1089962 2107\n')).toEqual({ runNs: 4118345196, waitNs: 1089962 });
    expect(parseSchedstat('garbage')).toBeNull();
  });
});

/** A measured second with this machine sample (a 2-core machine). */
function second(m: Partial<MachineSample>, phase: 'measure' | 'ramp' = 'measure') {
  const machine: MachineSample = {
    busyPercent: 20,
    coreBusyPercent: [20, 20],
    stealPercent: 0,
    oursCores: 0.3,
    othersCores: 0.05,
    cpuPressure: 0.01,
    loadThreadWait: { threads: 1, mean: 0.01, max: 0.01, runMean: 0.2, busiest: { run: 0.2, wait: 0.01 } },
    targetThreadWait: null,
    watchedThreadWait: null,
    ...m,
  };
  return timelineRowFixture({ phase, machine });
}

const starvedLoad = { threads: 1, mean: 0.4, max: 0.45, runMean: 0.55, busiest: { run: 0.55, wait: 0.4 } };
/** HAProxy's rate-limit beside busy loops: the load thread waited, but idled most of the window: it kept up. */
const idleButQueued = { threads: 1, mean: 0.16, max: 0.2, runMean: 0.07, busiest: { run: 0.07, wait: 0.16 } };

describe('the machine section and its verdict', () => {
  it('a quiet machine: quiet, no warning; figures over the measured window only', () => {
    const m = buildMachine([second({ busyPercent: 99 }, 'ramp'), second({}), second({ busyPercent: 30 })], 2, []);
    expect(m).toMatchObject({ window: 'measure', windowMs: 2000, busyPercentMean: 25, verdict: 'quiet' });
    expect(machineWarnings(m)).toEqual([]);
  });

  it('our threads starved while others took the cores: others, with the figures', () => {
    const m = buildMachine([second({ busyPercent: 100, othersCores: 1.2, loadThreadWait: starvedLoad })], 2, []);
    expect(m!.verdict).toBe('others');
    expect(m!.reason).toMatch(/load threads waited 40% of the window for a core .*others took 1.2 cores/);
    expect(machineWarnings(m)[0]).toMatch(/busy with other work/);
  });

  it('saturated by our own processes: ours, the figure is this setup’s', () => {
    const m = buildMachine([second({ busyPercent: 97, oursCores: 1.9, othersCores: 0.03 })], 2, []);
    expect(m!.verdict).toBe('ours');
    expect(machineWarnings(m)[0]).toMatch(/full with the run's own processes/);
  });

  it('others filled the cores but our threads idled (they kept up): quiet, though queued', () => {
    const m = buildMachine([second({ busyPercent: 100, othersCores: 1.9, loadThreadWait: idleButQueued })], 2, []);
    expect(m).toMatchObject({ verdict: 'quiet', queued: true });
  });

  it('a watched target that waited for a core but idled: quiet, warned its latency includes the wait', () => {
    // serve --service-time 1ms on loopback, watched, beside a busy loop on each core: ran 2%, waited 40%.
    const target = { threads: 4, mean: 0.137, max: 1, runMean: 0.011, busiest: { run: 0.023, wait: 0.399 } };
    const m = buildMachine([second({ busyPercent: 100, othersCores: 1.89, watchedThreadWait: target })], 2, []);
    expect(m).toMatchObject({ verdict: 'quiet', queued: false });
    const [warning, ...more] = machineWarnings(m);
    expect(more).toEqual([]);
    expect(warning).toMatch(/^the watched processes' busiest thread waited 40% of the window for a core while other/);
    expect(warning).toMatch(/the target's latency includes that wait; run again on a quiet machine$/);
    // Waiting 5% and running 2%: nothing on cores with room; on saturated ones it waited at every wake-up.
    const brief = { ...target, busiest: { run: 0.023, wait: 0.05 } };
    expect(machineWarnings(buildMachine([second({ othersCores: 1.89, watchedThreadWait: brief })], 2, []))).toEqual([]);
    const full = buildMachine([second({ busyPercent: 100, othersCores: 1.89, watchedThreadWait: brief })], 2, []);
    expect(machineWarnings(full)[0]).toMatch(/busiest thread waited 5% of the window for a core while other work/);
  });

  it('a starved embedded target thread counts as starved (its busiest thread)', () => {
    const target = { threads: 9, mean: 0.05, max: 0.4, runMean: 0.1, busiest: { run: 0.6, wait: 0.35 } };
    const m = buildMachine([second({ busyPercent: 100, othersCores: 1, targetThreadWait: target })], 2, []);
    expect(m!.verdict).toBe('others');
  });

  it('a source the kernel lacks stays null with its reason, never 0', () => {
    const reason = 'CPU pressure: /proc/pressure/cpu is missing';
    const m = buildMachine([second({ cpuPressure: null })], 2, [reason]);
    expect(m!.cpuPressure).toBeNull();
    expect(m!.unavailable).toEqual([reason]);
  });
});

/** A built probe result: open loop at `rate`/s asked, `achieved` carried, with these machine seconds. */
function probeResult(opts: {
  achieved: number;
  machine?: Partial<MachineSample>;
  target?: 'embedded' | 'external';
  refused?: number;
}) {
  const config = fixtureConfig(['--target', '127.0.0.1:7000', '--rate', '2000']);
  const outcome = fixtureOutcome(100, { timeline: [second(opts.machine ?? {})] });
  const inputs = fixtureInputs(config, outcome);
  if (opts.target === 'embedded') inputs.target = { ...inputs.target, kind: 'embedded' };
  const r = buildResult(inputs);
  r.throughput.roundTripsPerSecond = opts.achieved;
  if (opts.refused) {
    r.connections.attempted = opts.refused;
    r.connections.failed.byKind = { ECONNREFUSED: opts.refused };
  }
  return r;
}

describe('whose limit a failed probe was', () => {
  const rate = DIMENSIONS.rate;
  const slo = [parseThreshold('p99<1s')];

  it('a target that falls short on a quiet machine: the target’s', () => {
    const v = judgeProbe(probeResult({ achieved: 1200 }), 2000, rate, slo);
    expect(v).toMatchObject({ pass: false, limitOf: 'target', generatorLimit: null, machineLimit: null });
  });

  it('the same shortfall with our load threads starved by others: inconclusive, never the target’s', () => {
    const machine = { busyPercent: 100, othersCores: 1.3, loadThreadWait: starvedLoad };
    const v = judgeProbe(probeResult({ achieved: 1200, machine }), 2000, rate, slo);
    expect(v.limitOf).toBe('inconclusive');
    expect(v.machineLimit).toMatch(/others took 1.3 cores/);
  });

  it('others on the cores but our threads kept up: still the target’s (a real limit below the machine’s)', () => {
    const machine = { busyPercent: 100, othersCores: 1.9, loadThreadWait: idleButQueued };
    expect(judgeProbe(probeResult({ achieved: 500, machine }), 2000, rate, slo).limitOf).toBe('target');
  });

  it('a latency SLO broken while our threads queued behind others: inconclusive', () => {
    const machine = { busyPercent: 100, othersCores: 1.9, loadThreadWait: idleButQueued };
    const v = judgeProbe(probeResult({ achieved: 2000, machine }), 2000, rate, [parseThreshold('p99<1us')]);
    expect(v.limitOf).toBe('inconclusive');
  });

  it('our own processes filled the machine: the machine’s', () => {
    const machine = { busyPercent: 98, oursCores: 1.95, othersCores: 0.02 };
    expect(judgeProbe(probeResult({ achieved: 1200, machine }), 2000, rate, slo).limitOf).toBe('machine');
  });

  it('the embedded target is never the target’s limit: it shares the generator’s cores', () => {
    const v = judgeProbe(probeResult({ achieved: 1200, target: 'embedded' }), 2000, rate, slo);
    expect(v.limitOf).toBe('machine');
    expect(v.machineLimit).toMatch(/embedded target shares this machine's cores/);
  });

  it('a refusing target is the target’s, even with a busy machine', () => {
    const machine = { busyPercent: 100, othersCores: 1.3, loadThreadWait: starvedLoad };
    const r = probeResult({ achieved: 0, machine, refused: 502 });
    expect(whoseLimit(r)).toMatchObject({ limitOf: 'target' });
    expect(whoseLimit(r).why).toMatch(/refused or did not answer 502 of 502 connects \(ECONNREFUSED 502\)/);
  });
});
