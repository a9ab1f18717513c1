/**
 * Micro-benchmarks of the hot and warm paths, each reported as a ratio against a reference measured in the same
 * run on the same machine (absolute ns/op on a shared 2-core box mean little; ratios travel).
 */
import { performance } from 'node:perf_hooks';
import { createHistogram, recordMicros } from '../src/instruments/histogram.js';
import { parseAddressSpec } from '../src/proxy/addresses.js';
import { NO_PROXY, type ProxyHeaderPlan, ProxyHeaderWriter } from '../src/proxy/header.js';
import { parseTlvOption } from '../src/proxy/tlv.js';

export interface MicroResult {
  name: string;
  nsPerOp: number;
  reference: string;
  referenceNsPerOp: number;
  ratio: number;
}

/** Best of `rounds` timings of `ops` calls: the minimum is the least disturbed by the neighbours. */
function timeIt(ops: number, rounds: number, fn: (i: number) => void): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < ops; i++) fn(i);
    best = Math.min(best, ((performance.now() - t) * 1e6) / ops);
  }
  return best;
}

/** The recorder the workers use (recordMicros) and the library's recordValue, each against an array increment. */
export function histogramBenches(): MicroResult[] {
  const values = new Int32Array(1 << 16);
  let x = 1;
  for (let i = 0; i < values.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    values[i] = 20 + (x % 5000);
  }
  const counts = new Float64Array(8192);
  const ops = 2_000_000;
  // Reference: the least any recorder can do, one array increment per value.
  const ref = timeIt(ops, 5, (i) => {
    counts[values[i & 0xffff] & 8191]++;
  });
  const library = createHistogram();
  const fast = createHistogram();
  const rows: [string, number][] = [
    ['histogram recordMicros', timeIt(ops, 5, (i) => recordMicros(fast, values[i & 0xffff]))],
    ['histogram recordValue (library)', timeIt(ops, 5, (i) => library.recordValue(values[i & 0xffff]))],
  ];
  return rows.map(([name, ns]) => ({
    name,
    nsPerOp: ns,
    reference: 'array increment',
    referenceNsPerOp: ref,
    ratio: ns / ref,
  }));
}

export function headerBenches(): MicroResult[] {
  const local = { address: '127.0.0.1', port: 40000 };
  const remote = { address: '127.0.0.1', port: 8080 };
  const payload = Buffer.alloc(64);
  const plans: [string, ProxyHeaderPlan][] = [
    ['v1 socket', { ...NO_PROXY, version: 'v1' }],
    ['v2 socket', { ...NO_PROXY, version: 'v2' }],
    ['v2 pool 10.0.0.0/8', { ...NO_PROXY, version: 'v2', src: parseAddressSpec('s', '10.0.0.0/8') }],
    [
      'v2 pool + TLVs + crc32c',
      {
        ...NO_PROXY,
        version: 'v2',
        src: parseAddressSpec('s', '10.0.0.0/8'),
        tlvs: ['authority=api.example.com', 'alpn=h2', 'unique-id=auto', '0xEA=vpce-0123456789', 'crc32c'].map(
          parseTlvOption,
        ),
      },
    ],
  ];
  const ops = 200_000;
  // Reference: what sending the first message costs without any header: one buffer, one copy.
  const ref = timeIt(ops, 5, () => {
    const b = Buffer.allocUnsafe(64);
    payload.copy(b, 0);
  });
  return plans.map(([name, plan]) => {
    const writer = new ProxyHeaderWriter(plan, 7);
    const ns = timeIt(ops, 5, (i) => writer.build(i, local, remote, payload));
    return {
      name: `header build: ${name}`,
      nsPerOp: ns,
      reference: 'first message without header',
      referenceNsPerOp: ref,
      ratio: ns / ref,
    };
  });
}
