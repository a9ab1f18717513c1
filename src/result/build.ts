/**
 * Assembles the result document from what the generator and the target reported. Pure: no I/O. First the facts
 * every section reads are worked out once (the context: totals, histograms, verdicts, status); then one rule per
 * field of the document (sections.ts makes a forgotten field a compile error), and every warning from warnings.ts.
 */
import type { HardwareProfile } from '../calibration/profile.js';
import { calibrationRatios } from '../calibration/ratios.js';
import type { RunConfig } from '../config/run-config.js';
import { EXIT_CODE_FOR_STATUS } from '../core/errors.js';
import { type ProxyVerification, RESULT_SCHEMA_VERSION, type RunResult, type RunStatus } from '../documents/result.js';
import type { Environment, GitInfo } from '../environment/environment.js';
import { addCounters, emptyCounters, type LoadCounters } from '../metrics/counters.js';
import { totalErrors } from '../metrics/errors.js';
import { encodeHistogram, type Histogram, mergeEncoded, summarize } from '../metrics/histogram.js';
import { peakOpen } from '../metrics/peak.js';
import { describeProxyPlan } from '../proxy/header.js';
import type { TargetStats } from '../target/stats.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';
import type { WorkerReport } from '../worker-contract/protocol.js';
import { type ModeTraits, modeTraits } from '../worker-contract/traits.js';
import { type ConnectVerdict, connectVerdict } from './connect-verdict.js';
import { errorTotal, integrityErrors } from './error-total.js';
import { buildKernel } from './kernel-section.js';
import { buildModeStats } from './mode-stats.js';
import { generatorResources } from './resources.js';
import { partialOf, runStatus } from './run-status.js';
import { type ScheduleVerdict, scheduleVerdict } from './schedule-verdict.js';
import { buildScrape } from './scrape-section.js';
import { assemble, type Complete, type ResultRules } from './sections.js';
import * as warn from './warnings.js';

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

/** What the sections read, worked out once. */
interface BuildContext {
  inputs: ResultInputs;
  config: RunConfig;
  outcome: LoadOutcome;
  traits: ModeTraits;
  totals: LoadCounters;
  headerSizes: Record<string, number>;
  rtt: Histogram;
  service: Histogram;
  connect: Histogram;
  handshake: Histogram;
  failed: number;
  dropped: number;
  peak: number;
  measuredS: number;
  perS: (n: number) => number;
  modeStats: RunResult['modeStats'];
  partial: RunResult['partial'] | null;
  schedule: ScheduleVerdict;
  connectSchedule: ConnectVerdict;
  status: RunStatus;
}

export function buildResult(inputs: ResultInputs): RunResult {
  return assemble(RULES, buildContext(inputs));
}

function buildContext(inputs: ResultInputs): BuildContext {
  const { config, outcome } = inputs;
  const traits = modeTraits(config);
  const totals = emptyCounters();
  const headerSizes: Record<string, number> = {};
  for (const r of outcome.reports) {
    addCounters(totals, r.counters);
    for (const [size, n] of Object.entries(r.headerSizes)) headerSizes[size] = (headerSizes[size] ?? 0) + n;
  }
  const merge = (pick: (r: WorkerReport) => string): Histogram => mergeEncoded(outcome.reports.map(pick));
  const rtt = merge((r) => r.rtt);
  const service = merge((r) => r.service);
  const connect = merge((r) => r.connect);
  const peak = peakOpen(
    outcome.reports.map((r) => r.counters.peakOpen),
    outcome.timeline.map((r) => r.open),
    totals.open,
  );
  totals.peakOpen = peak;
  const measuredS = outcome.phases.measuredMs / 1000;
  const modeStats = buildModeStats(
    config,
    outcome,
    totals,
    merge((r) => r.schedulerLag),
    measuredS,
  );
  const failed = totalErrors(totals.connectFailed);
  const dropped = totalErrors(totals.dropped);
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
  if (modeStats.churn)
    Object.assign(modeStats.churn, { askedPerSecond: config.connectRate, limit: connectSchedule.limit });
  const errors = errorTotal({
    failed,
    dropped,
    integrity: modeStats.integrity,
    verify: inputs.verify,
    stalled: modeStats.stream?.stalled?.count ?? 0,
  });
  // A schedule not kept makes the figures the generator's: the run fails, whatever else went right.
  const shortfall = traits.longLived && totals.established < config.conns;
  const status = runStatus(
    outcome,
    !traits.longLived && totals.established === 0,
    shortfall || schedule.behind || connectSchedule.behind,
    errors,
  );
  return {
    inputs,
    config,
    outcome,
    traits,
    totals,
    headerSizes,
    rtt,
    service,
    connect,
    handshake: merge((r) => r.tlsHandshake),
    failed,
    dropped,
    peak,
    measuredS,
    perS: (n) => (measuredS > 0 ? Math.round(n / measuredS) : 0),
    modeStats,
    partial: partialOf(outcome, config.conns),
    schedule,
    connectSchedule,
    status,
  };
}

