/**
 * `l4stress merge`: the results of the shards of one run (--shard I/N) into one result document of the same
 * schema. Exact where the parts allow it: counters and errors by kind are summed, the encoded HDR histograms
 * merged and the latency summaries recomputed from them, throughput summed (shards measure the same wall-clock
 * window when started with --start-at). Per-second timeline rows are aligned by wall clock and summed; their
 * latency columns are the worst shard's (a percentile of percentiles would not be one). Each shard's machine and
 * start stay in `mergedFrom`. Results of different runs, a shard twice, or a missing shard are refused (exit 2),
 * unless a partial set is accepted, which the merged result then says (status partial, the lost share).
 */
import { EXIT_CODE_FOR_STATUS, type RunStatus } from '../core/errors.js';
import { RESULT_SCHEMA_VERSION, type RunResult, type TimelineRow } from '../documents/result.js';
import { addCounters, emptyCounters, type LoadCounters } from '../instruments/counters.js';
import { addErrorCounts, totalErrors } from '../instruments/errors.js';
import { encodeHistogram, type Histogram, mergeEncoded, summarize } from '../instruments/histogram.js';
import { peakOpen } from '../instruments/peak.js';
import { resourcesSections } from '../witnesses/list.js';
import { sectionOf } from '../witnesses/witness.js';
import { mergeDatagrams } from './datagrams.js';
import { checkShards } from './merge-check.js';
import { mergeConfig } from './merge-config.js';
import { mergeModeStats } from './merge-mode-stats.js';
import { mergeTimelines } from './merge-timeline.js';
import { assemble, type Complete, type ResultRules, witnessRules } from './sections.js';
import { mergeWarnings } from './warnings.js';

export interface MergeInput {
  file: string;
  result: RunResult;
}

/** Worst first: the merged status is the worst shard's. */
const SEVERITY: RunStatus[] = ['interrupted', 'partial', 'unreachable', 'completed-with-errors', 'completed'];

export function mergeResults(parts: MergeInput[], o: { acceptPartial: boolean; command: string[] }): RunResult {
  return assemble(RULES, mergeContext(parts, o));
}

/** What the sections read, worked out once. */
interface MergeContext {
  parts: MergeInput[];
  command: string[];
  /** The shards, by index. */
  results: RunResult[];
  shard: NonNullable<RunResult['config']['shard']>;
  missing: number[];
  sum: (f: (r: RunResult) => number) => number;
  max: (f: (r: RunResult) => number) => number;
  partial: RunResult['partial'] | null;
  status: RunStatus;
  roundTrip: Histogram;
  connect: Histogram;
  tls: Histogram | null;
  service: Histogram | null;
  totals: LoadCounters;
  startedAt: Date;
  timeline: TimelineRow[];
}

