/** Assembles the result document from what the generator and the target reported. Pure: no I/O. */
import type { RunConfig } from '../config/run-config.js';
import { ExitCode } from '../cli/errors.js';
import type { LoadOutcome } from '../generator/run-load.js';
import { addCounters, emptyCounters } from '../metrics/counters.js';
import { totalErrors } from '../metrics/errors.js';
import { encodeHistogram, mergeEncoded, summarize } from '../metrics/histogram.js';
import type { TargetStats } from '../target/stats.js';
import type { Environment, GitInfo } from './environment.js';
import { RESULT_SCHEMA_VERSION, type ProxyVerification, type RunResult, type RunStatus } from './types.js';
import { describeProxyPlan } from '../proxy/header.js';
import { calibrationRatios } from '../calibration/ratios.js';
import type { HardwareProfile } from '../calibration/profile.js';

export interface ResultInputs {
  config: RunConfig;
  outcome: LoadOutcome;
  target: { kind: 'embedded' | 'external'; host: string; port: number; pid: number | null; stats: TargetStats | null };
  environment: Environment;
  git: GitInfo | null;
  command: string[];
  version: string;
  verify: ProxyVerification | null;
  /** The hardware profile to compare with, if any. */
  profile: { file: string; profile: HardwareProfile } | null;
}

export function buildResult(inputs: ResultInputs): RunResult {
  const { config, outcome } = inputs;
  const totals = emptyCounters();
  const headerSizes: Record<string, number> = {};
  for (const r of outcome.reports) {
    addCounters(totals, r.counters);
    for (const [size, n] of Object.entries(r.headerSizes)) headerSizes[size] = (headerSizes[size] ?? 0) + n;
  }
  const rtt = mergeEncoded(outcome.reports.map((r) => r.rtt));
  const connect = mergeEncoded(outcome.reports.map((r) => r.connect));
  const failed = totalErrors(totals.connectFailed);
  const dropped = totalErrors(totals.dropped);
  // Workers' peaks need not coincide; the timeline's summed gauge is the honest peak, the final count a floor.
  const peak = Math.max(totals.open, ...outcome.timeline.map((r) => r.open), 0);
  const measuredS = outcome.phases.measuredMs / 1000;
  const perS = (n: number): number => (measuredS > 0 ? Math.round(n / measuredS) : 0);
  const verifyFailed = inputs.verify !== null && !inputs.verify.ok;
  const status = runStatus(outcome, config.conns, totals.established, failed, dropped, verifyFailed);
  const headerBuildUs = outcome.reports.reduce((n, r) => n + r.headerBuildUs, 0);

  const warnings: string[] = [];
  if (outcome.rampTimedOut) warnings.push(`ramp-up did not finish within ${config.rampTimeoutMs} ms; measured with the connections established by then`);
  if (totals.established < config.conns && !outcome.interrupted) {
    warnings.push(`established ${totals.established} of ${config.conns} connections`);
  }
  const cores = inputs.environment.cores;
  if (outcome.usage.cpuPercentMax >= 90 * cores) {
    warnings.push(`the generator used up to ${outcome.usage.cpuPercentMax}% CPU of ${cores * 100}%: it was saturated, so latency includes its own queuing`);
  }
  if (verifyFailed) {
    warnings.push(`address preservation failed: ${inputs.verify!.missing} claimed sources missing at the backend, ${inputs.verify!.unexpected} unexpected`);
  }
  for (const w of outcome.watched) {
    if (w.exited) warnings.push(`watched process ${w.pid} (${w.name}) exited ${w.exitedAfterS === 0 ? 'before the run' : `after ${w.exitedAfterS} s`}; its sampling stopped there`);
  }
  const rt = summarize(rtt);
  const connectSummary = summarize(connect);
  const calibration = inputs.profile
    ? calibrationRatios(inputs.profile.file, inputs.profile.profile, {
        sizeBytes: config.sizeBytes, roundTripP50Us: rt.p50, roundTripsPerSecond: perS(rtt.totalCount), connectP50Us: connectSummary.p50, host: inputs.environment.hostname,
      })
    : null;
  if (inputs.target.kind === 'embedded') {
    warnings.push('the embedded target shares this machine\'s CPUs with the generator: figures measure both together');
  }

  const { quiet: _q, json: _j, proxy: plan, ...rest } = config;
  const proxyDescription = describeProxyPlan(plan);
  const configForResult = { ...rest, proxy: proxyDescription };
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'l4stress', version: inputs.version },
    scenario: config.scenario,
    status,
    exitCode: exitCodeFor(status),
    git: inputs.git,
    command: inputs.command,
    config: configForResult,
    seed: config.seed,
    startedAt: outcome.startedAt.toISOString(),
    endedAt: outcome.endedAt.toISOString(),
    phases: { ...outcome.phases, rampTimedOut: outcome.rampTimedOut },
    target: { kind: inputs.target.kind, host: inputs.target.host, port: inputs.target.port, stats: inputs.target.stats },
    connections: {
      target: config.conns,
      attempted: totals.attempted,
      established: totals.established,
      peak,
      failed: { total: failed, byKind: totals.connectFailed },
      dropped: { total: dropped, byKind: totals.dropped },
    },
    latency: { roundTripUs: rt, connectUs: connectSummary },
    throughput: {
      roundTrips: rtt.totalCount,
      roundTripsPerSecond: perS(rtt.totalCount),
      bytesSentPerSecond: perS(rtt.totalCount * config.sizeBytes),
      bytesReceivedPerSecond: perS(rtt.totalCount * config.sizeBytes),
    },
    proxy: {
      ...proxyDescription, headersSent: totals.headersSent, headerBytes: totals.headerBytes, headerSizes,
      headerBuildUsPerConnection: totals.headersSent > 0 ? Math.round((headerBuildUs / totals.headersSent) * 100) / 100 : null,
      verify: inputs.verify,
    },
    totals,
    resources: {
      generator: {
        maxRssBytes: outcome.usage.maxRssBytes, cpuPercentMean: outcome.usage.cpuPercentMean,
        cpuPercentMax: outcome.usage.cpuPercentMax, cpuUserMs: outcome.usage.cpuUserMs, cpuSystemMs: outcome.usage.cpuSystemMs,
      },
      target: inputs.target.stats && inputs.target.pid !== null
        ? {
            pid: inputs.target.pid, maxRssBytes: inputs.target.stats.maxRssBytes,
            cpuUserMs: Math.round(inputs.target.stats.cpuUserUs / 1000), cpuSystemMs: Math.round(inputs.target.stats.cpuSystemUs / 1000),
          }
        : null,
      watched: outcome.watched,
    },
    calibration,
    environment: inputs.environment,
    timeline: outcome.timeline,
    histograms: { roundTripUs: encodeHistogram(rtt), connectUs: encodeHistogram(connect) },
    warnings,
  };
}

function runStatus(outcome: LoadOutcome, target: number, established: number, failed: number, dropped: number, verifyFailed: boolean): RunStatus {
  if (outcome.interrupted) return 'interrupted';
  if (outcome.nothingEstablished) return 'unreachable';
  if (failed > 0 || dropped > 0 || established < target || verifyFailed) return 'completed-with-errors';
  return 'completed';
}

export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case 'completed': return ExitCode.ok;
    case 'completed-with-errors': return ExitCode.completedWithErrors;
    case 'unreachable': return ExitCode.couldNotRun;
    case 'interrupted': return ExitCode.interrupted;
  }
}
