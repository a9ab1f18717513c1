/** The human summary printed at the end of a run: a pure function of the result document. */

import { formatBitsPerSecond, formatCount, formatMicros } from '../core/units.js';
import type { RunResult, TargetWatch } from '../documents/result.js';
import type { ErrorCounts } from '../instruments/errors.js';
import type { LatencySummary } from '../instruments/histogram.js';
import { WITNESSES } from '../witnesses/list.js';
import { sectionOf } from '../witnesses/witness.js';
import { datagramLines, flowsLine } from './datagrams-summary.js';
import { renderTable } from './table.js';

const byKind = (counts: ErrorCounts): string => {
  const parts = Object.entries(counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${formatCount(n ?? 0)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
};

const latencyRow = (name: string, s: LatencySummary, window: string): string[] => [
  name,
  formatCount(s.count),
  ...[s.p50, s.p90, s.p95, s.p99, s.p999, s.max, s.mean].map((v) => (v === null ? '-' : formatMicros(v))),
  window,
];

/**
 * The end-of-run summary, its lines in the order they print. Over 100 lines on purpose: a template of one line per
 * block, each short; the golden text in test/fixtures/golden/ pins the whole.
 */
export function renderSummary(r: RunResult, resultFile: string | null): string {
  const c = r.connections;
  const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  const target = `${r.target.kind === 'embedded' ? 'embedded target' : 'target'} ${r.target.host}:${r.target.port}`;
  const opened = r.modeStats.churn
    ? `opened ${formatCount(c.established)} (${formatCount(c.target)} in flight at most)`
    : `established ${formatCount(c.established)}/${formatCount(c.target)}`;
  const d = r.datagrams ?? null;
  const lines = [
    `l4stress ${r.tool.version} — ${r.scenario}: ${formatCount(c.target)} ${d ? 'UDP flows' : 'connections'} to ` +
      `${target}, proxy ${r.proxy.version}, ` +
      (r.config.mode === 'connect' && !r.config.churnEcho
        ? 'no message (connect and close), '
        : `${r.config.sizeBytes} B ${d ? 'datagrams' : r.config.mode === 'stream' ? 'writes' : 'messages'}, `) +
      `${r.config.workers} worker${r.config.workers === 1 ? '' : 's'}` +
      (r.config.shard
        ? `; shard ${r.config.shard.index}/${r.config.shard.count} of ${formatCount(r.config.shard.totalConns)}`
        : ''),
    `phases: ramp-up ${(r.phases.rampMs / 1000).toFixed(2)} s, warm-up ` +
      `${(r.phases.warmupMs / 1000).toFixed(1)} s, measured ${(r.phases.measuredMs / 1000).toFixed(1)} s` +
      (r.phases.drainMs === undefined
        ? ''
        : `, drain ${r.phases.drainMs} ms` +
          (r.phases.drainTimedOut
            ? d
              ? ' (gave up: datagrams still out after --echo-timeout, counted lost)'
              : ' (gave up: work still in flight at --drain-timeout)'
            : ' (nothing left in flight)')),
    '',
    d
      ? flowsLine(r, d)
      : `connections  ${opened}, peak open ${formatCount(c.peak)}, ` +
        `failed ${formatCount(c.failed.total)}${byKind(c.failed.byKind)}, dropped ` +
        `${formatCount(c.dropped.total)}${byKind(c.dropped.byKind)}` +
        (c.abandonedAtStop ? `, ${formatCount(c.abandonedAtStop)} still connecting at the stop (closed by us)` : '') +
        (c.reconnects
          ? `, reconnects ${formatCount(c.reconnects.established)} of ${formatCount(c.reconnects.attempted)} ` +
            `attempts (${formatCount(c.reconnects.failed)} failed)`
          : ''),
    ...(r.target.watched ? [`target       ${targetWatchLine(r.target)}`] : []),
    ...(c.unserved && !d
      ? [`unserved     ${formatCount(c.unserved)} established but never answered (first echo never back): not held`]
      : []),
    '',
    renderTable(
      [
        latencyRow(
          r.modeStats.hold ? 'ping' : r.modeStats.openLoop ? 'corrected' : 'round trip',
          r.latency.roundTripUs,
          'measured',
        ),
        ...(r.latency.serviceUs ? [latencyRow('service', r.latency.serviceUs, 'measured')] : []),
        latencyRow('connect', r.latency.connectUs, 'whole run'),
        ...(r.latency.tlsHandshakeUs ? [latencyRow('tls handshake', r.latency.tlsHandshakeUs, 'whole run')] : []),
        // A UDP flow has no connect to time.
      ].filter((row) => row[1] !== '0' || (row[0] === 'connect' && !d)),
      ['latency', 'samples', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean', 'window'],
    ),
    '',
    `throughput   ` +
      (r.config.mode === 'stream' ? '' : `${formatCount(r.throughput.roundTripsPerSecond)} round trips/s, `) +
      `${formatBitsPerSecond(r.throughput.bytesSentPerSecond)} up, ` +
      `${formatBitsPerSecond(r.throughput.bytesReceivedPerSecond)} down (measured phase)`,
    ...modeLines(r),
    ...(d ? datagramLines(d, r.config.sizeBytes) : []),
  ];
  if (r.tls) {
    const t = r.tls;
    const seen = r.target.stats;
    const sni = seen ? Object.keys(seen.tlsSni).join(', ') : '';
    lines.push(
      `tls          ${formatCount(t.handshakes)} handshakes (${formatCount(t.resumed)} resumed); measured ` +
        `${formatCount(t.fullPerSecond)} full and ${formatCount(t.resumedPerSecond)} resumed per second` +
        (seen ? `; the target saw SNI ${sni || '-'}, ALPN ${Object.keys(seen.tlsAlpn).join(', ') || '-'}` : ''),
    );
  }
  if (r.proxy.version !== 'none') {
    const p = r.proxy;
    const sizes = Object.keys(p.headerSizes)
      .map((s) => `${s} B`)
      .join(', ');
    const claims = [
      p.command === 'local' ? 'LOCAL' : `src ${p.src}, dst ${p.dst}`,
      ...p.tlvs.map((t) => `tlv ${t}`),
    ].join('; ');
    lines.push(
      `proxy        ${formatCount(p.headersSent)} ${p.version} headers ` +
        `${r.config.transport === 'udp' ? 'built (one a flow, in front of its every datagram)' : 'sent'} ` +
        `(${sizes || '-'}; ${claims}), ` +
        `mean build ${p.headerBuildUsPerConnection === null ? '-' : formatMicros(p.headerBuildUsPerConnection)} ` +
        `(in-run, JIT warm-up included; npm run bench ` +
        `for steady state)`,
    );
    if (p.verify) {
      const v = p.verify;
      lines.push(
        `verify       ${v.ok ? 'OK' : 'FAILED'}: sent ${formatCount(v.sent)}, seen ${formatCount(v.seen)}, ` +
          `matched ${formatCount(v.matched)}, ` +
          `missing ${formatCount(v.missing)}, unexpected ` +
          `${formatCount(v.unexpected)}${v.error ? ` (${v.error})` : ''}` +
          `${v.examplesMissing.length ? `; e.g. missing ${v.examplesMissing.slice(0, 3).join(', ')}` : ''}`,
      );
    }
  }
  const ts = r.target.stats;
  if (ts) {
    const headers = Object.entries(ts.headers)
      .map(([k, n]) => `${k} ${formatCount(n)}`)
      .join(', ');
    lines.push(
      `target saw   ${formatCount(ts.accepted)} connections, headers: ${headers || 'none'}` +
        `${Object.keys(ts.rejected).length ? `, rejected:${byKind(ts.rejected)}` : ''}` +
        `${Object.keys(ts.abandoned).length ? `, closed by the client before its header:${byKind(ts.abandoned)}` : ''}`,
    );
  }
  const g = r.resources.generator;
  lines.push(
    `generator    ${g.processes > 1 ? `${g.processes} processes; main ` : ''}max RSS ${mb(g.maxRssBytes)}, ` +
      `CPU mean ${g.cpuPercentMean}% max ${g.cpuPercentMax}% (100% = one core)` +
      (g.memoryPerConnectionBytes !== null
        ? `; ${(g.memoryPerConnectionBytes / 1024).toFixed(2)} KiB RSS per ${d ? 'flow' : 'connection'} ` +
          `(${mb(g.baselineRssBytes)} -> ${mb(g.rampedRssBytes)}, heaps collected)`
        : '') +
      `; ${d ? 'flows on node:dgram sockets' : transportOf(r.totals)}`,
  );
  // Each witness's lines (witnesses/list.ts), where the result has its section: the run's own processes' first.
  for (const w of WITNESSES) {
    const section = sectionOf(w, r);
    if (section) lines.push(...w.summary(section, r.config));
  }
  const cal = r.calibration;
  if (cal) {
    const x = (v: number | null): string => (v === null ? '-' : `${v}x`);
    const parts = [
      ...(cal.echoP50VsTcpRrP50 !== null
        ? [
            `echo p50 ${x(cal.echoP50VsTcpRrP50)} netperf TCP_RR p50`,
            `round trips/s ${x(cal.roundTripsPerSecondVsTcpRr)} one TCP_RR stream`,
          ]
        : []),
      ...(cal.streamVsIperf3 !== null ? [`stream ${x(cal.streamVsIperf3)} iperf3`] : []),
      ...(cal.churnVsTcpCrr !== null ? [`connections/s ${x(cal.churnVsTcpCrr)} netperf TCP_CRR`] : []),
      `connect p50 ${x(cal.connectP50VsTcpCrrP50)} TCP_CRR p50`,
    ];
    lines.push(`vs machine   ${parts.join('; ')} (profile ${cal.profileFile})`);
    for (const w of cal.warnings) lines.push(`note: ${w}`);
  }
  for (const w of r.warnings) lines.push(`note: ${w}`);
  lines.push('', `status: ${r.status} (exit ${r.exitCode})${resultFile ? `; result: ${resultFile}` : ''}`);
  if (r.thresholds) {
    for (const t of r.thresholds) lines.push(`threshold ${t.threshold}: ${t.pass ? 'pass' : 'FAIL'} (${t.reason})`);
    const passed = r.thresholds.filter((t) => t.pass).length;
    lines.push(`Gates: ${passed} passed, ${r.thresholds.length - passed} failed`);
  }
  return lines.join('\n');
}

function modeLines(r: RunResult): string[] {
  const m = r.modeStats;
  const out: string[] = [];
  if (m.openLoop) {
    out.push(
      `open loop    ${formatCount(m.openLoop.intendedPerSecond)} sends/s intended; late ` +
        `${formatCount(m.openLoop.late)}, missed ${formatCount(m.openLoop.missed)}; ` +
        `generator lag p99 ${formatMicros(m.openLoop.schedulerLagUs.p99 ?? NaN)}` +
        (m.openLoop.generatorBehind ? ' (BEHIND: its own delay is in the latency)' : '') +
        ' — "corrected" counts from when each message was due, "service" from when it was sent',
    );
  }
  if (m.integrity.enabled) {
    const i = m.integrity;
    out.push(
      `integrity    ${formatCount(i.verified)} echoes verified (whole run, warm-up included); corrupted ` +
        `${i.corrupted}, duplicated ${i.duplicated}, out of order ${i.outOfOrder}, missing ${i.missing}, bytes lost ` +
        `at close ${i.bytesLostAtClose}`,
    );
  }
  if (m.stream) {
    const f = m.stream.perConnectionBytesPerSecond;
    out.push(
      `stream       ${m.stream.direction}; per connection (up + down, measured) min ${formatBitsPerSecond(f.min)}, ` +
        `median ` +
        `${formatBitsPerSecond(f.median)}, max ${formatBitsPerSecond(f.max)} over ${f.connections}`,
    );
  }
  if (m.churn)
    out.push(
      `churn        ${formatCount(m.churn.cyclesPerSecond)} connections/s (measured), ` +
        `${formatCount(m.churn.cycles)} cycles in all, close ${m.churn.closeStyle}`,
    );
  if (m.hold)
    out.push(
      `hold         ${formatCount(m.hold.held)}/${formatCount(m.hold.target)} ` +
        `${r.datagrams ? 'flows' : 'sessions'} held for the whole ` +
        `run, ping every ${m.hold.pingIntervalMs} ms`,
    );
  return out;
}

/** Which socket layer carried the sessions: bare libuv handles (plain TCP to an address) or net.Socket. */
function transportOf(t: RunResult['totals']): string {
  const opened = t.attempted + t.reconnectAttempts;
  if (t.bareHandleSessions === 0) return 'sessions on net.Socket';
  if (t.bareHandleSessions >= opened) return 'sessions on bare TCP handles';
  return `${formatCount(t.bareHandleSessions)} sessions on bare TCP handles, the rest on net.Socket`;
}

/**
 * How an external loopback target's processes were watched (run/target-watch.ts), or why not: `127.0.0.1:9000
 * watched: pid 812 (haproxy), pid 813 (haproxy), holding the socket that listens on ...`; null otherwise.
 */
export function targetWatchLine(t: { host: string; port: number; watched?: TargetWatch | null }): string | null {
  const w = t.watched;
  if (!w) return null;
  const pids = w.processes.map((p) => `pid ${p.pid} (${p.name})`).join(', ');
  const where = `${t.host}:${t.port}`;
  if (w.by === 'socket' || w.by === 'watch-pid') return `${where} watched: ${pids}, ${w.how}`;
  return `${where} not watched: ${w.how}`;
}
