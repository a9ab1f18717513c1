/**
 * The HTML report's table of UDP runs (--udp): what each run's datagrams and flows did (its `datagrams` section),
 * beside the runs table every result has. Empty when no run is a UDP run.
 */
import { formatBitsPerSecond, formatCount, formatPercent } from '../../core/units.js';
import type { LabelledResult } from './series.js';

export const DATAGRAMS_HEADER = [
  'run',
  'sent',
  'back',
  'lost',
  'loss',
  'reordered',
  'duplicated',
  'late',
  'corrupt',
  'flows answered',
  'silent',
  'delivered',
  'jitter',
  'target in / out',
];

/** A row per UDP run; none for TCP runs. */
export function datagramsRows(results: LabelledResult[]): string[][] {
  return results.flatMap(({ label, result: r }) => {
    const d = r.datagrams;
    if (!d) return [];
    return [
      [
        label,
        formatCount(d.sent),
        formatCount(d.received),
        formatCount(d.lost),
        d.lossRatio === null ? '-' : formatPercent(d.lossRatio * 100),
        formatCount(d.reordered),
        formatCount(d.duplicated),
        formatCount(d.late),
        formatCount(d.corrupt),
        `${formatCount(d.flows.answered)}/${formatCount(d.flows.target)}`,
        formatCount(d.flows.silent),
        `${formatCount(d.measured.receivedPerSecond)}/s, ${formatBitsPerSecond(d.measured.bitsPerSecond / 8)}`,
        d.jitterMs === null ? '-' : `${d.jitterMs.toFixed(3)} ms`,
        d.target ? `${formatCount(d.target.datagramsIn)} / ${formatCount(d.target.datagramsOut)}` : '-',
      ],
    ];
  });
}

/** Below the table: the windows its figures cover. */
export const DATAGRAMS_NOTE =
  'Counts: the whole run (every datagram sent is back or lost by the end; corrupt ones are lost too); delivered: ' +
  'what came back per second of the measured phase, and its payload; jitter: RFC 3550 over the round trip (stream); ' +
  "silent: flows answered before and quiet at the stop; target: the embedded serve --udp's own count.";
