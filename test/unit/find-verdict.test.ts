/**
 * One probe judged (find/probe-verdict.ts) on results from the fixture builder (test/fixtures/result.ts): whose limit
 * a failure was, sign against sign in the header's order (each sign beats every sign after it), the generator's own
 * signs one by one, and the failure in words. machine.test.ts proves the machine's verdict feeding these.
 */
import { describe, expect, it } from 'vitest';
import { type RunResult, runResultSchema } from '../../src/documents/result.js';
import { DIMENSIONS } from '../../src/find/dimensions.js';
import { generatorLimit, judgeProbe, whoseLimit } from '../../src/find/probe-verdict.js';
import { stepMetrics } from '../../src/gates/metric-table.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { type FixtureMode, type ResultKnobs, resultFixture } from '../fixtures/result.js';

describe('the result fixture builder', () => {
  it.each<FixtureMode>(['hold', 'echo', 'connect'])('builds a valid %s result whose knobs land where read', (mode) => {
    const r = resultFixture(mode, {
      load: 400,
      opened: 90,
      failed: { ECONNRESET: 7 },
      roundTripUs: { p99: 12_345 },
      machine: 'ours',
      kernel: { listenOverflows: 3, timeWait: 250 },
      scrape: { haproxy_frontend_current_sessions: 88 },
    });
    expect(runResultSchema.safeParse(r).success).toBe(true);
    expect(r.config.mode).toBe(mode);
    const m = stepMetrics(r);
    expect(m.p99).toBe(12_345);
    expect(m.failed).toBe(7);
    expect(m['kernel.listenOverflows']).toBe(3);
    expect(m['scrape.haproxy_frontend_current_sessions']).toBe(88);
    expect(r.machine?.verdict).toBe('ours');
    expect(r.kernel?.after.timeWait).toBe(250);
    if (mode !== 'connect') expect(m.opened).toBe(90);
    if (mode === 'hold') expect(r.connections.target).toBe(400);
    if (mode === 'echo') expect(r.config.ratePerSecond).toBe(400);
    if (mode === 'connect') expect(r.modeStats.churn?.cyclesPerSecond).toBe(400);
  });

  it('refuses a knob that makes no valid document (the zod schema, in the builder)', () => {
    expect(() => resultFixture('echo', { opened: -1 })).toThrow(/opened|too_small|>=0/);
  });
});

/**
 * The whose-limit signs, highest first. Row i carries its own sign and every sign after it: the verdict must be
 * row i's, so each sign is proven to beat all the later ones (and to be read at all).
 */
const SIGNS: { name: string; knobs: ResultKnobs; limitOf: string; why: RegExp | null }[] = [
  {
    name: 'a refusing target',
    knobs: { failed: { ECONNREFUSED: 900 } },
    limitOf: 'target',
    why: /^the target refused or did not answer 900 of .* connects \(ECONNREFUSED 900\): unreachable or refusing, not/,
  },
  {
    name: "this host's ports",
    knobs: { failed: { EADDRNOTAVAIL: 40 }, kernel: { timeWait: 27_000 } },
    limitOf: 'generator',
    why: /^40 connects found no free ephemeral port \(EADDRNOTAVAIL; range 32768-60999, 27,000 sockets in TIME_WAIT\)/,
  },
  {
    name: "this host's file descriptors",
    knobs: { failed: { EMFILE: 12 } },
    limitOf: 'generator',
    why: /^12 connects found no free file descriptor \(EMFILE\)$/,
  },
  {
    name: "others took the machine's cores",
    knobs: { machine: 'others' },
    limitOf: 'inconclusive',
    why: /others took 1.3 cores/,
  },
  {
    name: "the generator's schedule",
    knobs: { generatorBehind: true },
    limitOf: 'generator',
    why: /^the generator fell behind its own schedule \(4000 of 20000 measured sends left late\)$/,
  },
  { name: 'our processes filled the machine', knobs: { machine: 'ours' }, limitOf: 'machine', why: /1.95 of 2/ },
  {
    name: 'the embedded target',
    knobs: { target: 'embedded' },
    limitOf: 'machine',
    why: /^the embedded target shares this machine's cores with the generator/,
  },
  { name: 'none: the target', knobs: {}, limitOf: 'target', why: null },
];

/** Row i's sign with every later one: failed kinds add up, the machine's verdict is the highest row's. */
function withLaterSigns(i: number): ResultKnobs {
  const rows = SIGNS.slice(i).map((s) => s.knobs);
  const failed = Object.assign({}, ...rows.map((k) => k.failed ?? {}));
  return { ...Object.assign({}, ...[...rows].reverse()), failed, achieved: 1200 };
}

