/** The human summary printed at the end of a run: a pure function of the result document. */
import { formatBitsPerSecond, formatCount, formatMicros } from '../config/units.js';
import type { ErrorCounts } from '../metrics/errors.js';
import type { LatencySummary } from '../metrics/histogram.js';
import type { RunResult } from '../result/types.js';
import { renderTable } from './table.js';

const byKind = (counts: ErrorCounts): string => {
  const parts = Object.entries(counts).filter(([, n]) => (n ?? 0) > 0).map(([k, n]) => `${k} ${formatCount(n ?? 0)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
};

const latencyRow = (name: string, s: LatencySummary): string[] => [
  name, formatCount(s.count), ...[s.p50, s.p90, s.p95, s.p99, s.p999, s.max, s.mean].map((v) => (v === null ? '-' : formatMicros(v))),
];

export function renderSummary(r: RunResult, resultFile: string | null): string {
  const c = r.connections;
  const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  const target = `${r.target.kind === 'embedded' ? 'embedded target' : 'target'} ${r.target.host}:${r.target.port}`;
  const lines = [
    `l4stress ${r.tool.version} — ${r.scenario}: ${formatCount(c.target)} connections to ${target}, proxy ${r.proxy.version}, ` +
      `${r.config.sizeBytes} B messages, ${r.config.workers} worker${r.config.workers === 1 ? '' : 's'}`,
    `phases: ramp-up ${(r.phases.rampMs / 1000).toFixed(2)} s, warm-up ${(r.phases.warmupMs / 1000).toFixed(1)} s, measured ${(r.phases.measuredMs / 1000).toFixed(1)} s`,
    '',
    `connections  established ${formatCount(c.established)}/${formatCount(c.target)}, peak open ${formatCount(c.peak)}, ` +
      `failed ${formatCount(c.failed.total)}${byKind(c.failed.byKind)}, dropped ${formatCount(c.dropped.total)}${byKind(c.dropped.byKind)}`,
    '',
    renderTable([latencyRow('round trip', r.latency.roundTripUs), latencyRow('connect', r.latency.connectUs)],
      ['latency', 'samples', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean']),
    '',
    `throughput   ${formatCount(r.throughput.roundTripsPerSecond)} round trips/s, ` +
      `${formatBitsPerSecond(r.throughput.bytesSentPerSecond)} each way (measured phase)`,
  ];
  if (r.proxy.version !== 'none') {
    const p = r.proxy;
    const sizes = Object.keys(p.headerSizes).map((s) => `${s} B`).join(', ');
    const claims = [p.command === 'local' ? 'LOCAL' : `src ${p.src}, dst ${p.dst}`, ...p.tlvs.map((t) => `tlv ${t}`)].join('; ');
    lines.push(`proxy        ${formatCount(p.headersSent)} ${p.version} headers sent (${sizes || '-'}; ${claims}), ` +
      `built in ${p.headerBuildUsPerConnection ?? '-'} µs each`);
    if (p.verify) {
      const v = p.verify;
      lines.push(`verify       ${v.ok ? 'OK' : 'FAILED'}: sent ${formatCount(v.sent)}, seen ${formatCount(v.seen)}, matched ${formatCount(v.matched)}, ` +
        `missing ${formatCount(v.missing)}, unexpected ${formatCount(v.unexpected)}${v.error ? ` (${v.error})` : ''}` +
        `${v.examplesMissing.length ? `; e.g. missing ${v.examplesMissing.slice(0, 3).join(', ')}` : ''}`);
    }
  }
  const ts = r.target.stats;
  if (ts) {
    const headers = Object.entries(ts.headers).map(([k, n]) => `${k} ${formatCount(n)}`).join(', ');
    lines.push(`target saw   ${formatCount(ts.accepted)} connections, headers: ${headers || 'none'}` +
      `${Object.keys(ts.rejected).length ? `, rejected:${byKind(ts.rejected)}` : ''}`);
  }
  const g = r.resources.generator;
  lines.push(`generator    max RSS ${mb(g.maxRssBytes)}, CPU mean ${g.cpuPercentMean}% max ${g.cpuPercentMax}% (100% = one core)` +
    (r.resources.target ? `; target max RSS ${mb(r.resources.target.maxRssBytes)}` : ''));
  for (const w of r.resources.watched) {
    lines.push(`watched      pid ${w.pid} (${w.name}): CPU mean ${w.cpuPercentMean ?? '-'}% max ${w.cpuPercentMax ?? '-'}%, ` +
      `max RSS ${w.maxRssBytes === null ? '-' : mb(w.maxRssBytes)}${w.exited ? `, exited after ${w.exitedAfterS} s` : ''}`);
  }
  const cal = r.calibration;
  if (cal) {
    const x = (v: number | null): string => (v === null ? '-' : `${v}x`);
    lines.push(`vs machine   echo p50 ${x(cal.echoP50VsTcpRrP50)} netperf TCP_RR p50; round trips/s ${x(cal.roundTripsPerSecondVsTcpRr)} one TCP_RR stream; ` +
      `connect p50 ${x(cal.connectP50VsTcpCrrP50)} TCP_CRR p50 (profile ${cal.profileFile})`);
    for (const w of cal.warnings) lines.push(`note: ${w}`);
  }
  for (const w of r.warnings) lines.push(`note: ${w}`);
  lines.push('', `status: ${r.status} (exit ${r.exitCode})${resultFile ? `; result: ${resultFile}` : ''}`);
  return lines.join('\n');
}
