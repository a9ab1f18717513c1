/**
 * Assembles the result document from what the generator and the target reported. Pure: no I/O. First the facts
 * every section reads are worked out once (build-context.ts: totals, histograms, verdicts, status); then one rule per
 * field of the document (sections.ts makes a forgotten field a compile error), each witness's section from its own
 * file (witnesses/list.ts), and every warning: warnings.ts's, then each witness's.
 */
import { calibrationRatios } from '../calibration/ratios.js';
import type { RunConfig } from '../config/run-config.js';
import { EXIT_CODE_FOR_STATUS } from '../core/errors.js';
import { RESULT_SCHEMA_VERSION, type RunResult } from '../documents/result.js';
import { encodeHistogram, summarize } from '../instruments/histogram.js';
import { describeProxyPlan } from '../proxy/header.js';
import { resourcesSections, WITNESSES } from '../witnesses/list.js';
import type { AnyWitness, BuiltRun } from '../witnesses/witness.js';
import { type BuildContext, buildContext, type ResultInputs } from './build-context.js';
import { buildDatagrams } from './datagrams.js';
import { integrityErrors } from './error-total.js';
import { generatorResources } from './resources.js';
import { assemble, type Complete, type ResultRules, witnessRules } from './sections.js';
import * as warn from './warnings.js';

export type { ResultInputs };

export function buildResult(inputs: ResultInputs): RunResult {
  return assemble(RULES, buildContext(inputs));
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
  config: (c) => describeConfig(c.config),
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
    watched: c.inputs.target.watched ?? null,
  }),
  connections: (c): Complete<RunResult['connections']> => ({
    target: c.config.conns,
    attempted: c.totals.attempted,
    established: c.totals.established,
    peak: c.peak,
    failed: { total: c.failed, byKind: c.totals.connectFailed },
    dropped: { total: c.dropped, byKind: c.totals.dropped },
    abandonedAtStop: c.totals.abandonedAtStop,
    unserved: c.totals.unserved,
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
  datagrams: (c) =>
    buildDatagrams(c.config, c.outcome, c.totals, c.measuredS, c.inputs.target.udpStats ?? null) ?? undefined,
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
    // The run's own processes' witness (witnesses/watched.ts), whose section sits here.
    ...resourcesSections((w) => section(w, c)),
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
  // Each witness's section, from what it recorded and the timeline rows it wrote (witnesses/list.ts).
  ...witnessRules<BuildContext>(section),
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
      ...warn.saturationWarnings(
        outcome.timeline,
        Math.min(c.inputs.environment.cores, config.workers) * outcome.memory.processes.length,
        RULES.resources(c)
          .watched.filter((w) => w.role === 'generator')
          .map((w) => w.pid),
      ),
      ...warn.verifyWarnings(c.inputs.verify),
      ...warn.settingWarnings(config, outcome, c.inputs.target.kind),
      ...warn.dropWarnings(totals.dropped, c.traits.longLived),
      ...warn.unservedWarnings(
        totals.unserved,
        config.transport === 'udp'
          ? { corrupt: totals.datagramsCorrupt, refused: totals.datagramErrors.ECONNREFUSED ?? 0 }
          : null,
      ),
      ...warn.connectFailureWarnings(config, totals.connectFailed, c.inputs.environment.tcp.ipLocalPortRange),
      ...warn.connectTimeoutWarnings(
        totals.connectFailed.ETIMEDOUT ?? 0,
        RULES.kernel(c),
        config.connectTimeoutMs,
        summarize(c.connect).p99,
      ),
      // Each witness's own, in the list's order.
      ...WITNESSES.flatMap((w) => w.warnings(section(w, c), { connectP99Us: summarize(c.connect).p99, config })),
    ];
  },
};

/** A witness's section, from what it recorded, the timeline rows it wrote and the builder's totals. */
function section(w: AnyWitness, c: BuildContext): unknown {
  const run: BuiltRun = {
    timeline: c.outcome.timeline,
    cores: c.inputs.environment.cores,
    totals: c.totals,
    measuredRoundTrips: c.rtt.totalCount,
    longLived: c.traits.longLived,
  };
  return w.section(c.outcome.witnesses[w.key as keyof typeof c.outcome.witnesses], run);
}

/** A run's settings as documents keep them: the header plan described, the console-only switches left out. */
export function describeConfig(config: RunConfig): RunResult['config'] {
  const { quiet: _q, json: _j, metricsPort: _m, proxy: plan, ...rest } = config;
  return { ...rest, proxy: describeProxyPlan(plan) };
}
