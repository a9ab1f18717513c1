/**
 * `l4stress find` start to document: the target started once, then find's loop (find-loop.ts) given the real parts
 * (probes against that target, the run's preflight and port wait, the wall clock): probe after probe as the search
 * proposes, each judged, each line printed as it lands; the answer worded (whose limit, with the fix when it was the
 * generator's), the --expect gates judged, and the document returned for the caller to write. Ctrl-C and --max-time
 * end the search with what was found so far, in the document all the same.
 */

import { loadProfile } from '../calibration/hardware-profile.js';
import { toolVersion } from '../core/version.js';
import type { FindDocument } from '../documents/find.js';
import { FIND_KIND, FIND_SCHEMA_VERSION } from '../documents/find.js';
import { collectEnvironment, gitInfo } from '../environment/environment.js';
import { preflight, readSystemLimits } from '../preflight/limits.js';
import { ensurePortSpace, portDemand } from '../preflight/port-wait.js';
import { targetWatchLine } from '../reporters/summary.js';
import { describeConfig } from '../result/build.js';
import { installSignalHandlers } from '../run/execute.js';
import { prepareTarget } from '../run/prepare-target.js';
import { withTargetWatched } from '../run/target-watch.js';
import type { FindConfig } from './find-config.js';
import { type FindParts, searchCapacity, WALL_CLOCK } from './find-loop.js';
import { clampConnsSearch, clampLine, type SearchClamp } from './machine-bound.js';
import { type ProbeContext, runProbe } from './probe.js';

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
  const clamped = clampToMachine(asked, log);
  const clamp = clamped.clamp;
  const signals = options.signal ? null : installSignalHandlers(options.quiet);
  const signal = options.signal ?? signals!.signal;
  // --max-time counts from here: the target's start and the environment's collection are part of the search.
  const startedAt = new Date(WALL_CLOCK.now());
  const environmentPromise = collectEnvironment(clamped.find.first.resultsDir);
  const git = gitInfo();
  const target = await prepareTarget(clamped.find.first, targetProcesses(clamped.find));
  // A loopback target's processes, found by their listening socket, are watched by every probe as --watch-pid would.
  const find = { ...clamped.find, first: withTargetWatched(clamped.find.first, target.watch) };
  const config = find.first;
  const watchLine = targetWatchLine({ ...target.target, watched: target.watch });
  if (watchLine) log(`l4stress: target ${watchLine}`);
  let found: Awaited<ReturnType<typeof searchCapacity>>;
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
        signal,
        watch: [
          ...(target.embedded ? target.embedded.pids.map((pid) => ({ pid, role: 'target' as const })) : []),
          ...config.watchPids.map((pid) => ({ pid, role: 'watched' as const })),
        ],
      },
    };
    const parts: FindParts = {
      probe: (index, next, processes, stop) =>
        runProbe({ ...ctx, hooks: { ...ctx.hooks, signal: stop } }, index, next, processes),
      preflight: (load, stop) => probeRoom(find, target.targets, load, stop, log),
      clock: WALL_CLOCK,
    };
    found = await searchCapacity(find, parts, { signal, log, startedAtMs: startedAt.getTime() });
  } finally {
    await target.embedded?.stop();
    signals?.remove();
  }
  const { answer, expect, exitCode, probes, watchedExit } = found;
  return {
    kind: FIND_KIND,
    schemaVersion: FIND_SCHEMA_VERSION,
    tool: { name: 'l4stress', version: toolVersion() },
    git,
    command: options.command,
    name: find.name,
    startedAt: startedAt.toISOString(),
    endedAt: new Date(WALL_CLOCK.now()).toISOString(),
    exitCode,
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
      watched: target.watch,
    },
    answer,
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
 * The generator processes a probe needs (the run's preflight), once its local ports (earlier probes' TIME_WAIT
 * included) were waited for. Throws CouldNotRunError when the generator's own limits (file descriptors, ephemeral
 * ports) refuse it, before any socket: the loop (find-loop.ts) ends a conns search there as the generator's limit.
 */
async function probeRoom(
  find: FindConfig,
  targets: { host: string; port: number }[],
  load: number,
  signal: AbortSignal,
  log: (l: string) => void,
): Promise<number> {
  const conns = find.dimension === 'conns' ? load : find.first.conns;
  const { processes } = preflight({
    conns,
    embeddedTarget: find.first.target === null,
    processes: find.first.processes,
    sourceIps: find.first.sourceIps.length,
  });
  const range = readSystemLimits().portRange;
  if (range) await ensurePortSpace(portDemand(conns, range, find.first.sourceIps, targets), { log, signal });
  return processes;
}
