/**
 * sockperf through execa: `sockperf server` on a free UDP port, `sockperf ping-pong` against it, and the parse of
 * its text output. sockperf's "latency" is HALF the round trip (it divides each measured round trip by two); with
 * `--full-rtt` it prints the round trip itself. The runner always asks for `--full-rtt`; the parser reads either and
 * gives round-trip figures both ways, so nothing downstream compares a half round trip with a whole one.
 */
import { CouldNotRunError } from '../src/core/errors.js';
import { runTool, startToolServer, type ToolServer } from './exec.js';
import { isUdpBound } from './ports.js';

export interface SockperfPingPong {
  /** What sockperf printed: `rtt` (with --full-rtt) or `latency` (half a round trip, its default). */
  printed: 'rtt' | 'latency';
  /** Round-trip figures in µs, whichever sockperf printed (a printed latency doubled). */
  roundTripUs: { avg: number; p50: number; p99: number; min: number; max: number };
  /** Round trips in the measured window (after sockperf's warm-up) over that window's length. */
  roundTripsPerSecond: number;
  sent: number;
  received: number;
  dropped: number;
  durationS: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: sockperf colours its output with ANSI escapes.
const ANSI = /\u001b\[[0-9;]*m/g;

/** Parses `sockperf ping-pong` output (3.7); throws with sockperf's own complaint when it measured nothing. */
export function parseSockperfPingPong(text: string): SockperfPingPong {
  const plain = text.replace(ANSI, '');
  const num = (re: RegExp): number | null => {
    const m = re.exec(plain);
    return m ? Number(m[1]) : null;
  };
  const valid = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)/.exec(plain);
  const avg = /avg-(rtt|latency)=([\d.]+)/.exec(plain);
  const p50 = num(/percentile 50\.000 =\s*([\d.]+)/);
  const p99 = num(/percentile 99\.000 =\s*([\d.]+)/);
  const min = num(/<MIN> observation =\s*([\d.]+)/);
  const max = num(/<MAX> observation =\s*([\d.]+)/);
  if (!valid || !avg || p50 === null || p99 === null || min === null || max === null) {
    const complaint = plain.split('\n').find((l) => /No messages|ERROR|error/i.test(l));
    throw new CouldNotRunError(
      `sockperf ping-pong: no statistics in its output${complaint ? `: ${complaint.replace(/^sockperf: /, '')}` : ''}`,
    );
  }
  const printed = avg[1] === 'rtt' ? 'rtt' : 'latency';
  const k = printed === 'rtt' ? 1 : 2;
  const durationS = Number(valid[1]);
  const received = Number(valid[3]);
  return {
    printed,
    roundTripUs: { avg: Number(avg[2]) * k, p50: p50 * k, p99: p99 * k, min: min * k, max: max * k },
    roundTripsPerSecond: durationS > 0 ? received / durationS : 0,
    sent: Number(valid[2]),
    received,
    dropped: num(/# dropped messages = (\d+)/) ?? 0,
    durationS,
  };
}

/** `sockperf server` on 127.0.0.1:`port` (UDP), ready when the kernel shows the port bound. */
export function startSockperfServer(port: number, host = '127.0.0.1'): Promise<ToolServer> {
  return startToolServer('sockperf', ['server', '-i', host, '-p', String(port)], () => isUdpBound(port));
}

/** `sockperf ping-pong` over UDP for `seconds` (sockperf warms up for 400 ms of them), round trips as printed. */
export async function runSockperfPingPong(
  host: string,
  port: number,
  messageSize: number,
  seconds: number,
): Promise<SockperfPingPong> {
  const timeoutMs = (seconds + 15) * 1000;
  const r = await runTool(
    'sockperf',
    ['ping-pong', '-i', host, '-p', String(port), '-m', String(messageSize), '-t', String(seconds), '--full-rtt'],
    timeoutMs,
  );
  if (r.timedOut) throw new CouldNotRunError(`sockperf did not finish within ${seconds + 15} s`);
  return parseSockperfPingPong(`${r.stdout}\n${r.stderr}`);
}
