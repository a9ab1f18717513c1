/**
 * find's loop with what it drives passed in, as Nighthawk's adaptive-load controller takes its benchmark client, its
 * metrics evaluator and its time source as arguments: the probe runner, the preflight (the generator's own limits and
 * the port wait) and the clock. run-find.ts gives it the real ones (probe.ts against the started target, the run's
 * preflight, the wall clock); the unit tests give it fakes and script them (test/unit/find-loop.test.ts), so every
 * branch here runs in milliseconds: a preflight refusal, Ctrl-C and --max-time mid-search, the retries of a bounded
 * probe with their cool-downs, a watched process's exit, and each end's words, gates and exit code.
 */

import { CouldNotRunError, ExitCode } from '../core/errors.js';
import type { FindDocument, ProbeRecord } from '../documents/find.js';
import type { RunResult } from '../documents/result.js';
import { renderProbeLine } from '../reporters/find-text.js';
import { AbortableSleep } from '../run/abortable-sleep.js';
import { answerText, judgeCapacityGates } from './answer.js';
import type { FindConfig } from './find-config.js';
import { scoutsShorter } from './probe.js';
import { CapacitySearch, type NextProbe, type ProbeBound, type SearchAnswer } from './search.js';
import { type WatchedExit, watchedExitAnswer, watchedExitOf } from './watched-exit.js';

/** How long others get to finish before an inconclusive probe is tried again. */
export const COOL_DOWN_MS = 5000;

/** The loop's time: the --max-time deadline and the cool-downs (the real one is the wall clock's). */
export interface FindClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Calls `fn` once, `ms` from now; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** What the loop drives. */
export interface FindParts {
  /** Runs one probe: the load asked, with this many generator processes, ended early when `signal` aborts. */
  probe(
    index: number,
    next: NextProbe,
    processes: number,
    signal: AbortSignal,
  ): Promise<{ record: ProbeRecord; result: RunResult }>;
  /**
   * The generator processes a probe at `load` needs, once its local ports are free (the run's preflight and port
   * wait); throws CouldNotRunError when this host's limits (file descriptors, ephemeral ports) refuse it.
   */
  preflight(load: number, signal: AbortSignal): Promise<number>;
  clock: FindClock;
}

export interface FindLoopOptions {
  /** Ctrl-C (or a scenario's stop). */
  signal: AbortSignal;
  log: (line: string) => void;
  /** When --max-time started counting (ms since the epoch; default: now). */
  startedAtMs?: number;
}

/** What the loop found: the document's answer, gates, exit code and probes. */
export interface SearchOutcome {
  answer: FindDocument['answer'];
  expect: FindDocument['expect'];
  exitCode: number;
  probes: ProbeRecord[];
  watchedExit: WatchedExit | null;
}

/** Probe after probe as the search proposes, each judged and its line printed, until the search ends or is stopped. */
export async function searchCapacity(find: FindConfig, parts: FindParts, o: FindLoopOptions): Promise<SearchOutcome> {
  const { signal, log, clock } = { ...o, clock: parts.clock };
  const deadline = new AbortController();
  const startedAtMs = o.startedAtMs ?? clock.now();
  const left = startedAtMs + find.maxTimeMs - clock.now();
  if (left <= 0) deadline.abort();
  const cancel = left > 0 ? clock.after(left, () => deadline.abort()) : () => {};
  const stop = AbortSignal.any([signal, deadline.signal]);
  const probes: ProbeRecord[] = [];
  const search = new CapacitySearch({ ...find.search, scouts: scoutsShorter(find.first) });
  let generatorGaveOut: string | null = null;
  let watchedExit: WatchedExit | null = null;
  try {
    if (find.def.transport === 'udp' && find.dimension === 'conns' && find.cooldownMs === 0)
      log(
        "note: an ingress keeps a UDP flow's session for its idle timeout after the flow stops (nginx " +
          "proxy_timeout): without a --cooldown longer than it, a probe finds the last one's flows still in its table",
      );
    for (let next = search.proposal(); next !== null && !stop.aborted; next = search.proposal()) {
      // The last probe's flows are forgotten by an ingress only after its idle timeout: --cooldown waits that out.
      if (probes.length > 0 && find.cooldownMs > 0) await clock.sleep(find.cooldownMs, stop);
      if (stop.aborted) break;
      let processes: number;
      try {
        processes = await parts.preflight(next.load, stop);
      } catch (e) {
        // Ctrl-C or --max-time during the port wait: a stop with what was found, not a limit nor a lost document.
        if (stop.aborted) break;
        // A refusal before any probe of a rate, cps or tls search is its fixed settings' (--conns): the tool could
        // not run them at all (thrown, exit 3). After a probe ran, it ends the search with what it found, the
        // document written, as a conns search's refusal does at any load (results are never lost).
        if (!(e instanceof CouldNotRunError && (find.dimension === 'conns' || probes.length > 0))) throw e;
        generatorGaveOut = `${e.message} (${e.hint})`;
        endAsGeneratorLimit(search);
        break;
      }
      const { record, result } = await parts.probe(probes.length + 1, next, processes, stop);
      watchedExit = watchedExitOf(result, record, probes);
      probes.push(record);
      log(renderProbeLine(record, find.def.unit));
      if (stop.aborted) break;
      if (watchedExit) {
        search.record({ passed: false });
        break;
      }
      if (await recordProbe(search, record, probes, stop, log, clock)) break;
    }
    if (search.proposal() !== null) search.stop();
  } finally {
    cancel();
  }
  // A preflight refusal is certain: the generator's limit, even on the retry of a load that the machine or others'
  // load bounded before (the search would end as the more severe of the two bounds, the refusal's words lost).
  const known = search.answer();
  const answer: SearchAnswer = generatorGaveOut === null ? known : { ...known, end: 'generator-limit' };
  const worded = wordAnswer(find, answer, probes, generatorGaveOut, signal.aborted, watchedExit);
  const expect = judgeCapacityGates(find.expect, answer);
  // A watched process that died under load is the target failing: exit 4 (unless Ctrl-C came first).
  const exitCode =
    watchedExit && !signal.aborted ? ExitCode.completedWithErrors : exitCodeOf(answer, expect, signal.aborted);
  return { answer: { ...answer, ...worded }, expect, exitCode, probes, watchedExit };
}

