/** The shards' per-second timelines as one (see merge.ts). */
import type { RunResult, TimelineRow } from '../documents/result.js';

/** Rows aligned by wall clock (each shard's start + its t), summed per second; latency columns: the worst shard's. */
export function mergeTimelines(results: RunResult[], startMs: number): TimelineRow[] {
  const rows = new Map<number, TimelineRow>();
  for (const r of results) {
    const offsetS = (Date.parse(r.startedAt) - startMs) / 1000;
    for (const row of r.timeline) {
      const t = Math.round(row.t + offsetS);
      const into = rows.get(t);
      if (!into) {
        rows.set(t, { ...row, t, watched: [], datagrams: row.datagrams && { ...row.datagrams } });
        continue;
      }
      if (row.datagrams) {
        into.datagrams ??= { sent: 0, received: 0, lost: 0 };
        const d = into.datagrams;
        d.sent += row.datagrams.sent;
        d.received += row.datagrams.received;
        d.lost += row.datagrams.lost;
      }
      into.open += row.open;
      into.established += row.established;
      if (into.opened !== undefined || row.opened !== undefined) into.opened = (into.opened ?? 0) + (row.opened ?? 0);
      into.connectFailed += row.connectFailed;
      into.dropped += row.dropped;
      into.roundTrips += row.roundTrips;
      into.roundTripsPerSecond += row.roundTripsPerSecond;
      into.bytesSentPerSecond += row.bytesSentPerSecond;
      into.bytesReceivedPerSecond += row.bytesReceivedPerSecond;
      into.p50Us = worst(into.p50Us, row.p50Us);
      into.p99Us = worst(into.p99Us, row.p99Us);
      into.maxUs = worst(into.maxUs, row.maxUs);
      into.cpuPercent = Math.max(into.cpuPercent, row.cpuPercent);
      into.rssBytes = Math.max(into.rssBytes, row.rssBytes);
    }
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

const worst = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
