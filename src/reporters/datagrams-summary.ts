/** The summary's lines of a UDP run (--udp): its datagrams, its flows and what the embedded UDP target counted. */
import { formatBitsPerSecond, formatCount, formatPercent } from '../core/units.js';
import type { DatagramsSection } from '../documents/datagrams.js';
import type { RunResult } from '../documents/result.js';

const kinds = (counts: Record<string, number | undefined>): string =>
  Object.entries(counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${formatCount(n ?? 0)}`)
    .join(', ');

/** `flows        answered 10/10, never answered 0, failed 0, silent at the stop 0` */
export function flowsLine(r: RunResult, d: DatagramsSection): string {
  const failed = r.connections.failed;
  const failedKinds = kinds(failed.byKind);
  return (
    `flows        answered ${formatCount(d.flows.answered)}/${formatCount(d.flows.target)}, never answered ` +
    `${formatCount(d.flows.neverAnswered)}, failed to open ${formatCount(failed.total)}` +
    `${failedKinds ? ` (${failedKinds})` : ''}, silent at the stop ${formatCount(d.flows.silent)}` +
    (d.flows.silentExamples.length
      ? ` (quiet > ${formatCount(d.flows.quietMs)} ms; first went silent at ` +
        `${d.flows.silentExamples
          .slice(0, 3)
          .map((s) => `flow ${s.flow} ${s.silentAtS.toFixed(1)} s`)
          .join(', ')})`
      : '')
  );
}

/** The datagrams' own lines: counts of the whole run, rates of the measured phase, the target's view. */
export function datagramLines(d: DatagramsSection, sizeBytes: number): string[] {
  const errors = kinds(d.errors);
  const lines = [
    `datagrams    sent ${formatCount(d.sent)}, back ${formatCount(d.received)}, lost ${formatCount(d.lost)} ` +
      `(${d.lossRatio === null ? '-' : formatPercent(d.lossRatio * 100)}), reordered ${formatCount(d.reordered)}, ` +
      `duplicated ${formatCount(d.duplicated)}, late ${formatCount(d.late)}, corrupt ${formatCount(d.corrupt)}` +
      (d.notSent ? `, not sent ${formatCount(d.notSent)} (send buffers full)` : '') +
      (errors ? `, socket errors: ${errors}` : '') +
      ' (whole run)',
    `delivered    ${formatCount(d.measured.receivedPerSecond)} datagrams/s back of ${sizeBytes} B ` +
      `(${formatBitsPerSecond(d.measured.bitsPerSecond / 8)} of payload), ${formatCount(d.measured.sent)} sent and ` +
      `${formatCount(d.measured.received)} back in the measured phase` +
      (d.jitterMs === null ? '' : `; jitter ${d.jitterMs.toFixed(3)} ms (RFC 3550, round trip, mean of flows)`),
  ];
  const t = d.target;
  if (t) {
    const dropped = kinds(t.dropped);
    const rejected = kinds(t.rejected);
    const sendErrors = kinds(t.sendErrors);
    // The embedded target sees only this run's datagrams: where the lost ones went missing, each way.
    const inbound = Math.max(0, d.sent - t.datagramsIn);
    const outbound = Math.max(0, t.datagramsOut - d.received - d.corrupt);
    lines.push(
      `target saw   ${formatCount(t.datagramsIn)} datagrams in (${formatCount(inbound)} of those sent never ` +
        `reached it), ${formatCount(t.datagramsOut)} out (${formatCount(outbound)} of its answers never came back), ` +
        'headers: ' +
        `${kinds(t.headers) || 'none'}, from ${formatCount(t.distinctPeers)} peers` +
        (dropped ? `, dropped: ${dropped}` : '') +
        (rejected ? `, refused: ${rejected}` : '') +
        (sendErrors ? `, send errors: ${sendErrors}` : '') +
        `; receive buffer ${formatCount(t.recvBufferBytes)} B`,
    );
  }
  return lines;
}
