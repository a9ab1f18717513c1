/** A short Markdown table of single runs (a merged shard run is one too), for a CI step summary or a PR comment. */
import { formatBitsPerSecond, formatCount, formatMicros, formatPercent } from '../core/units.js';
import type { RunResult } from '../documents/result.js';

export function renderResultsMarkdown(results: { label: string; result: RunResult }[]): string {
  const us = (v: number | null): string => (v === null ? '-' : formatMicros(v));
  // UDP runs (their datagrams section) add their loss, what came back per second and the flows gone silent.
  const udp = results.some(({ result: r }) => r.datagrams);
  const rows = results.map(({ label, result: r }) => {
    const rate =
      r.config.mode === 'stream'
        ? `${formatBitsPerSecond(r.throughput.bytesSentPerSecond + r.throughput.bytesReceivedPerSecond)} both ways`
        : r.modeStats.churn
          ? `${formatCount(r.modeStats.churn.cyclesPerSecond)} conn/s`
          : `${formatCount(r.throughput.roundTripsPerSecond)} rt/s`;
    const l = r.latency.roundTripUs;
    const d = r.datagrams;
    const datagrams = !udp
      ? ''
      : d
        ? `${d.lossRatio === null ? '-' : formatPercent(d.lossRatio * 100)} (${formatCount(d.lost)} of ` +
          `${formatCount(d.sent)}) | ${formatCount(d.measured.receivedPerSecond)}/s | ` +
          `${formatCount(d.flows.silent)} of ${formatCount(d.flows.target)} | `
        : '- | - | - | ';
    return (
      `| ${label} | ${r.config.mode}${d ? ' (udp)' : ''} | ${r.proxy.version} | ${formatCount(r.config.conns)} | ` +
      `${r.status} | ${us(l.p50)} | ${us(l.p99)} | ${us(l.max)} | ${rate} | ${datagrams}` +
      `${formatCount(r.connections.failed.total)} | ${formatCount(r.connections.dropped.total)} |`
    );
  });
  const udpHead = udp ? ['loss', 'datagrams back', 'silent flows'] : [];
  const head = ['run', 'mode', 'proxy', 'conns', 'status', 'p50', 'p99', 'max', 'rate', ...udpHead];
  head.push('connect failures', 'drops');
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
    'Latency and rate: measured phase; connect failures and drops: whole run.' +
      (udp
        ? ' Loss (datagrams never back) and silent flows: whole run; datagrams back per second: measured phase.'
        : ''),
    '',
  ].join('\n');
}
