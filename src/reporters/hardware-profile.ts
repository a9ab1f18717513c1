/** The hardware profile as a table for people (l4stress calibrate). */
import { formatMicros } from '../core/units.js';
import type { HardwareProfile, RepeatedStat } from '../documents/hardware-profile.js';
import { renderTable } from './table.js';

const fmt = (s: RepeatedStat, unit: string, scale = 1, digits = 0): string =>
  `${(s.median / scale).toFixed(digits)} ${unit} (±${(s.spreadPercent / 2).toFixed(1)}%)`;

export function renderProfile(p: HardwareProfile, file: string): string {
  const m = p.measurements;
  const rows = [
    [
      'iperf3, 1 stream',
      fmt(m.iperf3SingleStream.bitsPerSecond, 'Gbit/s', 1e9, 2),
      `retransmits ${m.iperf3SingleStream.retransmits.median}`,
    ],
    [
      `iperf3, ${m.iperf3MultiStream.streams} streams`,
      fmt(m.iperf3MultiStream.bitsPerSecond, 'Gbit/s', 1e9, 2),
      `retransmits ${m.iperf3MultiStream.retransmits.median}`,
    ],
    [
      'netperf TCP_RR 1 B',
      fmt(m.tcpRr1.transactionsPerSecond, 'trans/s'),
      `p50 ${formatMicros(m.tcpRr1.p50LatencyUs.median)}, p99 ${formatMicros(m.tcpRr1.p99LatencyUs.median)}`,
    ],
    [
      `netperf TCP_RR ${m.tcpRrSize.sizeBytes} B`,
      fmt(m.tcpRrSize.transactionsPerSecond, 'trans/s'),
      `p50 ${formatMicros(m.tcpRrSize.p50LatencyUs.median)}, p99 ${formatMicros(m.tcpRrSize.p99LatencyUs.median)}`,
    ],
    [
      'netperf TCP_CRR',
      fmt(m.tcpCrr.transactionsPerSecond, 'conn/s'),
      `p50 ${formatMicros(m.tcpCrr.p50LatencyUs.median)}`,
    ],
    ['netperf TCP_STREAM', fmt(m.tcpStream.megabitsPerSecond, 'Gbit/s', 1000, 2), ''],
  ];
  return [
    `hardware profile of ${p.host} (${p.environment.cpuModel}, ${p.environment.cores} cores, kernel ` +
      `${p.environment.kernel}), peer ${p.peer}, ` +
      `${p.settings.repeat} × ${p.settings.durationS} s each; median (± half the spread)`,
    renderTable(rows, ['measurement', 'median', 'detail']),
    ...p.warnings.map((w) => `note: ${w}`),
    `profile: ${file}`,
  ].join('\n');
}
