/**
 * `l4stress merge`: the results of the shards of one run (--shard I/N) into one result document of the same
 * schema. Exact where the parts allow it: counters and errors by kind are summed, the encoded HDR histograms
 * merged and the latency summaries recomputed from them, throughput summed (shards measure the same wall-clock
 * window when started with --start-at). Per-second timeline rows are aligned by wall clock and summed; their
 * latency columns are the worst shard's (a percentile of percentiles would not be one). Each shard's machine and
 * start stay in `mergedFrom`. Results of different runs, a shard twice, or a missing shard are refused (exit 2),
 * unless a partial set is accepted, which the merged result then says (status partial, the lost share).
 */
import { EXIT_CODE_FOR_STATUS, type RunStatus, UsageError } from '../core/errors.js';
import type { RunResult } from '../documents/result.js';
import { addCounters, emptyCounters } from '../metrics/counters.js';
import { addErrorCounts, totalErrors } from '../metrics/errors.js';
import { encodeHistogram, mergeEncoded, summarize } from '../metrics/histogram.js';
import { mergeTimelines } from './merge-timeline.js';

export interface MergeInput {
  file: string;
  result: RunResult;
}

/** Worst first: the merged status is the worst shard's. */
const SEVERITY: RunStatus[] = ['interrupted', 'partial', 'unreachable', 'completed-with-errors', 'completed'];

/** What must be equal for results to be shards of one run (everything a shard does not change). */
function identity(r: RunResult): string {
  const c = r.config;
  return JSON.stringify([
    r.scenario,
    c.mode,
    c.seed,
    c.startAt,
    c.proxy,
    c.sizeBytes,
    c.durationMs,
    c.shard?.count,
    c.shard?.totalConns,
    r.target.host,
    r.target.port,
  ]);
}