/** The answer in words: a watched process's exit stops the search and says so; otherwise answer.ts words it. */
function wordAnswer(
  find: FindConfig,
  answer: SearchAnswer,
  probes: ProbeRecord[],
  generatorGaveOut: string | null,
  interrupted: boolean,
  watchedExit: WatchedExit | null,
) {
  if (watchedExit === null || interrupted) return answerText(find, answer, probes, generatorGaveOut, interrupted);
  return watchedExitAnswer({ ...answer, ...answerText(find, answer, probes, null, false) }, watchedExit, find.def.unit);
}

/**
 * A probe's outcome told to the search, with what bounded it when that was not the target (the search retries
 * those, never takes them); an inconclusive one is retried after a cool-down. True when the search should end here:
 * a target that refused everything before any load passed is unreachable, and stepping down says nothing more.
 */
async function recordProbe(
  search: CapacitySearch,
  record: ProbeRecord,
  probes: ProbeRecord[],
  stop: AbortSignal,
  log: (line: string) => void,
  clock: FindClock,
): Promise<boolean> {
  if (record.status === 'unreachable' && record.limitOf === 'target' && !probes.some((p) => p.pass)) return true;
  const bound: ProbeBound | null =
    record.pass || record.limitOf === 'target' || !record.limitOf ? null : record.limitOf;
  search.record({ passed: record.pass, bound, carried: record.carried ? null : record.achieved });
  if (bound === 'inconclusive' && search.proposal() !== null) {
    // Before retrying: the machine's others get COOL_DOWN_MS to finish (Ctrl-C and --max-time end it).
    log(`  others were using this machine's cores: cooling down ${COOL_DOWN_MS / 1000} s, then the probe again`);
    await clock.sleep(COOL_DOWN_MS, stop);
  }
  return false;
}

/**
 * A probe the generator's own limits refuse before any socket (fds, ports) is the generator's limit, certain on the
 * first try: no retry, and the search ends as that (exit 3), not as a stop by --max-time.
 */
export function endAsGeneratorLimit(search: CapacitySearch): void {
  // The search retries a generator-bound load once before it believes it; a preflight refusal needs no retry.
  for (let i = 0; i < 2 && search.proposal() !== null; i++) search.record({ passed: false, bound: 'generator' });
}

/**
 * The search's exit code from its end. Every --expect met by what is known (an "at least" meets a lower bound) is
 * 0. Otherwise: inconclusive has its own (6); not the target's limit (the generator's, the machine's) is "could not
 * run" (3); stopped by --max-time before any load passed ("nothing passed yet") is 3 too: not all of the search ran
 * and what ran found no capacity, which is neither an answer (0) nor "no load met the SLO" (4: only a search that
 * stepped down to its floor can say that); a failed gate 5.
 */
export function exitCodeOf(
  { end, capacity }: Pick<SearchAnswer, 'end' | 'capacity'>,
  expect: FindDocument['expect'],
  interrupted: boolean,
): number {
  if (interrupted) return ExitCode.interrupted;
  if (expect.length > 0 && expect.every((v) => v.pass)) return ExitCode.ok;
  if (end === 'inconclusive') return ExitCode.inconclusive;
  if (end === 'generator-limit' || end === 'machine-limit') return ExitCode.couldNotRun;
  if (end === 'stopped' && capacity === null) return ExitCode.couldNotRun;
  if (expect.some((v) => !v.pass)) return ExitCode.gateFailed;
  if (end === 'nothing-passed') return ExitCode.completedWithErrors;
  return ExitCode.ok;
}

/** The wall clock: real timers, and run/'s sleep that Ctrl-C or --max-time ends early. */
export const WALL_CLOCK: FindClock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    const waits = new AbortableSleep(signal);
    await waits.sleep(ms);
    waits.dispose();
  },
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
