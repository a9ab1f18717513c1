/** A short Markdown table of single runs (a merged shard run is one too), for a CI step summary or a PR comment. */
import { formatBitsPerSecond, formatCount, formatMicros } from '../core/units.js';
import type { RunResult } from '../documents/result.js';

export function renderResultsMarkdown(results: { label: string; result: RunResult }[]): string {
  const us = (v: number | null): string => (v === null ? '-' : formatMicros(v));
  const rows = results.map(({ label, result: r }) => {
    const rate =
      r.config.mode === 'stream'
        ? `${formatBitsPerSecond(r.throughput.bytesSentPerSecond + r.throughput.bytesReceivedPerSecond)} both ways`
        : r.modeStats.churn
          ? `${formatCount(r.modeStats.churn.cyclesPerSecond)} conn/s`
          : `${formatCount(r.throughput.roundTripsPerSecond)} rt/s`;
    const l = r.latency.roundTripUs;
    return (
      `| ${label} | ${r.config.mode} | ${r.proxy.version} | ${formatCount(r.config.conns)} | ${r.status} | ` +
      `${us(l.p50)} | ${us(l.p99)} | ${us(l.max)} | ${rate} | ${formatCount(r.connections.failed.total)} | ` +
      `${formatCount(r.connections.dropped.total)} |`
    );
  });
  return [
    '| run | mode | proxy | conns | status | p50 | p99 | max | rate | connect failures | drops |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Latency and rate: measured phase; connect failures and drops: whole run.',
    '',
  ].join('\n');
}