/** One rule per field of the result document, in its order. */
const RULES: ResultRules<BuildContext> = {
  schemaVersion: () => RESULT_SCHEMA_VERSION,
  tool: (c) => ({ name: 'l4stress', version: c.inputs.version }),
  scenario: (c) => c.config.scenario,
  status: (c) => c.status,
  exitCode: (c) => EXIT_CODE_FOR_STATUS[c.status],
  partial: (c) => c.partial,
  git: (c) => c.inputs.git,
  mergedFrom: () => undefined,
  command: (c) => c.inputs.command,
  config: (c) => {
    const { quiet: _q, json: _j, metricsPort: _m, proxy: plan, ...rest } = c.config;
    return { ...rest, proxy: describeProxyPlan(plan) };
  },
  seed: (c) => c.config.seed,
  startedAt: (c) => c.outcome.startedAt.toISOString(),
  endedAt: (c) => c.outcome.endedAt.toISOString(),
  phases: (c): Complete<RunResult['phases']> => ({
    ...c.outcome.phases,
    rampTimedOut: c.outcome.rampTimedOut,
    drainMs: Math.max(0, ...c.outcome.reports.map((r) => r.drainMs)),
    drainTimedOut: c.outcome.reports.some((r) => r.drainTimedOut),
    startLateByMs: c.outcome.startLateByMs === null ? null : Math.round(c.outcome.startLateByMs),
  }),
  target: (c) => ({
    kind: c.inputs.target.kind,
    host: c.inputs.target.host,
    port: c.inputs.target.port,
    stats: c.inputs.target.stats,
  }),
  connections: (c): Complete<RunResult['connections']> => ({
    target: c.config.conns,
    attempted: c.totals.attempted,
    established: c.totals.established,
    peak: c.peak,
    failed: { total: c.failed, byKind: c.totals.connectFailed },
    dropped: { total: c.dropped, byKind: c.totals.dropped },
    abandonedAtStop: c.totals.abandonedAtStop,
    reconnects: c.config.reconnect
      ? { attempted: c.totals.reconnectAttempts, established: c.totals.reconnected, failed: c.totals.reconnectFailed }
      : null,
  }),
  latency: (c): Complete<RunResult['latency']> => ({
    roundTripUs: summarize(c.rtt),
    serviceUs: c.traits.paced ? summarize(c.service) : null,
    connectUs: summarize(c.connect),
    tlsHandshakeUs: c.config.tls ? summarize(c.handshake) : null,
  }),
  tls: (c) =>
    c.config.tls
      ? {
          handshakes: c.totals.tlsHandshakes,
          resumed: c.totals.tlsResumed,
          fullPerSecond: c.perS(c.totals.measuredTlsHandshakes - c.totals.measuredTlsResumed),
          resumedPerSecond: c.perS(c.totals.measuredTlsResumed),
        }
      : null,
  throughput: (c) => ({
    roundTrips: c.rtt.totalCount,
    roundTripsPerSecond: c.perS(c.rtt.totalCount),
    bytesSentPerSecond: c.perS(c.outcome.reports.reduce((n, r) => n + r.measuredBytesSent, 0)),
    bytesReceivedPerSecond: c.perS(c.outcome.reports.reduce((n, r) => n + r.measuredBytesReceived, 0)),
  }),
  modeStats: (c) => c.modeStats,
  proxy: (c): Complete<RunResult['proxy']> => {
    const headerBuildUs = c.outcome.reports.reduce((n, r) => n + r.headerBuildUs, 0);
    return {
      ...describeProxyPlan(c.config.proxy),
      headersSent: c.totals.headersSent,
      headerBytes: c.totals.headerBytes,
      headerSizes: c.headerSizes,
      headerBuildUsPerConnection:
        c.totals.headersSent > 0 ? Math.round((headerBuildUs / c.totals.headersSent) * 100) / 100 : null,
      verify: c.inputs.verify,
    };
  },
  totals: (c) => c.totals,
  resources: (c): Complete<RunResult['resources']> => ({
    generator: generatorResources(c.outcome, c.totals.established, c.traits.longLived),
    target:
      c.inputs.target.stats && c.inputs.target.pid !== null
        ? {
            pid: c.inputs.target.pid,
            maxRssBytes: c.inputs.target.stats.maxRssBytes,
            cpuUserMs: Math.round(c.inputs.target.stats.cpuUserUs / 1000),
            cpuSystemMs: Math.round(c.inputs.target.stats.cpuSystemUs / 1000),
          }
        : null,
    watched: c.outcome.watched,
  }),
  calibration: (c) =>
    c.inputs.profile &&
    calibrationRatios(c.inputs.profile.file, c.inputs.profile.profile, {
      mode: c.config.mode,
      roundTrips: c.traits.roundTrips,
      sizeBytes: c.config.sizeBytes,
      roundTripP50Us: summarize(c.rtt).p50,
      roundTripsPerSecond: c.perS(c.rtt.totalCount),
      connectP50Us: summarize(c.connect).p50,
      host: c.inputs.environment.hostname,
      cyclesPerSecond: c.modeStats.churn?.cyclesPerSecond ?? 0,
      streamBitsPerSecond:
        8 * c.perS(c.outcome.reports.reduce((n, r) => n + r.measuredBytesSent + r.measuredBytesReceived, 0)),
    }),
  scrape: (c) => buildScrape(c.outcome.scrape, c.outcome.timeline),
  kernel: (c) => buildKernel(c.outcome.kernel.before, c.outcome.kernel.after),
  environment: (c) => c.inputs.environment,
  timeline: (c) => c.outcome.timeline,
  histograms: (c): Complete<RunResult['histograms']> => ({
    roundTripUs: encodeHistogram(c.rtt),
    serviceUs: c.traits.paced ? encodeHistogram(c.service) : undefined,
    connectUs: encodeHistogram(c.connect),
    tlsHandshakeUs: c.config.tls ? encodeHistogram(c.handshake) : undefined,
  }),
  thresholds: () => undefined,
  warnings: (c) => {
    const { config, outcome, totals, modeStats } = c;
    const lost = c.partial?.lostConnections ?? 0;
    return [
      ...warn.lostWorkerWarnings(outcome, c.partial, config.conns),
      ...warn.stalledStreamWarnings(modeStats.stream?.stalled?.count ?? 0, modeStats.stream?.stalled?.examples ?? []),
      ...warn.rampWarnings(config, outcome, totals.established),
      ...warn.integrityWarnings(modeStats.integrity, integrityErrors(modeStats.integrity)),
      ...(c.schedule.message ? [c.schedule.message] : []),
      ...(c.connectSchedule.message ? [c.connectSchedule.message] : []),
      ...(c.traits.longLived
        ? warn.shortfallWarnings(totals.established, config.conns - lost, config.conns, outcome.interrupted)
        : []),
      ...warn.saturationWarnings(outcome.usage.cpuPercentMax, c.inputs.environment.cores),
      ...warn.verifyWarnings(c.inputs.verify),
      ...warn.watchedWarnings(outcome.watched),
      ...warn.settingWarnings(config, outcome, c.inputs.target.kind),
      ...warn.dropWarnings(totals.dropped, c.traits.longLived),
      ...warn.connectFailureWarnings(config, totals.connectFailed, c.inputs.environment.tcp.ipLocalPortRange),
      ...warn.kernelWarnings(RULES.kernel(c), summarize(c.connect).p99),
      ...warn.scrapeWarnings(RULES.scrape(c)),
    ];
  },
};
