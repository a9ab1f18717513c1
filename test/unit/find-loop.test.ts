/**
 * find's loop with a FAKE probe runner, preflight and clock (test/helpers/fake-find.ts), as Nighthawk's adaptive-load
 * controller is tested with a mock client and a fake time source: a preflight refusal is the generator's limit (exit
 * 3), Ctrl-C and --max-time end the search mid-probe, mid-cool-down and mid-port-wait with what was found, and the
 * machine-bound and inconclusive probes are retried as search.ts says, the inconclusive ones after a cool-down on the
 * fake clock (no real sleeping). The real probes stay proved in test/integration/find*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { CouldNotRunError } from '../../src/core/errors.js';
import { COOL_DOWN_MS } from '../../src/find/find-loop.js';
import { INCONCLUSIVE_RETRIES } from '../../src/find/search.js';
import { FakeClock, fakePreflight, type ProbeScript } from '../helpers/fake-find.js';
import { connsKnee, fakeSearch, rateKnee } from '../helpers/find-loop.js';

const CONNS = ['--vary', 'conns', '--slo', 'opened==target'];
const RATE = ['--vary', 'rate', '--slo', 'p99<10ms'];
/** A probe's length on the fake clock: --warmup 2s + --window 5s. */
const PROBE_MS = 7000;
/** Above `load`, others took this machine's cores and our load threads starved: half the load carried. */
const starvedAbove =
  (load: number): ProbeScript =>
  (asked) =>
    asked > load ? { achieved: asked / 2, machine: 'others' } : { achieved: asked };

describe("a probe this host's limits refuse before any socket", () => {
  it("ends a conns search as the generator's limit, exit 3, with the refusal and its fix", async () => {
    const s = await fakeSearch(CONNS, connsKnee(100_000), { fdsFor: 1000 });
    // 100, 200, 400 and 800 ran; 1,600 was refused before any socket, and not tried again.
    expect(s.probe.calls.map((c) => c.load)).toEqual([100, 200, 400, 800]);
    expect(s.answer).toMatchObject({ end: 'generator-limit', capacity: 800, atLeast: true, limitOf: 'generator' });
    expect(s.answer.text).toMatch(
      new RegExp(
        "^the generator's limit, not the target's: at least 800 sessions\\. It gave out: --conns 1600 needs 3264 " +
          'file descriptors; the limit is 2064 \\(raise it \\(ulimit -n\\), or spread over --processes\\)\\. ' +
          'Fix: more source addresses',
      ),
    );
    expect(s.answer.text).not.toMatch(/max-time/);
    expect(s.exitCode).toBe(3);
  });

  it('at the first load: nothing passed, no probe ran, exit 3', async () => {
    const s = await fakeSearch(CONNS, connsKnee(100_000), { fdsFor: 50 });
    expect(s.probes).toEqual([]);
    expect(s.answer.text).toMatch(
      /^the generator's limit, not the target's: nothing passed\. It gave out: --conns 100/,
    );
    expect(s.exitCode).toBe(3);
  });

  it.each([
    ['machine', 'ours'],
    ['others (inconclusive)', 'others'],
  ] as const)("refused on the retry of a load the %s bounded: still the generator's limit", async (_w, machine) => {
    // The retry's port wait finds the ports held (an earlier probe's TIME_WAIT that will not clear in time).
    const portsHeld = () => {
      const seen = new Set<number>();
      return async (load: number) => {
        if (seen.has(load)) throw new CouldNotRunError(`${load} sessions: no free ports`, 'spread over --source-ips');
        seen.add(load);
        return 1;
      };
    };
    const s = await fakeSearch(CONNS, (load) => (load > 400 ? { opened: load / 2, machine } : {}), {
      preflight: portsHeld,
    });
    expect(s.probes.map((p) => p.load)).toEqual([100, 200, 400, 800]);
    expect(s.answer).toMatchObject({ end: 'generator-limit', capacity: 400, limitOf: 'generator' });
    expect(s.answer.text).toMatch(/It gave out: 800 sessions: no free ports \(spread over --source-ips\)\./);
    expect(s.exitCode).toBe(3);
  });

  it('a rate search refused at its fixed --conns is the tool failing to run (thrown, exit 3 by its type)', async () => {
    await expect(fakeSearch(RATE, rateKnee(5000), { fdsFor: 50 })).rejects.toThrow(CouldNotRunError);
  });

  it.each([
    ['rate', RATE, 1000],
    ['cps', ['--vary', 'cps', '--slo', 'connect.p99<100ms'], 500],
  ] as const)(
    'a %s search whose later probe is refused keeps its probes: the document, exit 3',
    async (_d, args, from) => {
      // The third probe's port wait finds the ports still held (earlier probes' TIME_WAIT that will not clear in time).
      const portsHeldFrom = () => async (load: number) => {
        if (load >= from * 4) throw new CouldNotRunError(`${load}/s: no free ports after the wait`, 'use --close rst');
        return 1;
      };
      const s = await fakeSearch([...args], () => ({}), { preflight: portsHeldFrom });
      expect(s.probes.map((p) => p.load)).toEqual([from, from * 2]);
      expect(s.answer).toMatchObject({
        end: 'generator-limit',
        capacity: from * 2,
        atLeast: true,
        limitOf: 'generator',
      });
      expect(s.answer.text).toContain(`It gave out: ${from * 4}/s: no free ports after the wait (use --close rst).`);
      expect(s.exitCode).toBe(3);
    },
  );

  it('each probe runs with the processes the preflight gave it; no deadline timer is left behind', async () => {
    const s = await fakeSearch([...CONNS, '--to', '400'], connsKnee(100_000));
    expect(s.probe.calls).toEqual([
      { load: 100, purpose: 'grow', processes: 1 },
      { load: 200, purpose: 'grow', processes: 1 },
      { load: 400, purpose: 'grow', processes: 1 },
      // "at least --to" rests on a full probe: the growth scout's pass at --to is probed again in full.
      { load: 400, purpose: 'confirm', processes: 1 },
    ]);
    expect(s.clock.pending()).toBe(0);
    expect(s.lines).toHaveLength(4);
  });
});

