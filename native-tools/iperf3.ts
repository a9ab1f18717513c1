/** iperf3 through execa: a server on a free port, a client in JSON mode, and the parse of its output. */
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