describe('whose limit a failed probe was, in order', () => {
  it.each(SIGNS.map((s, i) => [s.name, i] as const))('%s beats every later sign', (_name, i) => {
    const r = resultFixture('echo', withLaterSigns(i));
    const v = whoseLimit(r);
    expect(v.limitOf).toBe(SIGNS[i].limitOf);
    if (SIGNS[i].why === null) expect(v.why).toBeNull();
    else expect(v.why).toMatch(SIGNS[i].why!);
  });

  it('each sign alone decides (none is read only through another)', () => {
    for (const s of SIGNS)
      expect(whoseLimit(resultFixture('echo', { ...s.knobs, achieved: 1200 })).limitOf).toBe(s.limitOf);
  });
});

describe('a latency SLO broken while the load threads queued for a core', () => {
  const queued = (othersCoresMean: number) => ({
    verdict: 'quiet' as const,
    queued: true,
    reason: 'load threads waited 15% of the window for a core',
    ...{ othersCoresMean },
  });
  const p99 = [parseThreshold('p99<1ms')];
  const slow = { roundTripUs: { p99: 5000 } };

  it("on a load carried, behind our own processes: the machine's; behind others': inconclusive", () => {
    const ours = judgeProbe(resultFixture('echo', { ...slow, machine: queued(0.05) }), 2000, DIMENSIONS.rate, p99);
    expect(ours).toMatchObject({
      limitOf: 'machine',
      machineLimit: 'load threads waited 15% of the window for a core',
    });
    const others = judgeProbe(resultFixture('echo', { ...slow, machine: queued(1.2) }), 2000, DIMENSIONS.rate, p99);
    expect(others.limitOf).toBe('inconclusive');
  });

  it("on a load the target held back (not carried): the target's, our threads' wait notwithstanding", () => {
    const held = resultFixture('echo', { ...slow, achieved: 1000, machine: queued(0.05) });
    expect(judgeProbe(held, 2000, DIMENSIONS.rate, p99).limitOf).toBe('target');
  });
});

