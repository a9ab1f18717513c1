/**
 * The result's `datagrams` section (documents/datagrams.ts) of a UDP run: built from the workers' counters and
 * reports, and merged across shards. Counts are the whole run's, so every datagram sent is received or lost by the
 * end; the rates are the measured phase's.
 */
import type { RunConfig } from '../config/run-config.js';
import type { DatagramsSection, UdpTargetStatsDoc } from '../documents/datagrams.js';
import type { RunResult } from '../documents/result.js';
import type { LoadCounters } from '../instruments/counters.js';
import { addErrorCounts } from '../instruments/errors.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';

/** Silent flows a result names. */
const SILENT_EXAMPLES = 20;

const ratio = (lost: number, sent: number): number | null => (sent > 0 ? Math.min(1, lost / sent) : null);

export function buildDatagrams(
  config: RunConfig,
  outcome: LoadOutcome,
  totals: LoadCounters,
  measuredS: number,
  target: UdpTargetStatsDoc | null,
): DatagramsSection | null {
  if (config.transport !== 'udp') return null;
  const flows = outcome.reports.flatMap((r) => (r.udp ? [r.udp] : []));
  const measuredSent = flows.reduce((n, f) => n + f.measuredSent, 0);
  const measuredReceived = flows.reduce((n, f) => n + f.measuredReceived, 0);
  const perS = (n: number): number => (measuredS > 0 ? Math.round(n / measuredS) : 0);
  const startAbs = outcome.startedAt.getTime();
  const jitters = flows.flatMap((f) => (f.jitterMs === null ? [] : [f.jitterMs]));
  return {
    sent: totals.datagramsSent,
    received: totals.datagramsReceived,
    lost: totals.datagramsLost,
    lossRatio: ratio(totals.datagramsLost, totals.datagramsSent),
    reordered: totals.datagramsReordered,
    duplicated: totals.datagramsDuplicated,
    late: totals.datagramsLate,
    corrupt: totals.datagramsCorrupt,
    notSent: totals.datagramsNotSent,
    errors: totals.datagramErrors,
    measured: {
      sent: measuredSent,
      received: measuredReceived,
      receivedPerSecond: perS(measuredReceived),
      bitsPerSecond: perS(measuredReceived * config.sizeBytes * 8),
    },
    flows: {
      target: config.conns,
      answered: totals.opened,
      neverAnswered: totals.unserved,
      silent: totals.silentFlows,
      quietMs: Math.round(flows[0]?.quietMs ?? 0),
      silentExamples: flows
        .flatMap((f) => f.silent)
        .sort((a, b) => a.atMs - b.atMs)
        .slice(0, SILENT_EXAMPLES)
        // Absolute times (timeOrigin + now) against the wall clock the load started at.
        .map((s) => ({ flow: s.id, silentAtS: Math.max(0, Math.round(s.atMs - startAbs) / 1000) })),
    },
    jitterMs: jitters.length ? Math.round((jitters.reduce((a, b) => a + b, 0) / jitters.length) * 1000) / 1000 : null,
    target,
  };
}

/**
 * Shards' sections as one: counts summed, rates summed (shards measure the same window), jitter the mean over every
 * answered flow (each shard's mean weighted by its answered flows), as one unsplit run's mean over flows.
 */
export function mergeDatagrams(results: RunResult[]): DatagramsSection | null | undefined {
  const parts = results.flatMap((r) => (r.datagrams ? [r.datagrams] : []));
  if (parts.length === 0) return results[0]?.datagrams;
  const sum = (f: (d: DatagramsSection) => number): number => parts.reduce((n, d) => n + f(d), 0);
  const errors = {};
  for (const d of parts) addErrorCounts(errors, d.errors);
  const jitters = parts.flatMap((d) => (d.jitterMs === null ? [] : [{ ms: d.jitterMs, flows: d.flows.answered }]));
  const jitterFlows = jitters.reduce((n, j) => n + j.flows, 0);
  return {
    sent: sum((d) => d.sent),
    received: sum((d) => d.received),
    lost: sum((d) => d.lost),
    lossRatio: ratio(
      sum((d) => d.lost),
      sum((d) => d.sent),
    ),
    reordered: sum((d) => d.reordered),
    duplicated: sum((d) => d.duplicated),
    late: sum((d) => d.late),
    corrupt: sum((d) => d.corrupt),
    notSent: sum((d) => d.notSent),
    errors,
    measured: {
      sent: sum((d) => d.measured.sent),
      received: sum((d) => d.measured.received),
      receivedPerSecond: sum((d) => d.measured.receivedPerSecond),
      bitsPerSecond: sum((d) => d.measured.bitsPerSecond),
    },
    flows: {
      target: sum((d) => d.flows.target),
      answered: sum((d) => d.flows.answered),
      neverAnswered: sum((d) => d.flows.neverAnswered),
      silent: sum((d) => d.flows.silent),
      quietMs: parts[0].flows.quietMs,
      silentExamples: parts
        .flatMap((d) => d.flows.silentExamples)
        .sort((a, b) => a.silentAtS - b.silentAtS)
        .slice(0, SILENT_EXAMPLES),
    },
    jitterMs: jitterFlows > 0 ? jitters.reduce((n, j) => n + j.ms * j.flows, 0) / jitterFlows : null,
    // An external target's figures are not ours to sum; shards run against one --target.
    target: null,
  };
}
