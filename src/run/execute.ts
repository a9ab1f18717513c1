/**
 * One run, start to result: preflight, the embedded target (unless --target), the load, the result file, the
 * summary. Used by `l4stress run`, by scenarios and by the library API. Never throws for a failing target (that is
 * data, recorded in the result), only for the tool's own failures.
 */

import { loadProfile } from '../calibration/hardware-profile.js';
import { calibrateAndSave, QUICK_CALIBRATION } from '../calibration/save.js';
import type { RunConfig } from '../config/run-config.js';
import { DocumentNotSavedError, ExitCode } from '../core/errors.js';
import { notSavedMessage } from '../core/files.js';
import { printableLines } from '../core/printable.js';
import { toolVersion } from '../core/version.js';
import type { ProxyVerification, RunResult } from '../documents/result.js';
import { collectEnvironment, gitInfo } from '../environment/environment.js';
import { judgeRun, refuseUnmeasurable, type Threshold } from '../gates/thresholds.js';
import { preflight } from '../preflight/limits.js';
import { checkOutputs } from '../preflight/outputs.js';
import { ensurePortSpace, portDemand } from '../preflight/port-wait.js';
import { mergeTallies } from '../proxy/source-tally.js';
import { compareSources } from '../proxy/verify.js';
import { createProgressReporter } from '../reporters/progress.js';
import { renderSummary } from '../reporters/summary.js';
import { buildResult } from '../result/build.js';
import { defaultResultPath, writeResult } from '../result/write.js';
import type { UdpTargetStats } from '../serve/serve-process.js';
import type { TargetStats } from '../serve/stats.js';
import { fetchBackendSources } from './backend-control.js';
import type { EmbeddedTarget } from './embedded-target.js';
import { type MetricsEndpoint, startMetricsEndpoint } from './metrics-endpoint.js';
import { type PreparedTarget, prepareTarget, targetInputs } from './prepare-target.js';
import { type LoadOutcome, runLoad } from './run-load.js';

export interface ExecuteOptions {
  /**
   * Stops the run gracefully when aborted (the result is still written). Given by a caller that owns the signal
   * handling (a scenario); without it, the run installs its own SIGINT/SIGTERM handlers for its whole life.
   */
  signal?: AbortSignal;
  /** --threshold rules, parsed: judged on the result before it is written. */
  thresholds?: Threshold[];
}

/** One run, start to result file; prints progress and summary unless quiet. Used by `run` and by scenarios. */
export async function executeRun(
  config: RunConfig,
  argv: string[],
  options: ExecuteOptions = {},
): Promise<{ result: RunResult; file: string }> {
  // A threshold no run of this config can measure fails (or could never fail) every time: bad input, said now.
  refuseUnmeasurable(options.thresholds ?? [], config, (t) => `--threshold '${t.text}'`);
  const plan = preflight({
    conns: config.conns,
    embeddedTarget: config.target === null,
    processes: config.processes,
    sourceIps: config.sourceIps.length,
    udp: config.transport === 'udp',
  });
  config = { ...config, processes: plan.processes };
  checkOutputs(
    config.out
      ? { files: [{ path: config.out, what: '--out' }] }
      : { folders: [{ path: config.resultsDir, what: '--results-dir' }] },
  );
  const signals = options.signal ? null : installSignalHandlers(config.quiet);
  try {
    // TIME_WAIT and other sockets per source address, before any socket opens: wait for room, or refuse.
    const range = plan.limits.portRange;
    // UDP leaves no TIME_WAIT behind and binds a port once per local address: the preflight's count suffices.
    if (range && config.transport === 'tcp')
      await ensurePortSpace(
        portDemand(config.conns, range, config.sourceIps, config.target ? [config.target] : [], plan.targetProcesses),
        {
          log: (line) => process.stderr.write(`${line}\n`),
          signal: options.signal ?? signals!.signal,
        },
      );
    return await measureAndWrite(config, argv, plan, options.signal ?? signals!.signal, options.thresholds ?? []);
  } finally {
    signals?.remove();
  }
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** First Ctrl-C: stop gracefully and still write the result. Second: leave now. */
export function installSignalHandlers(quiet: boolean): { signal: AbortSignal; remove(): void } {
  const abort = new AbortController();
  let count = 0;
  const onSignal = (): void => {
    count++;
    if (count === 1) {
      if (!quiet) process.stderr.write('\nl4stress: stopping (Ctrl-C again to quit without a result)\n');
      abort.abort();
    } else process.exit(ExitCode.interrupted);
  };
  // SIGHUP too: a closed terminal or ssh session must not lose the result.
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    signal: abort.signal,
    remove: () => {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    },
  };
}

