/**
 * `l4stress serve --udp` started as a user starts it (the built CLI), and plain node:dgram clients, for the UDP
 * integration tests. `stopUdp` (each test file's afterEach) stops what they started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import type { UdpTargetStats } from '../../src/serve/udp-server.js';
import { CLI } from './cli.js';
import { freePort, waitForPort } from './processes.js';

export interface UdpServe {
  child: ChildProcess;
  port: number;
  stats(): Promise<UdpTargetStats>;
  /** The control endpoint, e.g. `http://127.0.0.1:9001` (GET /sources, POST /reset). */
  controlUrl: string;
  /** SIGTERM; resolves with what it printed. */
  stop(): Promise<string>;
}

const running: UdpServe[] = [];
const sockets: dgram.Socket[] = [];

/** Closes the clients and stops the serve processes started since the last call. */
export async function stopUdp(): Promise<void> {
  for (const s of sockets.splice(0)) s.close();
  for (const s of running.splice(0)) await s.stop();
}

/** Starts `serve --udp` on a free port; its UDP port read from its first line (the kernel's TCP table has none). */
export async function serveUdp(args: string[]): Promise<UdpServe> {
  const controlPort = await freePort();
  const child = spawn(process.execPath, [
    CLI,
    'serve',
    '--udp',
    '--port',
    '0',
    '--control-port',
    `${controlPort}`,
    ...args,
  ]);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  while (!/ udp \(/.test(out) && Date.now() < deadline && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 20));
  const m = /listening on 127\.0\.0\.1:(\d+) udp/.exec(out);
  if (!m) throw new Error(`serve --udp did not start: ${out}`);
  await waitForPort(controlPort);
  const serve: UdpServe = {
    child,
    port: Number(m[1]),
    controlUrl: `http://127.0.0.1:${controlPort}`,
    stats: async () => (await (await fetch(`http://127.0.0.1:${controlPort}/stats`)).json()) as UdpTargetStats,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return out;
    },
  };
  running.push(serve);
  return serve;
}

/** A connected udp4 client that keeps what comes back; `until` polls (bounded). */
export async function client(port: number) {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.connect(port, '127.0.0.1', r));
  const until = async (check: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  };
  return { got, until, send: (b: Buffer) => socket.send(b) };
}
