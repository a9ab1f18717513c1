/**
 * `l4stress calibrate`: iperf3 and netperf, each repeated, against loopback (servers started and stopped here on
 * free ports) or against --host (servers the user runs). Produces the hardware profile.
 */
import os from 'node:os';
import type { ToolServer } from '../../native-tools/exec.js';
import { type Iperf3Result, runIperf3, startIperf3Server } from '../../native-tools/iperf3.js';
import { type NetperfResult, runNetperf, startNetserver } from '../../native-tools/netperf.js';
import { freePort } from '../../native-tools/ports.js';
import { toolVersion } from '../core/version.js';
import { collectEnvironment, gitInfo } from '../environment/environment.js';
import { type HardwareProfile, PROFILE_KIND, PROFILE_SCHEMA_VERSION, type RrMeasurement } from './hardware-profile.js';
import { NOISY_SPREAD_PERCENT, type RepeatedStat, repeatedStat as stat } from './stats.js';

export interface CalibrateOptions {
  /** null: loopback, with servers started here. */
  host: string | null;
  iperf3Port: number;
  netperfPort: number;
  repeat: number;
  durationS: number;
  sizeBytes: number;
  streams: number;
  resultsDir: string;
  log: (line: string) => void;
}

export async function calibrate(o: CalibrateOptions): Promise<HardwareProfile> {
  const host = o.host ?? '127.0.0.1';
  const servers: ToolServer[] = [];
  let iperf3Port = o.iperf3Port;
  let netperfPort = o.netperfPort;
  try {
    if (o.host === null) {
      iperf3Port = await freePort();
      netperfPort = await freePort();
      servers.push(await startIperf3Server(iperf3Port), await startNetserver(netperfPort));
    }
    const single: Iperf3Result[] = [];
    const multi: Iperf3Result[] = [];
    const rr1: NetperfResult[] = [];
    const rrSize: NetperfResult[] = [];
    const crr: NetperfResult[] = [];
    const stream: NetperfResult[] = [];
    for (let i = 1; i <= o.repeat; i++) {
      o.log(
        `calibrate: round ${i}/${o.repeat}: iperf3 1 and ${o.streams} streams, netperf TCP_RR (1 B, ` +
          `${o.sizeBytes} B), TCP_CRR, TCP_STREAM, ${o.durationS} s each`,
      );
      single.push(await runIperf3(host, iperf3Port, 1, o.durationS));
      multi.push(await runIperf3(host, iperf3Port, o.streams, o.durationS));
      rr1.push(await runNetperf(host, netperfPort, 'TCP_RR', o.durationS, 1));
      rrSize.push(await runNetperf(host, netperfPort, 'TCP_RR', o.durationS, o.sizeBytes));
      crr.push(await runNetperf(host, netperfPort, 'TCP_CRR', o.durationS, 1));
      stream.push(await runNetperf(host, netperfPort, 'TCP_STREAM', o.durationS));
    }
    const rr = (runs: NetperfResult[], sizeBytes: number): RrMeasurement => ({
      sizeBytes,
      transactionsPerSecond: stat(runs.map((r) => r.throughput)),
      meanLatencyUs: stat(runs.map((r) => r.meanLatencyUs ?? 0)),
      p50LatencyUs: stat(runs.map((r) => r.p50LatencyUs ?? 0)),
      p99LatencyUs: stat(runs.map((r) => r.p99LatencyUs ?? 0)),
    });
    const measurements: HardwareProfile['measurements'] = {
      iperf3SingleStream: {
        bitsPerSecond: stat(single.map((r) => r.bitsPerSecond)),
        retransmits: stat(single.map((r) => r.retransmits ?? 0)),
      },
      iperf3MultiStream: {
        streams: o.streams,
        bitsPerSecond: stat(multi.map((r) => r.bitsPerSecond)),
        retransmits: stat(multi.map((r) => r.retransmits ?? 0)),
      },
      tcpRr1: rr(rr1, 1),
      tcpRrSize: rr(rrSize, o.sizeBytes),
      tcpCrr: {
        transactionsPerSecond: stat(crr.map((r) => r.throughput)),
        p50LatencyUs: stat(crr.map((r) => r.p50LatencyUs ?? 0)),
      },
      tcpStream: { megabitsPerSecond: stat(stream.map((r) => r.throughput)) },
    };
    const warnings: string[] = [];
    const check = (name: string, s: RepeatedStat): void => {
      if (o.repeat > 1 && s.spreadPercent > NOISY_SPREAD_PERCENT)
        warnings.push(
          `${name} varied by ${s.spreadPercent}% between repeats: the machine is noisy, treat ratios with care`,
        );
    };
    check('iperf3 single-stream throughput', measurements.iperf3SingleStream.bitsPerSecond);
    check('iperf3 multi-stream throughput', measurements.iperf3MultiStream.bitsPerSecond);
    check('TCP_RR 1-byte p50 latency', measurements.tcpRr1.p50LatencyUs);
    check(`TCP_RR ${o.sizeBytes}-byte p50 latency`, measurements.tcpRrSize.p50LatencyUs);
    check('TCP_CRR rate', measurements.tcpCrr.transactionsPerSecond);
    check('TCP_STREAM throughput', measurements.tcpStream.megabitsPerSecond);
    return {
      schemaVersion: PROFILE_SCHEMA_VERSION,
      kind: PROFILE_KIND,
      host: os.hostname(),
      peer: o.host ?? 'loopback',
      createdAt: new Date().toISOString(),
      tool: { name: 'l4stress', version: toolVersion() },
      git: gitInfo(),
      settings: { repeat: o.repeat, durationS: o.durationS, sizeBytes: o.sizeBytes, streams: o.streams },
      measurements,
      environment: await collectEnvironment(o.resultsDir),
      warnings,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
