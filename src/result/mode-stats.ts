/** What the chosen mode adds to a result: open-loop pacing, integrity, stream fairness, churn, hold. */
import type { RunConfig } from '../config/run-config.js';
import type { ModeStats } from '../documents/result.js';
import type { LoadCounters } from '../instruments/counters.js';
import { totalErrors } from '../instruments/errors.js';
import { type Histogram, summarize } from '../instruments/histogram.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';
import { lateToleranceMs } from '../worker-contract/schedule.js';
import { modeTraits } from '../worker-contract/traits.js';

export function buildModeStats(
  config: RunConfig,
  outcome: LoadOutcome,
  totals: LoadCounters,
  lag: Histogram,
  measuredS: number,
): ModeStats {
  const traits = modeTraits(config);
  const lagSummary = summarize(lag);
  const stalledIds = outcome.reports.flatMap((r) => r.stalledIds);
  const perConn = outcome.reports.flatMap((r) => r.perConnectionBytes).sort((a, b) => a - b);
  const bps = (b: number): number => (measuredS > 0 ? Math.round(b / measuredS) : 0);
  return {
    mode: config.mode,
    openLoop: traits.paced
      ? {
          intendedPerSecond: Math.round(traits.intendedPerSecond * 100) / 100,
          late: totals.late,
          missed: totals.missed,
          schedulerLagUs: lagSummary,
          pacedSends: totals.pacedSends,
          leftLate: totals.leftLate,
          dueSends: totals.dueSends,
          lateToleranceMs: lateToleranceMs(traits.intendedPerSecond, config.conns),
          // Decided with the rest of the schedule verdict (schedule-verdict.ts).
          generatorBehind: false,
        }
      : null,
    // TCP's echo framing; a UDP run's stamps are counted in its datagrams section.
    integrity: {
      enabled: traits.integrity && config.transport !== 'udp',
      verified: totals.verified,
      corrupted: totals.corrupted,
      duplicated: totals.duplicated,
      outOfOrder: totals.outOfOrder,
      missing: totals.missing,
      bytesLostAtClose: totals.bytesLostAtClose,
    },
    // A TCP stream's fairness; a UDP stream's figures are the datagrams section's.
    stream:
      config.mode === 'stream' && config.transport !== 'udp'
        ? {
            direction: config.direction,
            perConnectionBytesPerSecond: {
              min: bps(perConn[0] ?? 0),
              median: bps(perConn[perConn.length >> 1] ?? 0),
              max: bps(perConn[perConn.length - 1] ?? 0),
              connections: perConn.length,
            },
            stalled: { count: stalledIds.length, examples: stalledIds.slice(0, 10) },
          }
        : null,
    churn:
      config.mode === 'connect'
        ? {
            cycles: totals.cycles,
            cyclesPerSecond: measuredS > 0 ? Math.round(totals.measuredCycles / measuredS) : 0,
            closeStyle: config.closeStyle,
          }
        : null,
    hold:
      config.mode === 'hold'
        ? {
            pingIntervalMs: config.pingIntervalMs,
            // Held: served (first echo back) and kept to the end; established but never answered is not held.
            // UDP: flows answered and not silent at the stop.
            held:
              config.transport === 'udp'
                ? totals.opened - totals.silentFlows
                : outcome.interrupted
                  ? totals.open
                  : totals.established - totalErrors(totals.dropped) - totals.unserved,
            target: config.conns,
          }
        : null,
  };
}