async function measureAndWrite(
  config: RunConfig,
  argv: string[],
  plan: ReturnType<typeof preflight>,
  signal: AbortSignal,
  thresholds: Threshold[],
): Promise<{ result: RunResult; file: string }> {
  // Listening first: a taken port is said before anything starts, and the endpoint lives exactly as long as the run.
  const metrics =
    config.metricsPort === null
      ? null
      : await startMetricsEndpoint(config.metricsPort, {
          scenario: config.scenario,
          mode: config.mode,
          conns: config.conns,
          udp: config.transport === 'udp',
        });
  try {
    return await runAndReport(config, argv, plan, signal, thresholds, metrics);
  } finally {
    await metrics?.close();
  }
}

/** The run with its metrics endpoint: calibrate if asked, the target, the load, the result written and shown. */
async function runAndReport(
  config: RunConfig,
  argv: string[],
  plan: ReturnType<typeof preflight>,
  signal: AbortSignal,
  thresholds: Threshold[],
  metrics: MetricsEndpoint | null,
): Promise<{ result: RunResult; file: string }> {
  if (config.calibrateFirst)
    await calibrateAndSave(
      {
        ...QUICK_CALIBRATION,
        resultsDir: config.resultsDir,
        sizeBytes: config.sizeBytes,
        log: config.quiet ? () => {} : (l) => process.stderr.write(`${l}\n`),
      },
      config.calibration.file,
    );
  const profile = loadProfile(config.calibration.file, config.calibration.required);
  // systeminformation shells out (~0.5 s): gather while the target starts, never during the load.
  const environmentPromise = collectEnvironment(config.resultsDir);
  const git = gitInfo();
  const t = await prepareTarget(config, plan.targetProcesses);
  let outcome: LoadOutcome;
  let targetStats: TargetStats | null = null;
  let udpStats: UdpTargetStats | null = null;
  let verify: ProxyVerification | null = null;
  const environment = await environmentPromise;
  try {
    outcome = await loadWithProgress({ ...config, tlsCaPem: t.tlsCaPem }, t, signal, metrics);
    if (t.embedded) {
      targetStats = await t.embedded.stats();
      udpStats = await t.embedded.udpStats();
    }
    if (config.verifyProxy) verify = await verifySources(config.verifyProxy, t.embedded, outcome);
  } finally {
    await t.embedded?.stop();
  }
  const built = buildResult({
    config,
    outcome,
    environment,
    git,
    command: argv,
    version: toolVersion(),
    verify,
    profile,
    target: targetInputs(t, targetStats, udpStats),
  });
  return writeAndShow(config, judgeRun(built, thresholds), outcome.startedAt);
}

/** The load, with the progress line and the live metrics fed once a second; the target's processes watched. */
async function loadWithProgress(
  config: RunConfig & { tlsCaPem: string | null },
  t: PreparedTarget,
  signal: AbortSignal,
  metrics: MetricsEndpoint | null,
): Promise<LoadOutcome> {
  const progress = createProgressReporter(process.stderr, config.quiet, {
    mode: config.mode,
    plannedS: (config.warmupMs + config.durationMs) / 1000,
  });
  try {
    const watch = [
      ...(t.embedded ? t.embedded.pids.map((pid) => ({ pid, role: 'target' as const })) : []),
      ...config.watchPids.map((pid) => ({ pid, role: 'watched' as const })),
    ];
    return await runLoad(config, t.targets, {
      signal,
      watch,
      onSecond: (row, totals) => {
        progress.update(row, config.conns);
        metrics?.update(row, totals);
      },
    });
  } finally {
    progress.done();
  }
}

/** The result written (never lost: a fallback file, else stdout) and its summary printed. */
function writeAndShow(config: RunConfig, built: RunResult, startedAt: Date): { result: RunResult; file: string } {
  const out = config.out ?? defaultResultPath(config.resultsDir, config.scenario, startedAt);
  const written = writeResult(out, built);
  const result = written.result;
  // No file at all: the result itself goes to stdout, so the numbers survive in the job's log.
  if (config.json || written.file === null) process.stdout.write(`${JSON.stringify(result)}\n`);
  const file = written.file ?? '(stdout)';
  const summary = printableLines(renderSummary(result, file));
  if (!config.quiet) (config.json ? process.stderr : process.stdout).write(`${summary}\n`);
  const notSaved = notSavedMessage('result', written);
  if (notSaved) throw new DocumentNotSavedError(notSaved, result, written.file);
  return { result, file };
}

async function verifySources(
  spec: NonNullable<RunConfig['verifyProxy']>,
  embedded: EmbeddedTarget | null,
  outcome: LoadOutcome,
): Promise<ProxyVerification> {
  const sent = mergeTallies(outcome.reports.map((r) => r.sources));
  if (spec === 'embedded') return compareSources(sent, await embedded!.sources(), 'embedded');
  const { sources, error } = await fetchBackendSources(spec.url);
  return compareSources(sent, sources, spec.url, error);
}
