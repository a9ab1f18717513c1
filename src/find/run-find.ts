/**
 * `l4stress find` start to document: the target started once, then probe after probe as the search proposes,
 * each judged, each line printed as it lands; the answer worded (whose limit, with the fix when it was the
 * generator's), the --expect gates judged, and the document written atomically. Ctrl-C and --max-time end the
 * search with what was found so far, written all the same.
 */

import { loadProfile } from '../calibration/profile.js';
import { CouldNotRunError, ExitCode } from '../core/errors.js';
import { toolVersion } from '../core/version.js';
import type { FindEnd } from '../core/vocabulary.js';
import type { FindDocument, ProbeRecord } from '../documents/find.js';
import { FIND_KIND, FIND_SCHEMA_VERSION } from '../documents/find.js';
import { collectEnvironment, gitInfo } from '../environment/environment.js';
import { preflight, readSystemLimits } from '../preflight/limits.js';
import { ensurePortSpace, portDemand } from '../preflight/port-wait.js';
import { renderProbeLine } from '../reporters/find-text.js';
import { describeConfig } from '../result/build.js';
import { installSignalHandlers } from '../run/execute.js';
import { prepareTarget } from '../run/prepare-target.js';
import { answerText, judgeCapacityGates } from './answer.js';
import type { FindConfig } from './find-config.js';
import { type ProbeContext, runProbe } from './probe.js';
import { CapacitySearch } from './search.js';

export interface FindRunOptions {
  command: string[];
  quiet: boolean;
  /** Given by a caller that owns signal handling (a scenario); otherwise Ctrl-C is handled here. */
  signal?: AbortSignal;
  /** Each probe's line as it lands (stderr by default). */
  log?: (line: string) => void;
}

/** Runs the search; never throws for a failing target (that is a failing probe), only for the tool's own failures. */
export async function runFind(find: FindConfig, options: FindRunOptions): Promise<FindDocument> {
  const signals = options.signal ? null : installSignalHandlers(options.quiet);
  const signal = options.signal ?? signals!.signal;
  const log = options.log ?? ((line: string) => options.quiet || process.stderr.write(`${line}\n`));
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
      const processes = probeProcesses(find, next.load);
      const gaveOut =
        typeof processes === 'string' ? processes : await portRoom(find, target.targets, next.load, stop, log);
      if (gaveOut !== null) {
        generatorGaveOut = gaveOut;
        search.record(false, true);
        break;
      }
      const { record } = await runProbe(ctx, probes.length + 1, next, processes as number);
      probes.push(record);
      log(renderProbeLine(record, find.def.unit));
      if (stop.aborted) break;
      search.record(record.pass, record.generatorLimit !== null, record.carried ? null : record.achieved);
    }
    if (search.proposal() !== null) search.stop();
  } finally {
    clearTimeout(timer);
    await target.embedded?.stop();
    signals?.remove();
  }
  const answer = search.answer();
  const worded = answerText(find, answer, probes, generatorGaveOut, signal.aborted);
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
    exitCode: exitCodeOf(answer.end, expect, signal.aborted),
    dimension: find.dimension,
    unit: find.def.unit,
    slo: find.slo.map((t) => t.text),
    search: {
      from: find.search.from,
      to: Number.isFinite(find.search.to) ? find.search.to : null,
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
    environment: await environmentPromise,
  };
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

/** The probe's local ports (earlier probes' TIME_WAIT included) waited for, or what gave out, as probeProcesses. */
async function portRoom(
  find: FindConfig,
  targets: { host: string; port: number }[],
  load: number,
  signal: AbortSignal,
  log: (l: string) => void,
) {
  const range = readSystemLimits().portRange;
  const conns = find.dimension === 'conns' ? load : find.first.conns;
  try {
    if (range) await ensurePortSpace(portDemand(conns, range, find.first.sourceIps, targets), { log, signal });
    return null;
  } catch (e) {
    if (e instanceof CouldNotRunError && find.dimension === 'conns') return `${e.message} (${e.hint})`;
    throw e;
  }
}

function exitCodeOf(end: FindEnd, expect: FindDocument['expect'], interrupted: boolean): number {
  if (interrupted) return ExitCode.interrupted;
  if (expect.some((v) => !v.pass)) return end === 'generator-limit' ? ExitCode.couldNotRun : ExitCode.gateFailed;
  if (end === 'nothing-passed') return ExitCode.completedWithErrors;
  if (end === 'generator-limit' && expect.length === 0) return ExitCode.couldNotRun;
  return ExitCode.ok;
}
