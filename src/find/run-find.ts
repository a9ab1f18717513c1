/**
 * `l4stress find` start to document: the target started once, then probe after probe as the search proposes,
 * each judged, each line printed as it lands; the answer worded (whose limit, with the fix when it was the
 * generator's), the --expect gates judged, and the document written atomically. Ctrl-C and --max-time end the
 * search with what was found so far, written all the same.
 */

import { loadProfile } from '../calibration/profile.js';
import { CouldNotRunError, ExitCode } from '../core/errors.js';
import { toolVersion } from '../core/version.js';
import type { FindDocument, ProbeRecord } from '../documents/find.js';
import { FIND_KIND, FIND_SCHEMA_VERSION } from '../documents/find.js';
import { collectEnvironment, gitInfo } from '../environment/environment.js';
import { preflight, readSystemLimits } from '../preflight/limits.js';
import { ensurePortSpace, portDemand } from '../preflight/port-wait.js';
import { renderProbeLine } from '../reporters/find-text.js';
import { describeConfig } from '../result/build.js';
import { AbortableSleep } from '../run/abortable-sleep.js';
import { installSignalHandlers } from '../run/execute.js';
import { prepareTarget } from '../run/prepare-target.js';
import { answerText, judgeCapacityGates } from './answer.js';
import type { FindConfig } from './find-config.js';
import { clampConnsSearch, clampLine, type SearchClamp } from './machine-bound.js';
import { type ProbeContext, runProbe } from './probe.js';
import { CapacitySearch, type ProbeBound, type SearchAnswer } from './search.js';
import { type WatchedExit, watchedExitAnswer, watchedExitOf } from './watched-exit.js';

/** How long others get to finish before an inconclusive probe is tried again. */
export const COOL_DOWN_MS = 5000;

export interface FindRunOptions {
  command: string[];
  quiet: boolean;
  /** Given by a caller that owns signal handling (a scenario); otherwise Ctrl-C is handled here. */
  signal?: AbortSignal;
  /** Each probe's line as it lands (stderr by default). */
  log?: (line: string) => void;
}

/** Runs the search; never throws for a failing target (that is a failing probe), only for the tool's own failures. */
export async function runFind(asked: FindConfig, options: FindRunOptions): Promise<FindDocument> {
  const log = options.log ?? ((line: string) => options.quiet || process.stderr.write(`${line}\n`));
  const { find, clamp } = clampToMachine(asked, log);
  const signals = options.signal ? null : installSignalHandlers(options.quiet);
  const signal = options.signal ?? signals!.signal;
  const config = find.first;
  const startedAt = new Date();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), find.maxTimeMs);
  const stop = AbortSignal.any([signal, deadline.signal]);
  const environmentPromise = collectEnvironment(config.resultsDir);
  const git = gitInfo();
  const target = await prepareTarget(config, targetProcesses(find));
  const probes: ProbeRecord[] = [];
  const search = new CapacitySearch(find.search);
  let generatorGaveOut: string | null = null;
  let watchedExit: WatchedExit | null = null;
  try {
    const ctx: ProbeContext = {
      find,
      target,
      environment: await environmentPromise,
      git,
      profile: loadProfile(config.calibration.file, config.calibration.required),
      command: options.command,
      version: toolVersion(),
      hooks: {
        signal: stop,
        watch: [
          ...(target.embedded ? target.embedded.pids.map((pid) => ({ pid, role: 'target' as const })) : []),
          ...config.watchPids.map((pid) => ({ pid, role: 'watched' as const })),
        ],
      },
    };
    for (let next = search.proposal(); next !== null && !stop.aborted; next = search.proposal()) {
      const room = await probeRoom(find, target.targets, next.load, stop, log);
      if (typeof room === 'string') {
        generatorGaveOut = room;
        endAsGeneratorLimit(search);
        break;
      }
      const { record, result } = await runProbe(ctx, probes.length + 1, next, room);
      watchedExit = watchedExitOf(result, record, probes);
      probes.push(record);
      log(renderProbeLine(record, find.def.unit));
      if (stop.aborted) break;
      if (watchedExit) {
        search.record({ passed: false });
        break;
      }
      if (await recordProbe(search, record, probes, stop, log)) break;
    }
    if (search.proposal() !== null) search.stop();
  } finally {
    clearTimeout(timer);
    await target.embedded?.stop();
    signals?.remove();
  }
  const answer = search.answer();
  const worded = wordAnswer(find, answer, probes, generatorGaveOut, signal.aborted, watchedExit);
  const expect = judgeCapacityGates(find.expect, answer);
  return {
    kind: FIND_KIND,
    schemaVersion: FIND_SCHEMA_VERSION,
    tool: { name: 'l4stress', version: toolVersion() },
    git,
    command: options.command,
    name: find.name,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    // A watched process that died under load is the target failing: exit 4 (unless Ctrl-C came first).
    exitCode:
      watchedExit && !signal.aborted ? ExitCode.completedWithErrors : exitCodeOf(answer, expect, signal.aborted),
    dimension: find.dimension,
    unit: find.def.unit,
    slo: find.slo.map((t) => t.text),
    search: {
      from: find.search.from,
      to: Number.isFinite(find.search.to) ? find.search.to : null,
      clamped: clamp && { asked: clamp.asked, why: clamp.why },
      precision: find.search.precision,
      confirm: find.search.confirm,
      maxTimeMs: find.maxTimeMs,
      warmupMs: config.warmupMs,
      windowMs: config.durationMs,
    },
    config: describeConfig(config),
    target: {
      kind: target.embedded ? 'embedded' : 'external',
      host: target.target.host,
      port: target.target.port,
    },
    answer: { ...answer, ...worded },
    expect,
    probes,
    watchedExit,
    environment: await environmentPromise,
  };
}