describe('Ctrl-C mid-search', () => {
  it('mid-probe: the interrupted probe kept, the answer "at least" what passed, exit 130', async () => {
    const ctrl = new AbortController();
    const s = await fakeSearch(
      RATE,
      (load, index) => ({ achieved: load, during: index === 3 ? () => ctrl.abort() : undefined }),
      { ctrl },
    );
    expect(s.probes.map((p) => p.status)).toEqual(['completed', 'completed', 'interrupted']);
    expect(s.probes[2]).toMatchObject({ pass: false, failure: 'interrupted', limitOf: null });
    expect(s.answer).toMatchObject({ end: 'stopped', capacity: 2000, atLeast: true });
    expect(s.answer.text).toBe('at least 2,000 messages/s: stopped by Ctrl-C before the answer was confirmed.');
    expect(s.exitCode).toBe(130);
  });

  it('mid-cool-down: no probe after it, exit 130', async () => {
    const ctrl = new AbortController();
    const clock = new FakeClock();
    const s = await fakeSearch(
      RATE,
      (load, index) => ({
        ...starvedAbove(1000)(load, index),
        // Ctrl-C one second into the cool-down that follows the first inconclusive probe (the second).
        during: index === 2 ? () => clock.after(PROBE_MS / 2 + 1000, () => ctrl.abort()) : undefined,
      }),
      { ctrl, clock },
    );
    expect(s.probes).toHaveLength(2);
    expect(s.probes[1].limitOf).toBe('inconclusive');
    expect(clock.sleeps).toEqual([COOL_DOWN_MS]);
    expect(s.elapsedMs).toBe(2 * PROBE_MS + 1000);
    expect(s.answer.end).toBe('stopped');
    expect(s.exitCode).toBe(130);
  });
});

