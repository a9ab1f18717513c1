/** iperf3 through execa: a server on a free port, a client in JSON mode (TCP, or -u at a set rate), its parse. */
import { CouldNotRunError } from '../src/core/errors.js';
import { runTool, startToolServer, type ToolServer } from './exec.js';
import { isListening } from './ports.js';

export interface Iperf3Result {
  streams: number;
  /** Receiver-side throughput (what arrived), bits per second. */
  bitsPerSecond: number;
  retransmits: number | null;
  cpuHostPercent: number | null;
  cpuRemotePercent: number | null;
}

/** Parses `iperf3 -J` output; throws with iperf3's own error message when the run failed. */
export function parseIperf3Json(text: string): Iperf3Result {
  let doc: {
    error?: string;
    start?: { test_start?: { num_streams?: number } };
    end?: {
      sum_received?: { bits_per_second?: number };
      sum_sent?: { retransmits?: number };
      cpu_utilization_percent?: { host_total?: number; remote_total?: number };
    };
  };
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CouldNotRunError(`iperf3 printed no JSON: ${text.slice(0, 200)}`);
  }
  if (doc.error) throw new CouldNotRunError(`iperf3: ${doc.error}`);
  const bps = doc.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new CouldNotRunError('iperf3: no sum_received in its JSON');
  return {
    streams: doc.start?.test_start?.num_streams ?? 1,
    bitsPerSecond: bps,
    retransmits: doc.end?.sum_sent?.retransmits ?? null,
    cpuHostPercent: doc.end?.cpu_utilization_percent?.host_total ?? null,
    cpuRemotePercent: doc.end?.cpu_utilization_percent?.remote_total ?? null,
  };
}

export function startIperf3Server(port: number): Promise<ToolServer> {
  return startToolServer('iperf3', ['-s', '-p', String(port)], () => isListening(port));
}

export async function runIperf3(host: string, port: number, streams: number, seconds: number): Promise<Iperf3Result> {
  const r = await runTool(
    'iperf3',
    ['-c', host, '-p', String(port), '-P', String(streams), '-t', String(seconds), '-J'],
    (seconds + 15) * 1000,
  );
  if (r.timedOut) throw new CouldNotRunError(`iperf3 did not finish within ${seconds + 15} s`);
  return parseIperf3Json(r.stdout);
}

/** `iperf3 -u`: what the receiver counted at the offered rate (iperf3's client sends, its server receives). */
export interface Iperf3UdpResult {
  /** The offered rate asked for (`-b`), payload bits per second. */
  targetBitsPerSecond: number;
  /** Payload bytes per datagram (`-l`). */
  datagramBytes: number;
  sent: number;
  /** Datagrams that reached the server: iperf3's count of packets less those it counted lost. */
  delivered: number;
  lost: number;
  lostPercent: number;
  outOfOrder: number | null;
  jitterMs: number;
  seconds: number;
  deliveredPerSecond: number;
  deliveredBitsPerSecond: number;
}

/** Parses `iperf3 -u -J` output (3.12's `sum_received`); throws with iperf3's own error when the run failed. */
export function parseIperf3UdpJson(text: string): Iperf3UdpResult {
  interface Sum {
    seconds?: number;
    bytes?: number;
    bits_per_second?: number;
    jitter_ms?: number;
    lost_packets?: number;
    packets?: number;
    lost_percent?: number;
    out_of_order?: number;
  }
  let doc: {
    error?: string;
    start?: { test_start?: { protocol?: string; blksize?: number; target_bitrate?: number } };
    end?: { sum?: Sum; sum_sent?: Sum; sum_received?: Sum; streams?: { udp?: Sum }[] };
  };
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CouldNotRunError(`iperf3 printed no JSON: ${text.slice(0, 200)}`);
  }
  if (doc.error) throw new CouldNotRunError(`iperf3: ${doc.error}`);
  const start = doc.start?.test_start;
  if (start?.protocol !== 'UDP') throw new CouldNotRunError(`iperf3: not a UDP run (${start?.protocol ?? 'none'})`);
  const rx = doc.end?.sum_received ?? doc.end?.sum;
  const tx = doc.end?.sum_sent ?? doc.end?.sum;
  if (!rx || typeof rx.packets !== 'number' || typeof rx.lost_packets !== 'number' || !rx.seconds)
    throw new CouldNotRunError('iperf3: no UDP receiver sum in its JSON');
  const delivered = rx.packets - rx.lost_packets;
  const bytes = start.blksize ?? 0;
  return {
    targetBitsPerSecond: start.target_bitrate ?? 0,
    datagramBytes: bytes,
    sent: tx?.packets ?? rx.packets,
    delivered,
    lost: rx.lost_packets,
    lostPercent: rx.lost_percent ?? (rx.packets > 0 ? (100 * rx.lost_packets) / rx.packets : 0),
    outOfOrder: doc.end?.streams?.[0]?.udp?.out_of_order ?? null,
    jitterMs: rx.jitter_ms ?? 0,
    seconds: rx.seconds,
    deliveredPerSecond: delivered / rx.seconds,
    deliveredBitsPerSecond: rx.bits_per_second ?? (delivered * bytes * 8) / rx.seconds,
  };
}

/**
 * `iperf3 -u -b <bits/s> -l <bytes>` for `seconds`, one stream, against an iperf3 server; `bufferBytes` (`-w`) sets
 * the socket buffers of both ends (null: the kernel's default).
 */
export async function runIperf3Udp(
  host: string,
  port: number,
  bitsPerSecond: number,
  datagramBytes: number,
  seconds: number,
  bufferBytes: number | null = null,
): Promise<Iperf3UdpResult> {
  const args = ['-c', host, '-p', String(port), '-u', '-b', String(Math.round(bitsPerSecond))];
  args.push('-l', String(datagramBytes), '-t', String(seconds), '-J');
  if (bufferBytes !== null) args.push('-w', String(bufferBytes));
  const r = await runTool('iperf3', args, (seconds + 15) * 1000);
  if (r.timedOut) throw new CouldNotRunError(`iperf3 -u did not finish within ${seconds + 15} s`);
  return parseIperf3UdpJson(r.stdout);
}
