/**
 * Every end of a search in words (find/answer.ts) and its exit code, reached through find's loop against FAKES of
 * its probe runner, preflight and clock (test/helpers/fake-find.ts) and a scripted target; and the capacity gates
 * (--expect, a scenario step's `expect`, and its recorded `capacity` metric with its thresholds) on each kind of
 * answer, "at least" ones included.
 */
import { describe, expect, it } from 'vitest';
import type { FindDocument } from '../../src/documents/find.js';
import { capacityMetrics } from '../../src/find/answer.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { stepVerdicts } from '../../src/scenario/step-verdicts.js';
import type { ProbeScript } from '../helpers/fake-find.js';
import { findFromStep } from '../helpers/find-args.js';
import { fakeSearch, rateKnee } from '../helpers/find-loop.js';

const RATE = ['--vary', 'rate', '--slo', 'p99<10ms'];
const above =
  (load: number, knobs: ReturnType<ProbeScript>): ProbeScript =>
  (asked) =>
    asked > load ? { achieved: asked / 2, ...knobs } : {};

describe('every end in words, with its exit code', () => {
  it('found: the capacity, confirmed, what broke above it, the target’s limit (0)', async () => {
    const s = await fakeSearch(RATE, rateKnee(5000));
    expect(s.answer).toMatchObject({ end: 'found', atLeast: false, limitOf: 'target' });
    const { capacity, bracket } = s.answer;
    expect(capacity).toBeGreaterThanOrEqual(5000 / 1.05);
    expect(s.answer.text).toBe(
      `capacity ${capacity!.toLocaleString('en-US')} messages/s within p99<10ms (passed 2x; ` +
        `${bracket.fail!.toLocaleString('en-US')} failed): the target's limit. At 8,000: the load was not carried: ` +
        '5,000 messages/s of 8,000 asked.',
    );
    expect(s.exitCode).toBe(0);
  });

  it('to-reached: at least --to (0)', async () => {
    const s = await fakeSearch([...RATE, '--from', '100', '--to', '800'], rateKnee(5000));
    expect(s.answer.text).toBe('at least 800 messages/s: every probe up to --to 800 met p99<10ms.');
    expect(s.exitCode).toBe(0);
  });

  it('nothing-passed: down to the floor, what broke first (4)', async () => {
    const s = await fakeSearch([...RATE, '--from', '8'], () => ({ achieved: 0 }));
    expect(s.probes.map((p) => p.load)).toEqual([8, 4, 2, 1]);
    expect(s.answer.text).toBe(
      'no load met p99<10ms, down to 1 messages/s. At 8: the load was not carried: 0 messages/s of 8 asked.',
    );
    expect(s.exitCode).toBe(4);
  });

  it('generator-limit: at least what passed, where it gave out and the fix (3)', async () => {
    const s = await fakeSearch(RATE, above(2000, { generatorBehind: true }));
    expect(s.answer.text).toBe(
      "the generator's limit, not the target's: at least 2,000 messages/s. It gave out at 4,000 messages/s: the " +
        'generator fell behind its own schedule (4000 of 20000 measured sends left late). Fix: more generator ' +
        'threads or processes (--workers, --processes), or shards on other machines.',
    );
    expect(s.exitCode).toBe(3);
  });

  it('machine-limit: our processes filled the machine, with its figures (3)', async () => {
    const s = await fakeSearch(RATE, above(2000, { machine: 'ours' }));
    expect(s.answer.text).toBe(
      "the machine's limit, not the target's: at least 2,000 messages/s, where the generator, the target and the " +
        "watched processes filled this machine's cores. At 4,000 messages/s: the cores were 98% busy, 1.95 of 2 " +
        "by the run's own processes. The figure is this setup's: run the generator on another host (shards) to " +
        'measure the target alone.',
    );
    expect(s.exitCode).toBe(3);
  });

  it('inconclusive: others took the cores, with the figures (6)', async () => {
    const s = await fakeSearch(RATE, above(1000, { machine: 'others' }));
    expect(s.answer.text).toBe(
      "inconclusive: at least 1,000 messages/s, but above it other work took this machine's cores, so no probe " +
        'there could be judged (retried after a cool-down). At 2,000 messages/s: load threads waited 40% of the ' +
        'window for a core and ran 55%; others took 1.3 cores. Run again on a quiet machine.',
    );
    expect(s.exitCode).toBe(6);
  });

  it.each([
    ['machine', 'ours', "the machine's limit, not the target's: nothing passed, where the generator"],
    ['others', 'others', 'inconclusive: nothing passed, but while the probes ran other work took'],
  ] as const)('bounded by %s from the first probe: nothing passed, never a capacity', async (_w, machine, text) => {
    const s = await fakeSearch(RATE, above(0, { machine }));
    expect(s.answer).toMatchObject({ capacity: null, atLeast: false });
    expect(s.answer.text.startsWith(text)).toBe(true);
  });

  it('stopped by --max-time mid-bisection: "at least" the highest pass, with the failure above it', async () => {
    // 1,000, 2,000, 4,000 pass; 8,000 achieves 5,000, tried next and passed; the sixth probe meets the deadline.
    const s = await fakeSearch([...RATE, '--max-time', '40s'], rateKnee(5000));
    expect(s.answer.text).toBe(
      'at least 5,000 messages/s: stopped by --max-time before the answer was confirmed (8,000 failed). At 8,000: ' +
        'the load was not carried: 5,000 messages/s of 8,000 asked.',
    );
    expect(s.exitCode).toBe(0);
  });

  it('the embedded target: a failure is never the target’s, whatever the load (3)', async () => {
    const s = await fakeSearch(RATE, (load, i) => ({ ...rateKnee(5000)(load, i), target: 'embedded' }));
    expect(s.answer).toMatchObject({ end: 'machine-limit', limitOf: 'machine' });
    expect(s.answer.text).toMatch(/At 8,000 messages\/s: the embedded target shares this machine's cores/);
    expect(s.exitCode).toBe(3);
  });

  it('unreachable: the first probe refused, the search ends there (3)', async () => {
    const refused = { status: 'unreachable' as const, opened: 0, failed: { ECONNREFUSED: 100 }, achieved: 0 };
    const s = await fakeSearch(RATE, () => refused);
    expect(s.probes).toHaveLength(1);
    expect(s.answer.text).toBe(
      'the target is unreachable: the target refused or did not answer 100 of 100 connects (ECONNREFUSED 100): ' +
        'unreachable or refusing, not a capacity. Nothing was measured; check --target.',
    );
    expect(s.exitCode).toBe(3);
  });

  it('a watched process exited: the search stops there and says when (4)', async () => {
    const s = await fakeSearch(RATE, (load) => (load > 2000 ? { watchedExitAfterS: 2 } : {}));
    expect(s.probes).toHaveLength(3);
    expect(s.watchedExit).toMatchObject({ pid: 4321, name: 'haproxy', probe: 3, load: 4000 });
    expect(s.answer.text).toBe(
      'at least 2,000 messages/s: stopped at 4,000 messages/s, where watched process 4321 (haproxy) exited 2 s ' +
        'into probe 3 (2026-12-01T10:00:02.000Z).',
    );
    expect(s.exitCode).toBe(4);
  });

  it('passing probes that counted errors say so beside the capacity, and how to fail them', async () => {
    const s = await fakeSearch(RATE, (load, i) => ({ ...rateKnee(5000)(load, i), failed: { ECONNRESET: 3 } }));
    expect(s.answer.text).toMatch(
      /\. Probes at [\d,]+ passed with up to 3 errors \(echo timeouts, drops, failed connects\): add --slo 'errors==0'/,
    );
  });
});

describe('capacity gates on each kind of answer', () => {
  const gates = async (args: string[], script: ProbeScript, expects: string[]) => {
    const s = await fakeSearch([...RATE, ...args, ...expects.flatMap((e) => ['--expect', e])], script);
    return { s, verdicts: s.expect.map((v) => `${v.pass ? 'pass' : 'fail'}: ${v.reason}`) };
  };

  it('"at least" meets a lower bound it reaches, and cannot judge an upper bound', async () => {
    const to = ['--from', '100', '--to', '800'];
    const met = await gates(to, rateKnee(5000), ['capacity>=500']);
    expect(met.verdicts).toEqual(['pass: capacity at least 800 meets >= 500']);
    expect(met.s.exitCode).toBe(0);
    const upper = await gates(to, rateKnee(5000), ['capacity>=500', 'capacity<=1000']);
    expect(upper.verdicts[1]).toBe('fail: capacity at least 800: an upper bound cannot be judged on a lower bound');
    expect(upper.s.exitCode).toBe(5);
    expect((await gates(to, rateKnee(5000), ['capacity>=900'])).verdicts).toEqual([
      'fail: capacity at least 800 breaks >= 900',
    ]);
  });

  it('a found capacity is judged both ways', async () => {
    const { s, verdicts } = await gates([], rateKnee(5000), ['capacity<100k', 'capacity>6k']);
    expect(verdicts[0]).toMatch(/^pass: capacity \d+ meets < 100000$/);
    expect(verdicts[1]).toMatch(/^fail: capacity \d+ breaks > 6000$/);
    expect(s.exitCode).toBe(5);
  });

  it("a lower bound met under the generator's limit is met (0); unmet, the limit's own code (3)", async () => {
    const script = above(2000, { generatorBehind: true });
    expect((await gates([], script, ['capacity>=1000'])).s.exitCode).toBe(0);
    expect((await gates([], script, ['capacity>=5000'])).s.exitCode).toBe(3);
  });

  it('nothing passed: no capacity to judge, the gate fails (5)', async () => {
    const { s, verdicts } = await gates(['--from', '8'], () => ({ achieved: 0 }), ['capacity>=1']);
    expect(verdicts).toEqual(['fail: no load passed: no capacity to judge']);
    expect(s.exitCode).toBe(5);
  });

  it.each([
    ["the generator's limit", [] as string[], above(2000, { generatorBehind: true })],
    ['--to reached', ['--from', '100', '--to', '800'], rateKnee(5000)],
    ['found', [] as string[], rateKnee(5000)],
  ])("%s: a step's recorded capacity and its thresholds agree with --expect (one rule)", async (_w, args, script) => {
    const rules = ['capacity>=500', 'capacity>=1m', 'capacity<=1m'];
    const { s } = await gates(args, script, rules);
    // The step's iteration as find-step.ts records it, its thresholds judged as a scenario judges them.
    const { metrics, atLeast } = capacityMetrics({ answer: s.answer } as FindDocument);
    expect(metrics.capacity).toBe(s.answer.capacity);
    expect(atLeast).toBe(s.answer.atLeast);
    const iteration = { resultFile: 'x.find.json', status: s.answer.end, metrics, atLeast, maxRssBytes: 0 };
    const thresholds = stepVerdicts(rules.map(parseThreshold), [{ ...iteration, cpuPercentMax: 0 }], 'target');
    expect(thresholds.map((v) => [v.pass, v.reason])).toEqual(s.expect.map((v) => [v.pass, v.reason]));
  });

  it("a scenario step's expect is judged as --expect is, on the same search", async () => {
    const step = findFromStep({
      find: { vary: 'rate', slo: ['p99<10ms'], to: 800, from: 100, expect: ['capacity>=500', 'capacity<=1000'] },
    });
    const viaStep = await fakeSearch(step, rateKnee(5000));
    const viaCli = await gates(['--from', '100', '--to', '800'], rateKnee(5000), ['capacity>=500', 'capacity<=1000']);
    expect(viaStep.expect).toEqual(viaCli.s.expect);
    expect(viaStep.exitCode).toBe(viaCli.s.exitCode);
  });
});
