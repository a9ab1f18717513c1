/** One row per second of the run: what the live progress line shows and what the result keeps. */
import type { LoadCounters, Phase, TimelineRow } from '../documents/result.js';
import { totalErrors } from './errors.js';
import type { Histogram } from './histogram.js';

export type { Phase, TimelineRow };

/** Builds the row for an interval from the summed counters at its start and end and its merged histogram. */
export function timelineRow(
  t: number,
  phase: Phase,
  intervalMs: number,
  prev: LoadCounters,
  cur: LoadCounters,
  interval: Histogram,
  cpuPercent: number,
  rssBytes: number,
): TimelineRow {
  const perS = (d: number): number => (intervalMs > 0 ? Math.round((d * 1000) / intervalMs) : 0);
  const has = interval.totalCount > 0;
  return {
    t: Math.round(t * 1000) / 1000,
    phase,
    intervalMs: Math.round(intervalMs),
    open: cur.open,
    established: cur.established,
    opened: cur.opened,
    connectFailed: totalErrors(cur.connectFailed) - totalErrors(prev.connectFailed),
    dropped: totalErrors(cur.dropped) - totalErrors(prev.dropped),
    roundTrips: cur.messagesReceived - prev.messagesReceived,
    roundTripsPerSecond: perS(cur.messagesReceived - prev.messagesReceived),
    bytesSentPerSecond: perS(cur.bytesSent - prev.bytesSent),
    bytesReceivedPerSecond: perS(cur.bytesReceived - prev.bytesReceived),
    p50Us: has ? interval.getValueAtPercentile(50) : null,
    p99Us: has ? interval.getValueAtPercentile(99) : null,
    maxUs: has ? interval.getValueAtPercentile(100) : null,
    // Only a UDP run sends datagrams.
    datagrams:
      cur.datagramsSent > 0
        ? {
            sent: cur.datagramsSent - prev.datagramsSent,
            received: cur.datagramsReceived - prev.datagramsReceived,
            lost: Math.max(0, cur.datagramsLost - prev.datagramsLost),
          }
        : undefined,
    cpuPercent: Math.round(cpuPercent * 10) / 10,
    rssBytes,
    // The watched processes' witness (witnesses/watched.ts) writes this second's samples.
    watched: [],
  };
}
