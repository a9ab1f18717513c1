/** netperf through execa: netserver on a free port, the tests we calibrate with, and the parse of `-o` output. */
import { CouldNotRunError } from '../src/core/errors.js';
import { runTool, startToolServer, type ToolServer } from './exec.js';
import { isListening } from './ports.js';

export type NetperfTest = 'TCP_RR' | 'TCP_CRR' | 'TCP_STREAM';

export interface NetperfResult {
  test: NetperfTest;
  /** Transactions per second (RR, CRR) or megabits per second (STREAM), as netperf's units say. */
  throughput: number;
  throughputUnits: string;
  meanLatencyUs: number | null;
  p50LatencyUs: number | null;
  p99LatencyUs: number | null;
}

const RR_SELECTORS = 'THROUGHPUT,THROUGHPUT_UNITS,MEAN_LATENCY,P50_LATENCY,P99_LATENCY';
const STREAM_SELECTORS = 'THROUGHPUT,THROUGHPUT_UNITS';

/** Parses netperf's output-selector CSV: a banner, a header line, a value line. */
export function parseNetperfOutput(test: NetperfTest, text: string): NetperfResult {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const header = lines.findIndex((l) => l.startsWith('Throughput,'));
  if (header < 0 || !lines[header + 1])
    throw new CouldNotRunError(`netperf ${test}: no results in its output: ${text.trim().slice(-200)}`);
  const names = lines[header].split(',');
  const values = lines[header + 1].split(',');
  const get = (name: string): string | undefined => values[names.indexOf(name)];
  const num = (name: string): number | null => {
    const v = get(name);
    return v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v);
  };
  const throughput = num('Throughput');
  if (throughput === null) throw new CouldNotRunError(`netperf ${test}: throughput missing in '${lines[header + 1]}'`);
  return {
    test,
    throughput,
    throughputUnits: get('Throughput Units') ?? '',
    meanLatencyUs: num('Mean Latency Microseconds'),
    p50LatencyUs: num('50th Percentile Latency Microseconds'),
    p99LatencyUs: num('99th Percentile Latency Microseconds'),
  };
}

export function startNetserver(port: number): Promise<ToolServer> {
  // -D: stay in the foreground, so stopping the child stops the server.
  return startToolServer('netserver', ['-D', '-p', String(port)], () => isListening(port));
}

export async function runNetperf(
  host: string,
  port: number,
  test: NetperfTest,
  seconds: number,
  sizeBytes = 1,
): Promise<NetperfResult> {
  const testArgs =
    test === 'TCP_STREAM' ? ['-o', STREAM_SELECTORS] : ['-r', `${sizeBytes},${sizeBytes}`, '-o', RR_SELECTORS];
  const r = await runTool(
    'netperf',
    ['-H', host, '-p', String(port), '-t', test, '-l', String(seconds), '--', ...testArgs],
    (seconds + 15) * 1000,
  );
  if (r.timedOut) throw new CouldNotRunError(`netperf ${test} did not finish within ${seconds + 15} s`);
  if (r.exitCode !== 0)
    throw new CouldNotRunError(`netperf ${test} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return parseNetperfOutput(test, r.stdout);
}
