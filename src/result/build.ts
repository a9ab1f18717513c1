/** Assembles the result document from what the generator and the target reported. Pure: no I/O. */

import type { HardwareProfile } from '../calibration/profile.js';
import { calibrationRatios } from '../calibration/ratios.js';
import type { RunConfig } from '../config/run-config.js';
import { EXIT_CODE_FOR_STATUS } from '../core/errors.js';
import { type ProxyVerification, RESULT_SCHEMA_VERSION, type RunResult, type RunStatus } from '../documents/result.js';
import type { Environment, GitInfo } from '../environment/environment.js';
import type { LoadOutcome } from '../load/outcome.js';
import { modeTraits } from '../load/traits.js';
import { addCounters, emptyCounters } from '../metrics/counters.js';
import { totalErrors } from '../metrics/errors.js';
import { encodeHistogram, mergeEncoded, summarize } from '../metrics/histogram.js';
import { peakOpen } from '../metrics/peak.js';
import { describeProxyPlan } from '../proxy/header.js';
import type { TargetStats } from '../target/stats.js';
import { connectVerdict } from './connect-verdict.js';
import { errorTotal, integrityErrors } from './error-total.js';
import { buildModeStats } from './mode-stats.js';
import { scheduleVerdict } from './schedule-verdict.js';
import { connectFailureWarnings, dropWarnings, lostWorkerWarnings, rampWarnings, settingWarnings } from './warnings.js';

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
  const service = mergeEncoded(outcome.reports.map((r) => r.service));
  const lag = mergeEncoded(outcome.reports.map((r) => r.schedulerLag));
  const connect = mergeEncoded(outcome.reports.map((r) => r.connect));
  const handshake = mergeEncoded(outcome.reports.map((r) => r.tlsHandshake));
  const failed = totalErrors(totals.connectFailed);
  const dropped = totalErrors(totals.dropped);
  const peak = peakOpen(
    outcome.reports.map((r) => r.counters.peakOpen),
    outcome.timeline.map((r) => r.open),
    totals.open,
  );
  totals.peakOpen = peak;
  const measuredS = outcome.phases.measuredMs / 1000;
  const perS = (n: number): number => (measuredS > 0 ? Math.round(n / measuredS) : 0);
  const verifyFailed = inputs.verify !== null && !inputs.verify.ok;
  const modeStats = buildModeStats(config, outcome, totals, lag, measuredS);
  const integrity = integrityErrors(modeStats.integrity);
  const churn = !modeTraits(config).longLived;
  const shortfall = churn ? false : totals.established < config.conns;
  const stalled = modeStats.stream?.stalled?.count ?? 0;
  const errors = errorTotal({ failed, dropped, integrity: modeStats.integrity, verify: inputs.verify, stalled });
  const schedule = modeStats.openLoop
    ? scheduleVerdict({
        intendedPerSecond: modeStats.openLoop.intendedPerSecond,
        conns: config.conns,
        pacedMs: outcome.phases.warmupMs + outcome.phases.measuredMs,
        missed: totals.missed,
        late: totals.late,
        roundTrips: rtt.totalCount,
        lagP99Us: modeStats.openLoop.schedulerLagUs.p99,
        serviceP50Us: summarize(service).p50,
        pacedSends: totals.pacedSends,
        leftLate: totals.leftLate,
        toleranceMs: modeStats.openLoop.lateToleranceMs ?? 0,
      })
    : { behind: false, generatorBehind: false, message: null };
  if (modeStats.openLoop) modeStats.openLoop.generatorBehind = schedule.generatorBehind;
  const connectSchedule = connectVerdict(config, totals, modeStats.churn?.cyclesPerSecond ?? 0, summarize(connect).p50);
  // A schedule not kept makes the figures the generator's: the run fails, whatever else went right.
  const behind = schedule.behind || connectSchedule.behind;
  const status = runStatus(outcome, churn && totals.established === 0, shortfall || behind, errors);
  const headerBuildUs = outcome.reports.reduce((n, r) => n + r.headerBuildUs, 0);

  const warnings: string[] = [];
  const partial = partialOf(outcome, config.conns);
  warnings.push(...lostWorkerWarnings(outcome, partial, config.conns));
  if (stalled > 0) {
    const ids = modeStats.stream!.stalled!.examples.join(', ');
    warnings.push(
      `${stalled} stream connection${stalled === 1 ? '' : 's'} moved no byte in the whole measured phase ` +
        `(e.g. connection ${ids}): the target stopped reading or writing`,
    );
  }
  warnings.push(...rampWarnings(config, outcome, totals.established));
  if (integrity > 0) {
    const i = modeStats.integrity;
    warnings.push(
      `echo integrity failed: ${i.corrupted} corrupted, ${i.duplicated} duplicated, ${i.outOfOrder} out of ` +
        `order, ${i.missing} missing, ${i.bytesLostAtClose} bytes lost at close`,
    );
  }
  if (schedule.message) warnings.push(schedule.message);
  if (connectSchedule.message) warnings.push(connectSchedule.message);
  if (modeStats.churn)
    Object.assign(modeStats.churn, { askedPerSecond: config.connectRate, limit: connectSchedule.limit });
  if (!churn && totals.established < config.conns - (partial?.lostConnections ?? 0) && !outcome.interrupted) {
    warnings.push(`established ${totals.established} of ${config.conns} connections`);
  }
  const cores = inputs.environment.cores;
  if (outcome.usage.cpuPercentMax >= 90 * cores) {
    warnings.push(
      `the generator used up to ${outcome.usage.cpuPercentMax}% CPU of ${cores * 100}%: it was saturated, so ` +
        `latency includes its own queuing`,
    );
  }
  if (verifyFailed) {
    warnings.push(
      `address preservation failed: ${inputs.verify!.missing} claimed sources missing at the backend, ` +
        `${inputs.verify!.unexpected} unexpected`,
    );
  }
  for (const w of outcome.watched) {
    if (w.exited)
      warnings.push(
        `watched process ${w.pid} (${w.name}) exited ` +
          `${w.exitedAfterS === 0 ? 'before the run' : `after ${w.exitedAfterS} s`}; its sampling stopped there`,
      );
  }
  const rt = summarize(rtt);
  const connectSummary = summarize(connect);
  const calibration = inputs.profile
    ? calibrationRatios(inputs.profile.file, inputs.profile.profile, {
        mode: config.mode,
        roundTrips: modeTraits(config).roundTrips,
        sizeBytes: config.sizeBytes,
        roundTripP50Us: rt.p50,
        roundTripsPerSecond: perS(rtt.totalCount),
        connectP50Us: connectSummary.p50,
        host: inputs.environment.hostname,
        cyclesPerSecond: modeStats.churn?.cyclesPerSecond ?? 0,
        streamBitsPerSecond:
          8 * perS(outcome.reports.reduce((n, r) => n + r.measuredBytesSent + r.measuredBytesReceived, 0)),
      })
    : null;
  warnings.push(...settingWarnings(config, outcome, inputs.target.kind));
  warnings.push(...dropWarnings(totals.dropped, modeTraits(config).longLived));
  warnings.push(...connectFailureWarnings(config, totals.connectFailed, inputs.environment.tcp.ipLocalPortRange));

  const { quiet: _q, json: _j, metricsPort: _m, proxy: plan, ...rest } = config;
  const proxyDescription = describeProxyPlan(plan);
  const configForResult = { ...rest, proxy: proxyDescription };
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'l4stress', version: inputs.version },
    scenario: config.scenario,
    status,
    exitCode: EXIT_CODE_FOR_STATUS[status],
    partial,
    git: inputs.git,
    command: inputs.command,
    config: configForResult,
    seed: config.seed,
    startedAt: outcome.startedAt.toISOString(),
    endedAt: outcome.endedAt.toISOString(),
    phases: {
      ...outcome.phases,
      rampTimedOut: outcome.rampTimedOut,
      drainMs: Math.max(0, ...outcome.reports.map((r) => r.drainMs)),
      drainTimedOut: outcome.reports.some((r) => r.drainTimedOut),
      startLateByMs: outcome.startLateByMs === null ? null : Math.round(outcome.startLateByMs),
    },
    target: {
      kind: inputs.target.kind,
      host: inputs.target.host,
      port: inputs.target.port,
      stats: inputs.target.stats,
    },
    connections: {
      target: config.conns,
      attempted: totals.attempted,
      established: totals.established,
      peak,
      failed: { total: failed, byKind: totals.connectFailed },
      dropped: { total: dropped, byKind: totals.dropped },
      abandonedAtStop: totals.abandonedAtStop,
      reconnects: config.reconnect
        ? { attempted: totals.reconnectAttempts, established: totals.reconnected, failed: totals.reconnectFailed }
        : null,
    },
    latency: {
      roundTripUs: rt,
      serviceUs: modeTraits(config).paced ? summarize(service) : null,
      connectUs: connectSummary,
      tlsHandshakeUs: config.tls ? summarize(handshake) : null,
    },
    throughput: {
      roundTrips: rtt.totalCount,
      roundTripsPerSecond: perS(rtt.totalCount),
      bytesSentPerSecond: perS(outcome.reports.reduce((n, r) => n + r.measuredBytesSent, 0)),
      bytesReceivedPerSecond: perS(outcome.reports.reduce((n, r) => n + r.measuredBytesReceived, 0)),
    },
    modeStats,
    tls: config.tls
      ? {
          handshakes: totals.tlsHandshakes,
          resumed: totals.tlsResumed,
          fullPerSecond: perS(totals.measuredTlsHandshakes - totals.measuredTlsResumed),
          resumedPerSecond: perS(totals.measuredTlsResumed),
        }
      : null,
    proxy: {
      ...proxyDescription,
      headersSent: totals.headersSent,
      headerBytes: totals.headerBytes,
      headerSizes,
      headerBuildUsPerConnection:
        totals.headersSent > 0 ? Math.round((headerBuildUs / totals.headersSent) * 100) / 100 : null,
      verify: inputs.verify,
    },
    totals,
    resources: {
      generator: {
        maxRssBytes: outcome.usage.maxRssBytes,
        cpuPercentMean: outcome.usage.cpuPercentMean,
        cpuPercentMax: outcome.usage.cpuPercentMax,
        cpuUserMs: outcome.usage.cpuUserMs,
        cpuSystemMs: outcome.usage.cpuSystemMs,
        processes: outcome.memory.processes.length,
        baselineRssBytes: outcome.memory.baselineRssBytes,
        rampedRssBytes: outcome.memory.rampedRssBytes,
        // Unknown rather than negative when the RSS fell over the ramp (the collector returned more than the
        // sessions took): no figure beats a wrong one.
        memoryPerConnectionBytes:
          totals.established > 0 &&
          modeTraits(config).longLived &&
          outcome.memory.rampedRssBytes >= outcome.memory.baselineRssBytes
            ? Math.round((outcome.memory.rampedRssBytes - outcome.memory.baselineRssBytes) / totals.established)
            : null,
      },
      target:
        inputs.target.stats && inputs.target.pid !== null
          ? {
              pid: inputs.target.pid,
              maxRssBytes: inputs.target.stats.maxRssBytes,
              cpuUserMs: Math.round(inputs.target.stats.cpuUserUs / 1000),
              cpuSystemMs: Math.round(inputs.target.stats.cpuSystemUs / 1000),
            }
          : null,
      watched: outcome.watched,
    },
    calibration,
    environment: inputs.environment,
    timeline: outcome.timeline,
    histograms: {
      roundTripUs: encodeHistogram(rtt),
      ...(modeTraits(config).paced ? { serviceUs: encodeHistogram(service) } : {}),
      connectUs: encodeHistogram(connect),
      ...(config.tls ? { tlsHandshakeUs: encodeHistogram(handshake) } : {}),
    },
    warnings,
  };
}

function runStatus(outcome: LoadOutcome, churnUnreachable: boolean, shortfall: boolean, errors: number): RunStatus {
  if (outcome.interrupted) return 'interrupted';
  if (outcome.lostWorkers.length > 0) return 'partial';
  if (outcome.nothingEstablished || churnUnreachable) return 'unreachable';
  if (errors > 0 || shortfall) return 'completed-with-errors';
  return 'completed';
}

function partialOf(outcome: LoadOutcome, planned: number): NonNullable<RunResult['partial']> | null {
  if (outcome.lostWorkers.length === 0) return null;
  const lostConnections = outcome.lostWorkers.reduce((n, w) => n + w.conns, 0);
  return {
    lostWorkers: outcome.lostWorkers.map((w) => ({ ...w })),
    lostConnections,
    lostShare: planned > 0 ? Math.min(1, lostConnections / planned) : 0,
  };
}
