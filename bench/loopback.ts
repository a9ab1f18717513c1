/**
 * End-to-end comparisons on loopback, each against a reference measured in the same run:
 * - echo throughput of l4stress (one worker) vs a minimal single-threaded Node echo client, same target (A-B-A);
 * - ramp-up and connect latency with PROXY none / v1 / v2 / v2 + TLVs + CRC32C, same target, back to back.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../src/documents/result.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin/l4stress.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function l4stress(args: string[]): Promise<RunResult> {
  const out = path.join(os.tmpdir(), `l4stress-bench-${process.pid}-${Date.now()}.json`);
  const r = await run([CLI, ...args, '--quiet', '--out', out]);
  if (r.code !== 0) throw new Error(`l4stress ${args.join(' ')} exited ${r.code}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  rmSync(out);
  return result;
}

/** The reference client: the plainest closed-loop echo Node can do, one event loop, 'data' events. */
const REFERENCE_CLIENT = `
const net = require('node:net');
const [host, port, conns, seconds, size] = process.argv.slice(1).map((v, i) => i === 0 ? v : Number(v));
const payload = Buffer.alloc(size, 7);
let done = 0, measuring = false;
for (let i = 0; i < conns; i++) {
  const s = net.connect({ host, port, noDelay: true }, () => s.write(payload));
  let got = 0;
  s.on('data', (d) => { got += d.length; if (got >= size) { got -= size; if (measuring) done++; s.write(payload); } });
  s.on('error', () => {});
}
const report = () => { console.log(JSON.stringify({ roundTripsPerSecond: done / seconds })); process.exit(0); };
setTimeout(() => { measuring = true; setTimeout(report, seconds * 1000); }, 1000);
`;

/** The reference for memory: bare Node sockets (one 'data' listener each), RSS per connection after a full GC. */
const REFERENCE_MEMORY = `
const net = require('node:net'); const v8 = require('node:v8'); const vm = require('node:vm');
v8.setFlagsFromString('--expose-gc'); const gc = vm.runInNewContext('gc');
const [host, port, n] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
gc(); const base = process.memoryUsage.rss(); const socks = []; let up = 0;
for (let i = 0; i < n; i++) {
  const s = net.connect({ host, port, noDelay: true }, () => { if (++up === n) done(); });
  s.on('data', () => {}); s.on('error', () => {}); socks.push(s);
}
const report = () => { console.log(JSON.stringify({ bytesPerConnection: (process.memoryUsage.rss() - base) / n })); };
function done() { gc(); setTimeout(() => { gc(); report(); process.exit(0); }, 200); }
`;

export interface LoopbackResults {
  memory: {
    conns: number;
    l4stressBytesPerConnection: number | null;
    referenceBytesPerConnection: number;
    ratio: number | null;
  };
  echo: {
    conns: number;
    l4stressRoundTripsPerSecond: number;
    referenceRoundTripsPerSecond: number;
    ratio: number;
    l4stressP50Us: number | null;
    l4stressP99Us: number | null;
  };
  proxy: {
    variant: string;
    rampMs: number;
    connectionsPerSecond: number;
    connectP50Us: number | null;
    connectP99Us: number | null;
    headerBytes: number;
    headerBuildUs: number | null;
    ratioToNone: number;
  }[];
}

export async function loopbackBenches(target: { host: string; port: number }): Promise<LoopbackResults> {
  const t = `${target.host}:${target.port}`;
  return { echo: await echoBench(target, t), proxy: await proxyBenches(t), memory: await memoryBench(target, t) };
}

/** Round trips/s at 100 connections, A-B-A: the reference client before and after l4stress, averaged. */
async function echoBench(target: { host: string; port: number }, t: string): Promise<LoopbackResults['echo']> {
  const conns = 100;
  const seconds = 5;
  // The reference client also warms the target up first, so neither side meets a cold (not yet optimized) target.
  const referenceClient = async (): Promise<number> => {
    const args = ['-e', REFERENCE_CLIENT, target.host, String(target.port), String(conns), String(seconds), '64'];
    const r = await run(args);
    return (JSON.parse(r.stdout.trim()) as { roundTripsPerSecond: number }).roundTripsPerSecond;
  };
  const before = await referenceClient();
  const ours = await l4stress(
    ['--target', t, '--conns', String(conns), '--workers', '1'].concat(['--duration', `${seconds}s`, '--warmup', '1s']),
  );
  const ref = (before + (await referenceClient())) / 2;
  return {
    conns,
    l4stressRoundTripsPerSecond: ours.throughput.roundTripsPerSecond,
    referenceRoundTripsPerSecond: Math.round(ref),
    ratio: Math.round((ours.throughput.roundTripsPerSecond / ref) * 100) / 100,
    l4stressP50Us: ours.latency.roundTripUs.p50,
    l4stressP99Us: ours.latency.roundTripUs.p99,
  };
}

/** The ramp of 5,000 sessions with each PROXY variant, its rate against no header. */
async function proxyBenches(t: string): Promise<LoopbackResults['proxy']> {
  const tlvs = ['--proxy-tlv', 'authority=api.example.com', '--proxy-tlv', 'unique-id=auto', '--proxy-tlv', 'crc32c'];
  const variants: [string, string[]][] = [
    ['none', ['--proxy', 'none']],
    ['v1', ['--proxy', 'v1']],
    ['v2', ['--proxy', 'v2']],
    ['v2 + TLVs + crc32c', ['--proxy', 'v2', '--proxy-src', '10.0.0.0/8', ...tlvs]],
  ];
  const proxy: LoopbackResults['proxy'] = [];
  for (const [variant, args] of variants) {
    const r = await l4stress(['--target', t, '--conns', '5000', '--duration', '1s', '--warmup', '0s', ...args]);
    proxy.push({
      variant,
      rampMs: r.phases.rampMs,
      connectionsPerSecond: Math.round(r.connections.established / (r.phases.rampMs / 1000)),
      connectP50Us: r.latency.connectUs.p50,
      connectP99Us: r.latency.connectUs.p99,
      headerBytes: Number(Object.keys(r.proxy.headerSizes)[0] ?? 0),
      headerBuildUs: r.proxy.headerBuildUsPerConnection,
      ratioToNone: 0,
    });
  }
  for (const p of proxy)
    p.ratioToNone = Math.round((p.connectionsPerSecond / proxy[0].connectionsPerSecond) * 100) / 100;
  return proxy;
}

/** Memory: hold sessions vs bare sockets, same count, same target, RSS after a full GC on both sides. */
async function memoryBench(target: { host: string; port: number }, t: string): Promise<LoopbackResults['memory']> {
  const memConns = 10_000;
  const hold = await l4stress(
    ['--target', t, '--mode', 'hold', '--conns', String(memConns)].concat([
      '--ping-interval',
      '5s',
      '--duration',
      '1s',
      '--warmup',
      '0s',
      '--workers',
      '1',
    ]),
  );
  const refMem = await run(['-e', REFERENCE_MEMORY, target.host, String(target.port), String(memConns)]);
  const refBytes = (JSON.parse(refMem.stdout.trim()) as { bytesPerConnection: number }).bytesPerConnection;
  const ourBytes = hold.resources.generator.memoryPerConnectionBytes;
  return {
    conns: memConns,
    l4stressBytesPerConnection: ourBytes,
    referenceBytesPerConnection: Math.round(refBytes),
    ratio: ourBytes === null ? null : Math.round((ourBytes / refBytes) * 100) / 100,
  };
}