export function mergeResults(parts: MergeInput[], o: { acceptPartial: boolean; command: string[] }): RunResult {
  if (parts.length === 0) throw new UsageError('merge: give the result files of the shards');
  const first = parts[0].result;
  const shard = first.config.shard;
  if (!shard) throw new UsageError(`merge: ${parts[0].file} is not a shard's result (run with --shard I/N)`);
  for (const p of parts) {
    if (!p.result.config.shard) throw new UsageError(`merge: ${p.file} is not a shard's result (run with --shard I/N)`);
    if (identity(p.result) !== identity(first))
      throw new UsageError(
        `merge: ${p.file} is not a shard of the same run as ${parts[0].file}`,
        'same scenario, seed, --start-at, target and settings',
      );
  }
  const seen = new Map<number, string>();
  for (const p of parts) {
    const i = p.result.config.shard!.index;
    if (seen.has(i)) throw new UsageError(`merge: shard ${i} given twice (${seen.get(i)} and ${p.file})`);
    seen.set(i, p.file);
  }
  const missing = Array.from({ length: shard.count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0 && !o.acceptPartial)
    throw new UsageError(
      `merge: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${shard.count} missing`,
      'give every shard, or --partial to merge what there is',
    );
  const results = parts.map((p) => p.result).sort((a, b) => a.config.shard!.index - b.config.shard!.index);

  const sum = (f: (r: RunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const max = (f: (r: RunResult) => number): number => Math.max(...results.map(f));
  const conns = sum((r) => r.config.conns);
  const lostConnections = shard.totalConns - conns + sum((r) => r.partial?.lostConnections ?? 0);
  const partial =
    lostConnections > 0
      ? {
          lostWorkers: results.flatMap((r) => r.partial?.lostWorkers ?? []),
          lostConnections,
          lostShare: Math.min(1, lostConnections / shard.totalConns),
        }
      : null;
  const worst = SEVERITY.find((s) => results.some((r) => r.status === s)) ?? 'completed';
  const status: RunStatus = partial && worst !== 'interrupted' ? 'partial' : worst;

  const roundTrip = mergeEncoded(results.map((r) => r.histograms.roundTripUs));
  const connect = mergeEncoded(results.map((r) => r.histograms.connectUs));
  const tlsEncoded = results.flatMap((r) => (r.histograms.tlsHandshakeUs ? [r.histograms.tlsHandshakeUs] : []));
  const tls = tlsEncoded.length > 0 ? mergeEncoded(tlsEncoded) : null;
  // Every shard of a paced run keeps its service histogram (results before it had none: then nothing is said).
  const service = results.every((r) => r.histograms.serviceUs)
    ? mergeEncoded(results.map((r) => r.histograms.serviceUs!))
    : null;
  const totals = emptyCounters();
  for (const r of results) addCounters(totals, r.totals);
  const failedByKind = {};
  const droppedByKind = {};
  for (const r of results) {
    addErrorCounts(failedByKind, r.connections.failed.byKind);
    addErrorCounts(droppedByKind, r.connections.dropped.byKind);
  }
  const reconnects = results.some((r) => r.connections.reconnects)
    ? {
        attempted: sum((r) => r.connections.reconnects?.attempted ?? 0),
        established: sum((r) => r.connections.reconnects?.established ?? 0),
        failed: sum((r) => r.connections.reconnects?.failed ?? 0),
      }
    : null;
  const ms = first.modeStats;
  const startedAt = new Date(Math.min(...results.map((r) => Date.parse(r.startedAt))));
  const headerCount = sum((r) => r.proxy.headersSent);
  const headerSizes: Record<string, number> = {};
  for (const r of results)
    for (const [size, n] of Object.entries(r.proxy.headerSizes)) headerSizes[size] = (headerSizes[size] ?? 0) + n;

  const merged: RunResult = {
    ...first,
    status,
    exitCode: EXIT_CODE_FOR_STATUS[status],
    partial,
    mergedFrom: parts
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
    command: o.command,
    config: {
      ...first.config,
      conns: shard.totalConns,
      connectRate: sum((r) => r.config.connectRate),
      ratePerSecond: sum((r) => r.config.ratePerSecond),
      maxConnecting: sum((r) => r.config.maxConnecting),
      shard: null,
      out: null,
    },
    startedAt: startedAt.toISOString(),
    endedAt: new Date(max((r) => Date.parse(r.endedAt))).toISOString(),
    phases: {
      rampMs: max((r) => r.phases.rampMs),
      warmupMs: max((r) => r.phases.warmupMs),
      measuredMs: max((r) => r.phases.measuredMs),
      rampTimedOut: results.some((r) => r.phases.rampTimedOut),
      drainMs: max((r) => r.phases.drainMs ?? 0),
      drainTimedOut: results.some((r) => r.phases.drainTimedOut === true),
      startLateByMs: results.some((r) => r.phases.startLateByMs != null)
        ? max((r) => r.phases.startLateByMs ?? 0)
        : null,
    },
    // One external target for every shard: its stats, when a shard read them, would count all shards.
    target: { ...first.target, stats: null },
    connections: {
      target: shard.totalConns,
      attempted: sum((r) => r.connections.attempted),
      established: sum((r) => r.connections.established),
      // Shards hold their sessions at the same time (--start-at): their peaks add up.
      peak: sum((r) => r.connections.peak),
      failed: { total: totalErrors(failedByKind), byKind: failedByKind },
      dropped: { total: totalErrors(droppedByKind), byKind: droppedByKind },
      abandonedAtStop: sum((r) => r.connections.abandonedAtStop ?? 0),
      reconnects,
    },
    latency: {
      roundTripUs: summarize(roundTrip),
      serviceUs: service ? summarize(service) : null,
      connectUs: summarize(connect),
      tlsHandshakeUs: tls ? summarize(tls) : null,
    },
    tls: results.some((r) => r.tls)
      ? {
          handshakes: sum((r) => r.tls?.handshakes ?? 0),
          resumed: sum((r) => r.tls?.resumed ?? 0),
          fullPerSecond: sum((r) => r.tls?.fullPerSecond ?? 0),
          resumedPerSecond: sum((r) => r.tls?.resumedPerSecond ?? 0),
        }
      : null,
    throughput: {
      roundTrips: sum((r) => r.throughput.roundTrips),
      roundTripsPerSecond: sum((r) => r.throughput.roundTripsPerSecond),
      bytesSentPerSecond: sum((r) => r.throughput.bytesSentPerSecond),
      bytesReceivedPerSecond: sum((r) => r.throughput.bytesReceivedPerSecond),
    },
    modeStats: {
      mode: ms.mode,
      openLoop: ms.openLoop
        ? {
            intendedPerSecond: sum((r) => r.modeStats.openLoop?.intendedPerSecond ?? 0),
            late: sum((r) => r.modeStats.openLoop?.late ?? 0),
            missed: sum((r) => r.modeStats.openLoop?.missed ?? 0),
            // Each generator's own lag: the worst shard's summary.
            schedulerLagUs: results
              .map((r) => r.modeStats.openLoop!.schedulerLagUs)
              .sort((a, b) => (b.p99 ?? 0) - (a.p99 ?? 0))[0],
            pacedSends: sum((r) => r.modeStats.openLoop?.pacedSends ?? 0),
            leftLate: sum((r) => r.modeStats.openLoop?.leftLate ?? 0),
            // Every shard has the same connection interval (rate and connections split in proportion).
            lateToleranceMs: ms.openLoop.lateToleranceMs,
            generatorBehind: results.some((r) => r.modeStats.openLoop?.generatorBehind),
          }
        : null,
      integrity: {
        enabled: ms.integrity.enabled,
        verified: sum((r) => r.modeStats.integrity.verified),
        corrupted: sum((r) => r.modeStats.integrity.corrupted),
        duplicated: sum((r) => r.modeStats.integrity.duplicated),
        outOfOrder: sum((r) => r.modeStats.integrity.outOfOrder),
        missing: sum((r) => r.modeStats.integrity.missing),
        bytesLostAtClose: sum((r) => r.modeStats.integrity.bytesLostAtClose),
      },
      stream: ms.stream
        ? {
            direction: ms.stream.direction,
            perConnectionBytesPerSecond: {
              min: Math.min(...results.map((r) => r.modeStats.stream!.perConnectionBytesPerSecond.min)),
              // The median of the shards' medians: not the median of every connection (those are not kept).
              median: medianOf(results.map((r) => r.modeStats.stream!.perConnectionBytesPerSecond.median)),
              max: max((r) => r.modeStats.stream!.perConnectionBytesPerSecond.max),
              connections: sum((r) => r.modeStats.stream!.perConnectionBytesPerSecond.connections),
            },
            stalled: {
              count: sum((r) => r.modeStats.stream?.stalled?.count ?? 0),
              examples: results.flatMap((r) => r.modeStats.stream?.stalled?.examples ?? []).slice(0, 10),
            },
          }
        : null,
      churn: ms.churn
        ? {
            cycles: sum((r) => r.modeStats.churn!.cycles),
            cyclesPerSecond: sum((r) => r.modeStats.churn!.cyclesPerSecond),
            closeStyle: ms.churn.closeStyle,
            askedPerSecond: sum((r) => r.modeStats.churn!.askedPerSecond ?? 0),
            // The first shard that fell short of its schedule says whose limit it was.
            limit: results.map((r) => r.modeStats.churn!.limit ?? null).find((l) => l !== null) ?? null,
          }
        : null,
      hold: ms.hold
        ? {
            pingIntervalMs: ms.hold.pingIntervalMs,
            held: sum((r) => r.modeStats.hold!.held),
            target: sum((r) => r.modeStats.hold!.target),
          }
        : null,
    },
    proxy: {
      ...first.proxy,
      headersSent: headerCount,
      headerBytes: sum((r) => r.proxy.headerBytes),
      headerSizes,
      headerBuildUsPerConnection:
        headerCount > 0
          ? sum((r) => (r.proxy.headerBuildUsPerConnection ?? 0) * r.proxy.headersSent) / headerCount
          : null,
      verify: null,
    },
    totals,
    resources: {
      ...first.resources,
      generator: {
        // Per machine: the largest shard's, not a sum over machines.
        maxRssBytes: max((r) => r.resources.generator.maxRssBytes),
        cpuPercentMean: max((r) => r.resources.generator.cpuPercentMean),
        cpuPercentMax: max((r) => r.resources.generator.cpuPercentMax),
        cpuUserMs: sum((r) => r.resources.generator.cpuUserMs),
        cpuSystemMs: sum((r) => r.resources.generator.cpuSystemMs),
        processes: sum((r) => r.resources.generator.processes),
        baselineRssBytes: sum((r) => r.resources.generator.baselineRssBytes),
        rampedRssBytes: sum((r) => r.resources.generator.rampedRssBytes),
        memoryPerConnectionBytes: null,
      },
      target: null,
      watched: [],
    },
    calibration: null,
    timeline: mergeTimelines(results, startedAt.getTime()),
    histograms: {
      roundTripUs: encodeHistogram(roundTrip),
      ...(service ? { serviceUs: encodeHistogram(service) } : {}),
      connectUs: encodeHistogram(connect),
      ...(tls ? { tlsHandshakeUs: encodeHistogram(tls) } : {}),
    },
    warnings: [
      ...(missing.length > 0
        ? [`merged without shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${shard.count} (--partial)`]
        : []),
      ...results.flatMap((r) => r.warnings.map((w) => `shard ${r.config.shard!.index}: ${w}`)),
    ],
  };
  return merged;
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
}
