/** The merged run's mode statistics (see merge.ts): counts summed, the worst shard's lag, the run's settings. */
import type { RunResult } from '../documents/result.js';

/** Mode statistics: counts summed, the worst shard's lag, the first shard's settings. */
export function mergeModeStats(results: RunResult[]): RunResult['modeStats'] {
  const ms = results[0].modeStats;
  const sum = (f: (r: RunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const max = (f: (r: RunResult) => number): number => Math.max(...results.map(f));
  return {
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
          dueSends: sum((r) => r.modeStats.openLoop?.dueSends ?? 0),
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
  };
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
}