/** Before anything is spawned: a conns search asks no more sessions than this machine can hold (said in a line). */
function clampToMachine(
  asked: FindConfig,
  log: (line: string) => void,
): { find: FindConfig; clamp: SearchClamp | null } {
  const clamp = asked.dimension === 'conns' ? clampConnsSearch(asked.first, asked.search.from, asked.search.to) : null;
  if (clamp) log(clampLine(clamp));
  return { find: clamp ? { ...asked, search: { ...asked.search, to: clamp.to } } : asked, clamp };
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

/** The embedded target sized once for the largest probe the search may run. */
function targetProcesses(find: FindConfig): number {
  if (find.first.target !== null) return 0;
  const conns = find.dimension === 'conns' ? Math.min(find.search.to, 1_000_000) : find.first.conns;
  try {
    return preflight({ conns: Number.isFinite(conns) ? conns : 100_000, embeddedTarget: true, processes: 64 })
      .targetProcesses;
  } catch {
    return 1;
  }
}

/**
 * The generator processes a probe needs (the run's preflight), or, when growing sessions met the generator's own
 * limits (file descriptors, ephemeral ports), what gave out: the generator's limit, said before any socket.
 */
function probeProcesses(find: FindConfig, load: number): number | string {
  const conns = find.dimension === 'conns' ? load : find.first.conns;
  try {
    return preflight({
      conns,
      embeddedTarget: find.first.target === null,
      processes: find.first.processes,
      sourceIps: find.first.sourceIps.length,
    }).processes;
  } catch (e) {
    if (e instanceof CouldNotRunError && find.dimension === 'conns') return `${e.message} (${e.hint})`;
    throw e;
  }
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
): Promise<boolean> {
  if (record.status === 'unreachable' && record.limitOf === 'target' && !probes.some((p) => p.pass)) return true;
  const bound: ProbeBound | null =
    record.pass || record.limitOf === 'target' || !record.limitOf ? null : record.limitOf;
  search.record({ passed: record.pass, bound, carried: record.carried ? null : record.achieved });
  if (bound === 'inconclusive' && search.proposal() !== null) await coolDown(stop, log);
  return false;
}

/** Before retrying an inconclusive probe: the machine's others get COOL_DOWN_MS to finish (Ctrl-C ends it). */
async function coolDown(stop: AbortSignal, log: (line: string) => void): Promise<void> {
  log(`  others were using this machine's cores: cooling down ${COOL_DOWN_MS / 1000} s, then the probe again`);
  const waits = new AbortableSleep(stop);
  await waits.sleep(COOL_DOWN_MS);
  waits.dispose();
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

/**
 * The generator processes a probe needs, once its local ports (earlier probes' TIME_WAIT included) were waited for;
 * or what gave out (file descriptors, ports), as probeProcesses says it.
 */
async function probeRoom(
  find: FindConfig,
  targets: { host: string; port: number }[],
  load: number,
  signal: AbortSignal,
  log: (l: string) => void,
): Promise<number | string> {
  const processes = probeProcesses(find, load);
  if (typeof processes === 'string') return processes;
  const range = readSystemLimits().portRange;
  const conns = find.dimension === 'conns' ? load : find.first.conns;
  try {
    if (range) await ensurePortSpace(portDemand(conns, range, find.first.sourceIps, targets), { log, signal });
    return processes;
  } catch (e) {
    if (e instanceof CouldNotRunError && find.dimension === 'conns') return `${e.message} (${e.hint})`;
    throw e;
  }
}
