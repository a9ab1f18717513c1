/**
 * find's loop (src/find/find-loop.ts) run against FAKES (test/helpers/fake-find.ts): a scripted target behind a fake
 * probe runner, a fake preflight and a fake clock, with the search's settings from the command line. What the unit
 * tests of the loop and of its ends start from.
 */
import type { FindConfig } from '../../src/find/find-config.js';
import type { FindParts } from '../../src/find/find-loop.js';
import { searchCapacity } from '../../src/find/find-loop.js';
import { FakeClock, fakePreflight, fakeProbeRunner, type ProbeScript } from './fake-find.js';
import { findFromArgs } from './find-args.js';

export interface FakeSearch {
  /** Ctrl-C's signal: abort it to press Ctrl-C. */
  ctrl?: AbortController;
  /** The fake preflight refuses sessions past this many file descriptors' worth. */
  fdsFor?: number;
  /** The fake clock, when the script needs it (to schedule a Ctrl-C). */
  clock?: FakeClock;
  /** A preflight of the test's own (to script a port wait). */
  preflight?: (clock: FakeClock) => FindParts['preflight'];
}

/**
 * `l4stress find --target 127.0.0.1:7000 ARGS` (or a search configured otherwise: a scenario step's) searched against
 * the scripted target, every part a fake.
 */
export async function fakeSearch(args: string[] | FindConfig, script: ProbeScript, o: FakeSearch = {}) {
  const find = Array.isArray(args) ? findFromArgs(['--target', '127.0.0.1:7000', ...args]) : args;
  const clock = o.clock ?? new FakeClock();
  const started = clock.now();
  const probe = fakeProbeRunner(find, script, clock);
  const preflight = o.preflight?.(clock) ?? fakePreflight(o.fdsFor);
  const lines: string[] = [];
  const ctrl = o.ctrl ?? new AbortController();
  const out = await searchCapacity(
    find,
    { probe, preflight, clock },
    { signal: ctrl.signal, log: (l) => lines.push(l) },
  );
  return { ...out, find, clock, probe, lines, elapsedMs: clock.now() - started };
}

/** A target that carries up to `capacity` messages/s or connections/s (what a probe achieved), and no more. */
export const rateKnee =
  (capacity: number): ProbeScript =>
  (load) => ({ achieved: Math.min(load, capacity) });

/** A target that holds up to `capacity` sessions (what a probe opened), and no more. */
export const connsKnee =
  (capacity: number): ProbeScript =>
  (load) => ({ opened: Math.min(load, capacity) });