function mergeContext(parts: MergeInput[], o: { acceptPartial: boolean; command: string[] }): MergeContext {
  const missing = checkShards(parts, o.acceptPartial);
  const results = parts.map((p) => p.result).sort((a, b) => a.config.shard!.index - b.config.shard!.index);
  const shard = results[0].config.shard!;
  const sum = (f: (r: RunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const max = (f: (r: RunResult) => number): number => Math.max(...results.map(f));
  const lostConnections = shard.totalConns - sum((r) => r.config.conns) + sum((r) => r.partial?.lostConnections ?? 0);
  const partial =
    lostConnections > 0
      ? {
          lostWorkers: results.flatMap((r) => r.partial?.lostWorkers ?? []),
          lostConnections,
          lostShare: Math.min(1, lostConnections / shard.totalConns),
        }
      : null;
  const worst = SEVERITY.find((s) => results.some((r) => r.status === s)) ?? 'completed';
  const tlsEncoded = results.flatMap((r) => (r.histograms.tlsHandshakeUs ? [r.histograms.tlsHandshakeUs] : []));
  const totals = emptyCounters();
  for (const r of results) addCounters(totals, r.totals);
  const startedAt = new Date(Math.min(...results.map((r) => Date.parse(r.startedAt))));
  return {
    parts,
    command: o.command,
    results,
    shard,
    missing,
    sum,
    max,
    partial,
    status: partial && worst !== 'interrupted' ? 'partial' : worst,
    roundTrip: mergeEncoded(results.map((r) => r.histograms.roundTripUs)),
    connect: mergeEncoded(results.map((r) => r.histograms.connectUs)),
    tls: tlsEncoded.length > 0 ? mergeEncoded(tlsEncoded) : null,
    // Every shard of a paced run keeps its service histogram (results before it had none: then nothing is said).
    service: results.every((r) => r.histograms.serviceUs)
      ? mergeEncoded(results.map((r) => r.histograms.serviceUs!))
      : null,
    totals,
    startedAt,
    timeline: mergeTimelines(results, startedAt.getTime()),
  };
}

/** The first shard's value: for what every shard has alike (checked by identity(), or the same by construction). */
const same = (c: MergeContext) => c.results[0];

/** One rule per field of the result document, in its order. */
const RULES: ResultRules<MergeContext> = {
  schemaVersion: () => RESULT_SCHEMA_VERSION,
  tool: (c) => same(c).tool,
  scenario: (c) => same(c).scenario,
  status: (c) => c.status,
  exitCode: (c) => EXIT_CODE_FOR_STATUS[c.status],
  partial: (c) => c.partial,
  // The machine that merges has no say in which commit loaded: the first shard's.
  git: (c) => same(c).git,
  mergedFrom: (c) =>
    c.parts
      .map((p) => ({
        index: p.result.config.shard!.index,
        file: p.file,
        host: p.result.environment.hostname,
        conns: p.result.config.conns,
        startedAt: p.result.startedAt,
        startLateByMs: p.result.phases.startLateByMs ?? null,
        status: p.result.status,
      }))
      .sort((a, b) => a.index - b.index),
  command: (c) => c.command,
  config: (c) => mergeConfig(c.results, c.shard.totalConns),
  seed: (c) => same(c).seed,
  startedAt: (c) => c.startedAt.toISOString(),
  endedAt: (c) => new Date(c.max((r) => Date.parse(r.endedAt))).toISOString(),
  phases: (c): Complete<RunResult['phases']> => ({
    rampMs: c.max((r) => r.phases.rampMs),
    warmupMs: c.max((r) => r.phases.warmupMs),
    measuredMs: c.max((r) => r.phases.measuredMs),
    rampTimedOut: c.results.some((r) => r.phases.rampTimedOut),
    drainMs: c.max((r) => r.phases.drainMs ?? 0),
    drainTimedOut: c.results.some((r) => r.phases.drainTimedOut === true),
    startLateByMs: c.results.some((r) => r.phases.startLateByMs != null)
      ? c.max((r) => r.phases.startLateByMs ?? 0)
      : null,
  }),
  // One external target for every shard: its stats, when a shard read them, would count all shards.
  target: (c) => ({ kind: same(c).target.kind, host: same(c).target.host, port: same(c).target.port, stats: null }),
  connections: (c): Complete<RunResult['connections']> => {
    const failedByKind = {};
    const droppedByKind = {};
    for (const r of c.results) {
      addErrorCounts(failedByKind, r.connections.failed.byKind);
      addErrorCounts(droppedByKind, r.connections.dropped.byKind);
    }
    return {
      target: c.shard.totalConns,
      attempted: c.sum((r) => r.connections.attempted),
      established: c.sum((r) => r.connections.established),
      // The one peak rule (instruments/peak.ts) on the merged timeline: seconds when every shard's sessions were open.
      peak: peakOpen(
        c.results.map((r) => r.connections.peak),
        c.timeline.map((row) => row.open),
        c.totals.open,
      ),
      failed: { total: totalErrors(failedByKind), byKind: failedByKind },
      dropped: { total: totalErrors(droppedByKind), byKind: droppedByKind },
      abandonedAtStop: c.sum((r) => r.connections.abandonedAtStop ?? 0),
      unserved: c.sum((r) => r.connections.unserved ?? 0),
      reconnects: c.results.some((r) => r.connections.reconnects)
        ? {
            attempted: c.sum((r) => r.connections.reconnects?.attempted ?? 0),
            established: c.sum((r) => r.connections.reconnects?.established ?? 0),
            failed: c.sum((r) => r.connections.reconnects?.failed ?? 0),
          }
        : null,
    };
  },
  latency: (c): Complete<RunResult['latency']> => ({
    roundTripUs: summarize(c.roundTrip),
    serviceUs: c.service ? summarize(c.service) : null,
    connectUs: summarize(c.connect),
    tlsHandshakeUs: c.tls ? summarize(c.tls) : null,
  }),
  tls: (c) =>
    c.results.some((r) => r.tls)
      ? {
          handshakes: c.sum((r) => r.tls?.handshakes ?? 0),
          resumed: c.sum((r) => r.tls?.resumed ?? 0),
          fullPerSecond: c.sum((r) => r.tls?.fullPerSecond ?? 0),
          resumedPerSecond: c.sum((r) => r.tls?.resumedPerSecond ?? 0),
        }
      : null,
  throughput: (c) => ({
    roundTrips: c.sum((r) => r.throughput.roundTrips),
    roundTripsPerSecond: c.sum((r) => r.throughput.roundTripsPerSecond),
    bytesSentPerSecond: c.sum((r) => r.throughput.bytesSentPerSecond),
    bytesReceivedPerSecond: c.sum((r) => r.throughput.bytesReceivedPerSecond),
  }),
  modeStats: (c) => mergeModeStats(c.results),
  datagrams: (c) => mergeDatagrams(c.results) ?? undefined,
  proxy: (c): Complete<RunResult['proxy']> => {
    const headersSent = c.sum((r) => r.proxy.headersSent);
    const headerSizes: Record<string, number> = {};
    for (const r of c.results)
      for (const [size, n] of Object.entries(r.proxy.headerSizes)) headerSizes[size] = (headerSizes[size] ?? 0) + n;
    const p = same(c).proxy;
    return {
      // The header's description is the run's (identity() checked it is the same in every shard).
      version: p.version,
      command: p.command,
      src: p.src,
      dst: p.dst,
      tlvs: p.tlvs,
      headersSent,
      headerBytes: c.sum((r) => r.proxy.headerBytes),
      headerSizes,
      headerBuildUsPerConnection:
        headersSent > 0
          ? c.sum((r) => (r.proxy.headerBuildUsPerConnection ?? 0) * r.proxy.headersSent) / headersSent
          : null,
      // Verification is refused with --shard: verify on the backend after every shard ran.
      verify: null,
    };
  },
  totals: (c) => c.totals,
  resources: (c): Complete<RunResult['resources']> => ({
    generator: {
      // Per machine: the largest shard's, not a sum over machines.
      maxRssBytes: c.max((r) => r.resources.generator.maxRssBytes),
      cpuPercentMean: c.max((r) => r.resources.generator.cpuPercentMean),
      cpuPercentMax: c.max((r) => r.resources.generator.cpuPercentMax),
      cpuUserMs: c.sum((r) => r.resources.generator.cpuUserMs),
      cpuSystemMs: c.sum((r) => r.resources.generator.cpuSystemMs),
      processes: c.sum((r) => r.resources.generator.processes),
      baselineRssBytes: c.sum((r) => r.resources.generator.baselineRssBytes),
      rampedRssBytes: c.sum((r) => r.resources.generator.rampedRssBytes),
      // Machines differ: a sum over them per connection would describe none of them.
      memoryPerConnectionBytes: null,
    },
    // One target for all shards, not sampled by any one of them.
    target: null,
    // The run's own processes' witness (witnesses/watched.ts) by its merge rule, from the shards' in shard order.
    ...resourcesSections((w) => w.merge(c.results.map((r) => sectionOf(w, r)))),
  }),
  // Each machine has its own profile: no one ratio speaks for all.
  calibration: () => null,
  // Each witness's section by its own merge rule (witnesses/list.ts), from the shards' in shard order.
  ...witnessRules<MergeContext>((w, c) => w.merge(c.results.map((r) => sectionOf(w, r)))),
  environment: (c) => same(c).environment, // the first shard's machine; each shard's host is in mergedFrom
  timeline: (c) => c.timeline,
  histograms: (c): Complete<RunResult['histograms']> => ({
    roundTripUs: encodeHistogram(c.roundTrip),
    serviceUs: c.service ? encodeHistogram(c.service) : undefined,
    connectUs: encodeHistogram(c.connect),
    tlsHandshakeUs: c.tls ? encodeHistogram(c.tls) : undefined,
  }),
  // A merged run is judged by merge --threshold, afterwards (judgeRun).
  thresholds: () => undefined,
  warnings: (c) => mergeWarnings(c.missing, c.shard.count, c.results),
};
