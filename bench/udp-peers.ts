/**
 * The UDP bench's peers and same-run references (udp-goal.ts): `l4stress serve --udp` as its own process (the echo
 * or sink l4stress and Node's floor both talk to), sockperf's server and ping-pong, iperf3's server and `-u` client,
 * and Node's floor client (node-floor-udp-client.ts). Each is bounded by a timeout; a server is stopped by its
 * caller.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { type Iperf3UdpResult, runIperf3Udp, startIperf3Server } from '../native-tools/iperf3.js';
import { freePort, freeUdpPort } from '../native-tools/ports.js';
import { runSockperfPingPong, type SockperfPingPong, startSockperfServer } from '../native-tools/sockperf.js';
import { CouldNotRunError } from '../src/core/errors.js';
import { CLI, ROOT, run } from './run-cli.js';

/** The UDP target's figures as serve prints them at its stop (the ones the bench reads). */
export interface ServeUdpStats {
  datagramsIn: number;
  datagramsOut: number;
  dropped: Record<string, number>;
  recvBufferBytes: number;
}

export interface ServeUdp {
  port: number;
  /** Stops it (SIGTERM) and gives the stats it printed; null when it printed none. */
  stop(): Promise<ServeUdpStats | null>;
}

/** `l4stress serve --udp --host 127.0.0.1 --port 0 ...args` in its own process, once it says it listens. */
export function startServeUdp(args: string[], timeoutMs = 20_000): Promise<ServeUdp> {
  const child = spawn(process.execPath, [CLI, 'serve', '--udp', '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve --udp did not listen within ${timeoutMs} ms: ${out.slice(-300)}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+) udp/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        async stop() {
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(kill);
          const stats = /stopped; (\{.*\})/.exec(out);
          return stats ? (JSON.parse(stats[1]) as ServeUdpStats) : null;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve --udp exited ${code} before listening: ${out.slice(-300)}`));
    });
  });
}

/**
 * A reference's round, once more on a fresh port if the tool itself failed (a port taken between our probe and its
 * bind, a server that lost its control connection on a loaded machine): said in the log, never silent.
 */
async function twice<T>(what: string, once: () => Promise<T>, log: (line: string) => void): Promise<T> {
  try {
    return await once();
  } catch (err) {
    if (!(err instanceof CouldNotRunError)) throw err;
    log(`  ${what} failed (${err.message}); once more on a fresh port`);
    return once();
  }
}

/** `seconds` of sockperf ping-pong (UDP, `size` B) against a sockperf server of its own on a free port. */
export function sockperfRound(size: number, seconds: number, log: (line: string) => void): Promise<SockperfPingPong> {
  return twice(
    'sockperf',
    async () => {
      const port = await freeUdpPort();
      const server = await startSockperfServer(port);
      try {
        return await runSockperfPingPong('127.0.0.1', port, size, seconds);
      } finally {
        await server.stop();
      }
    },
    log,
  );
}

/**
 * `seconds` of `iperf3 -u` at `perSecond` datagrams of `size` B (`-b` is payload bits/s), against an iperf3 server
 * of its own on a free port; `-w` sizes both ends' socket buffers as the l4stress side's are sized.
 */
export function iperf3UdpRound(
  perSecond: number,
  size: number,
  seconds: number,
  bufferBytes: number,
  log: (line: string) => void,
): Promise<Iperf3UdpResult> {
  return twice(
    'iperf3 -u',
    async () => {
      const port = await freePort();
      const server = await startIperf3Server(port);
      try {
        return await runIperf3Udp('127.0.0.1', port, perSecond * size * 8, size, seconds, bufferBytes);
      } finally {
        await server.stop();
      }
    },
    log,
  );
}

export interface NodeFloorUdp {
  roundTripsPerSecond: number;
  roundTrips: number;
  p50Us: number;
  p99Us: number;
  resent: number;
}

/** The built floor client (dist/), also when this module runs from its sources under a test. */
const FLOOR_UDP_CLIENT = path.join(ROOT, 'dist/bench/node-floor-udp-client.js');

/** Node's floor (node-floor-udp-client.ts): one flow's ping-pong on a bare node:dgram socket for `seconds`. */
export async function nodeFloorUdp(port: number, size: number, seconds: number): Promise<NodeFloorUdp> {
  const r = await run(
    process.execPath,
    [FLOOR_UDP_CLIENT, '127.0.0.1', String(port), String(size), String(seconds)],
    (seconds + 30) * 1000,
  );
  try {
    return JSON.parse(r.stdout) as NodeFloorUdp;
  } catch {
    throw new Error(`node-floor-udp-client: exit ${r.code}, no result: ${r.stderr.trim().slice(-300)}`);
  }
}