describe("a latency SLO broken while the watched target's busiest thread queued for a core", () => {
  // The figures of `l4stress serve --service-time 1ms` on loopback beside a busy loop on each core, rate 200/s:
  // the target's thread ran 2% and waited 40% of the window; the load threads waited 4% (not queued).
  const targetQueued = (othersCoresMean: number, wait = 0.399) => ({
    verdict: 'quiet' as const,
    queued: false,
    reason: null,
    othersCoresMean,
    watchedThreadWait: { threads: 4, mean: 0.137, max: 1, runMean: 0.011, busiest: { run: 0.023, wait } },
  });
  const p99 = [parseThreshold('p99<20ms')];
  const slow = { roundTripUs: { p99: 98_367 } };

  it("a carried load, beside others' work: inconclusive, naming the target's wait; beside ours: the machine's", () => {
    const others = judgeProbe(
      resultFixture('echo', { ...slow, machine: targetQueued(1.89) }),
      2000,
      DIMENSIONS.rate,
      p99,
    );
    expect(others.limitOf).toBe('inconclusive');
    expect(others.machineLimit).toMatch(/the watched processes' busiest thread ran 2%, waited 40%; others took 1.89/);
    const ours = judgeProbe(
      resultFixture('echo', { ...slow, machine: targetQueued(0.05) }),
      2000,
      DIMENSIONS.rate,
      p99,
    );
    expect(ours.limitOf).toBe('machine');
    expect(ours.machineLimit).toMatch(/waited 40%/);
  });

  it('on saturated cores, a mostly idle target that waited as long as it ran counts as queued too', () => {
    // Others' work on both cores (busy 100%): serve ran 1.9% and waited 4.5%, p99 39 ms at 100 messages/s of 1,000.
    const idleTarget = { threads: 4, mean: 0.02, max: 0.05, runMean: 0.01, busiest: { run: 0.019, wait: 0.045 } };
    const saturated = { ...targetQueued(1.92), busyPercentMean: 100, watchedThreadWait: idleTarget };
    expect(judgeProbe(resultFixture('echo', { ...slow, machine: saturated }), 2000, DIMENSIONS.rate, p99).limitOf).toBe(
      'inconclusive',
    );
    // It ran longer than it waited: the cores had room for it when it woke; the failure stays the target's.
    const roomy = { ...saturated, watchedThreadWait: { ...idleTarget, busiest: { run: 0.05, wait: 0.045 } } };
    expect(judgeProbe(resultFixture('echo', { ...slow, machine: roomy }), 2000, DIMENSIONS.rate, p99).limitOf).toBe(
      'target',
    );
  });

  it("a target that waited under 10% on cores with room, or held the load back (not carried), is the target's", () => {
    const brief = resultFixture('echo', { ...slow, machine: targetQueued(1.89, 0.09) });
    expect(judgeProbe(brief, 2000, DIMENSIONS.rate, p99).limitOf).toBe('target');
    const held = resultFixture('echo', { ...slow, achieved: 1000, machine: targetQueued(1.89) });
    expect(judgeProbe(held, 2000, DIMENSIONS.rate, p99).limitOf).toBe('target');
  });
});

describe("the generator's own signs", () => {
  const threads = (r: RunResult) => Math.min(r.environment.cores, r.config.workers);

  it('names each, most specific first, and none when it kept up', () => {
    expect(generatorLimit(resultFixture('echo'))).toBeNull();
    expect(generatorLimit(resultFixture('echo', { generatorBehind: true }))).toMatch(/fell behind its own schedule/);
    expect(generatorLimit(resultFixture('connect', { churnLimit: 'generator' }))).toBe(
      'the generator did not get to its connects in time',
    );
    expect(generatorLimit(resultFixture('hold', { failed: { EMFILE: 12 } }))).toBe(
      '12 connects found no free file descriptor (EMFILE)',
    );
    // Ports in connect mode: --close rst is a fix there (its TIME_WAIT is ours).
    expect(generatorLimit(resultFixture('connect', { failed: { EADDRNOTAVAIL: 5 } }))).toMatch(
      /: close with --close rst, or spread over more --source-ips$/,
    );
    expect(generatorLimit(resultFixture('hold', { failed: { EADDRINUSE: 5 } }))).toMatch(/: spread over more --source/);
  });

  it('its load threads saturated: 90% of a core each, not below', () => {
    const probe = resultFixture('echo');
    const busy = resultFixture('echo', { cpuPercent: 90 * threads(probe) });
    expect(generatorLimit(busy)).toMatch(new RegExp(`CPU was ${90 * threads(probe)}% .* saturated$`));
    expect(generatorLimit(resultFixture('echo', { cpuPercent: 89 * threads(probe) }))).toBeNull();
  });
});

describe('a probe judged', () => {
  const rate = DIMENSIONS.rate;

  it('passes what met every SLO and carried its load (97% of it)', () => {
    const v = judgeProbe(resultFixture('echo', { achieved: 1940 }), 2000, rate, [parseThreshold('p99<10ms')]);
    expect(v).toMatchObject({ pass: true, carried: true, failure: null, limitOf: null });
    expect(judgeProbe(resultFixture('echo', { achieved: 1939 }), 2000, rate, []).carried).toBe(false);
  });

  it('says the first broken SLO with its figure in its unit, then what was not carried', () => {
    const slo = [parseThreshold('errors==0'), parseThreshold('p99<1ms')];
    const slow = judgeProbe(resultFixture('echo', { roundTripUs: { p99: 2500 } }), 2000, rate, slo);
    expect(slow).toMatchObject({ pass: false, failure: 'p99<1ms broke: 2.50ms', limitOf: 'target' });
    const short = judgeProbe(resultFixture('echo', { achieved: 1200 }), 2000, rate, []);
    expect(short.failure).toBe('the load was not carried: 1,200 messages/s of 2,000 asked');
  });

  it('an interrupted probe has no whose-limit; a refusing target is the failure, whatever SLO then broke', () => {
    const interrupted = judgeProbe(resultFixture('echo', { status: 'interrupted', achieved: 10 }), 2000, rate, []);
    expect(interrupted).toMatchObject({ failure: 'interrupted', limitOf: null });
    const refused = resultFixture('echo', { failed: { ECONNREFUSED: 900 }, achieved: 0 });
    const v = judgeProbe(refused, 2000, rate, [parseThreshold('p99<1ms')]);
    expect(v.failure).toMatch(/^the target refused or did not answer 900/);
    expect(v.limitOf).toBe('target');
  });

  it("a generator's limit is said as such, and the machine's figures only when it bounded the probe", () => {
    const behind = judgeProbe(resultFixture('echo', { generatorBehind: true, achieved: 1200 }), 2000, rate, []);
    expect(behind).toMatchObject({ limitOf: 'generator', machineLimit: null });
    expect(behind.generatorLimit).toMatch(/fell behind/);
    const ours = judgeProbe(resultFixture('echo', { machine: 'ours', achieved: 1200 }), 2000, rate, []);
    expect(ours).toMatchObject({ limitOf: 'machine', generatorLimit: null });
    expect(ours.machineLimit).toMatch(/1.95 of 2/);
  });
});