describe('--max-time mid-search', () => {
  it('mid-probe: "at least" what passed, exit 0, at the deadline to the millisecond', async () => {
    const s = await fakeSearch([...RATE, '--max-time', '20s'], rateKnee(100_000));
    expect(s.elapsedMs).toBe(20_000);
    expect(s.probes.map((p) => p.status)).toEqual(['completed', 'completed', 'interrupted']);
    expect(s.answer.text).toBe('at least 2,000 messages/s: stopped by --max-time before the answer was confirmed.');
    expect(s.exitCode).toBe(0);
  });

  it('before any load passed: "nothing passed yet", exit 3', async () => {
    const s = await fakeSearch([...RATE, '--max-time', '10s'], () => ({ achieved: 1 }));
    expect(s.answer.text).toMatch(/^nothing passed yet: stopped by --max-time before the answer was confirmed/);
    expect(s.exitCode).toBe(3);
  });

  it('mid-cool-down: stopped, not inconclusive (the retries were not all run)', async () => {
    const s = await fakeSearch([...RATE, '--max-time', '16s'], starvedAbove(1000));
    expect(s.probes).toHaveLength(2);
    expect(s.elapsedMs).toBe(16_000);
    expect(s.answer).toMatchObject({ end: 'stopped', capacity: 1000 });
    expect(s.exitCode).toBe(0);
  });

  it.each([
    ['conns', CONNS],
    ['rate', RATE],
  ])("%s: mid-port-wait, stopped by --max-time, the document written (not the generator's limit)", async (_d, args) => {
    // As the real port wait does: interrupted, it throws "could not run", having applied no load.
    const waiting = (clock: FakeClock) => {
      const pass = fakePreflight();
      return async (load: number, signal: AbortSignal) => {
        // Two probes' ports free; the third waits past the deadline.
        if (pass.loads.length < 2) return pass(load, signal);
        clock.advance(60_000, signal);
        throw new CouldNotRunError('interrupted while waiting for TIME_WAIT ports to clear: no load was applied');
      };
    };
    const s = await fakeSearch([...args, '--max-time', '30s'], () => ({}), { preflight: waiting });
    expect(s.elapsedMs).toBe(30_000);
    expect(s.probes).toHaveLength(2);
    expect(s.answer).toMatchObject({ end: 'stopped', capacity: s.probes[1].load, atLeast: true });
    expect(s.answer.text).toMatch(/^at least .*: stopped by --max-time before the answer was confirmed\.$/);
    expect(s.exitCode).toBe(0);
  });
});

describe('a probe something other than the target bounded', () => {
  it("the machine's limit: retried once, twice ends the search (exit 3), no cool-down", async () => {
    const s = await fakeSearch(RATE, (load) => (load > 2000 ? { achieved: load / 2, machine: 'ours' } : {}));
    expect(s.probes.map((p) => `${p.purpose} ${p.load}`).slice(-2)).toEqual(['grow 4000', 'retry 4000']);
    expect(s.answer).toMatchObject({ end: 'machine-limit', capacity: 2000, limitOf: 'machine' });
    expect(s.clock.sleeps).toEqual([]);
    expect(s.exitCode).toBe(3);
  });

  it('a busy moment of the machine: the retry passes and the search goes on', async () => {
    const s = await fakeSearch(RATE, (load, i) =>
      i === 3 ? { achieved: load / 2, machine: 'ours' } : rateKnee(5000)(load, i),
    );
    expect(s.probes[3]).toMatchObject({ load: 4000, purpose: 'retry', pass: true });
    expect(s.answer).toMatchObject({ end: 'found' });
  });

  it(`inconclusive: retried ${INCONCLUSIVE_RETRIES} times, each after a cool-down, then exit 6`, async () => {
    const s = await fakeSearch(RATE, starvedAbove(1000));
    expect(s.probes.map((p) => `${p.purpose} ${p.load}`)).toEqual([
      'grow 1000',
      'grow 2000',
      'retry 2000',
      'retry 2000',
    ]);
    expect(s.clock.sleeps).toEqual(Array(INCONCLUSIVE_RETRIES).fill(COOL_DOWN_MS));
    expect(s.elapsedMs).toBe(4 * PROBE_MS + INCONCLUSIVE_RETRIES * COOL_DOWN_MS);
    expect(s.lines.filter((l) => /cooling down 5 s, then the probe again/.test(l))).toHaveLength(2);
    expect(s.answer).toMatchObject({ end: 'inconclusive', capacity: 1000, limitOf: 'inconclusive' });
    expect(s.exitCode).toBe(6);
  });

  it('others gone after a cool-down: the retry judged, the search goes on', async () => {
    const s = await fakeSearch(RATE, (load, i) => (i === 2 ? starvedAbove(1000)(load, i) : rateKnee(5000)(load, i)));
    expect(s.clock.sleeps).toEqual([COOL_DOWN_MS]);
    expect(s.answer.end).toBe('found');
  });
});
