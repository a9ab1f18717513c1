/**
 * Test doubles of what find's loop (src/find/find-loop.ts) drives, for the unit tests that script it, as Nighthawk's
 * adaptive-load controller tests script a mock benchmark client and a fake time source. FAKES, all three: no socket
 * opens and no real time passes. The real probe runs a load against a real target (proved in
 * test/integration/find*.test.ts); the fake one builds each probe's result with the result fixture builder from
 * what a scripted target does at that load, then judges and records it with the real code (probe.ts probeRecord).
 */
import { CouldNotRunError } from '../../src/core/errors.js';
import type { ProbeRecord } from '../../src/documents/find.js';
import type { FindConfig } from '../../src/find/find-config.js';
import type { FindClock, FindParts } from '../../src/find/find-loop.js';
import { probeRecord } from '../../src/find/probe.js';
import type { NextProbe } from '../../src/find/search.js';
import { type FixtureMode, type ResultKnobs, resultFixture } from '../fixtures/result.js';

/** A fake clock: time moves only when a fake probe runs or the loop sleeps; timers fire as it passes them. */
export class FakeClock implements FindClock {
  /** Every sleep the loop asked for, in ms. */
  readonly sleeps: number[] = [];
  private ms = Date.parse('2026-12-01T10:00:00Z');
  private timers: { at: number; fn: () => void }[] = [];

  now(): number {
    return this.ms;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.advance(ms, signal);
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.ms + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time on by `ms` (or until `signal` aborts), firing each timer it passes, in order. */
  advance(ms: number, signal?: AbortSignal): void {
    const end = this.ms + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due || signal?.aborted) break;
      this.ms = Math.max(this.ms, due.at);
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
    if (!signal?.aborted) this.ms = end;
  }

  /** Timers not yet fired or cancelled (the loop must leave none behind). */
  pending(): number {
    return this.timers.length;
  }
}

/** What the scripted target does at a probe: the result's knobs, and something to do mid-probe (Ctrl-C). */
export type ProbeScript = (load: number, index: number) => ResultKnobs & { during?: () => void };

const MODE: Record<string, FixtureMode> = { hold: 'hold', echo: 'echo', connect: 'connect' };

/**
 * A FAKE probe runner: each probe takes the probe's length (warm-up + window) of the fake clock and its result is
 * built from the script; aborted on the way (Ctrl-C, --max-time), it is an interrupted run, as a real one would be.
 */
export function fakeProbeRunner(
  find: FindConfig,
  script: ProbeScript,
  clock: FakeClock,
): FindParts['probe'] & { calls: { load: number; purpose: string; processes: number }[] } {
  const calls: { load: number; purpose: string; processes: number }[] = [];
  const probe = async (index: number, next: NextProbe, processes: number, signal: AbortSignal) => {
    calls.push({ load: next.load, purpose: next.purpose, processes });
    const { during, ...knobs } = script(next.load, index);
    const lengthMs = find.first.warmupMs + find.first.durationMs;
    clock.advance(lengthMs / 2, signal);
    during?.();
    clock.advance(lengthMs / 2, signal);
    const result = resultFixture(MODE[find.first.mode], {
      load: next.load,
      ...knobs,
      ...(signal.aborted ? { status: 'interrupted' as const } : {}),
    });
    const record: ProbeRecord = probeRecord(find, index, next, result, lengthMs);
    return { record, result };
  };
  return Object.assign(probe, { calls });
}

/**
 * A FAKE preflight: the generator processes a probe needs (1), or the refusal a real one gives past this host's file
 * descriptors (`fdsFor` sessions), before any socket.
 */
export function fakePreflight(fdsFor = Number.POSITIVE_INFINITY): FindParts['preflight'] & { loads: number[] } {
  const loads: number[] = [];
  const preflight = async (load: number) => {
    loads.push(load);
    if (load > fdsFor)
      throw new CouldNotRunError(
        `--conns ${load} needs ${load * 2 + 64} file descriptors; the limit is ${fdsFor * 2 + 64}`,
        'raise it (ulimit -n), or spread over --processes',
      );
    return 1;
  };
  return Object.assign(preflight, { loads });
}
