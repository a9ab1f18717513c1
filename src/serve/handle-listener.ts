/** The bare-handle listener (see handle-server.ts for the connections it accepts): bind, listen, accept, close. */
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { errnoName, type TcpBindings, type TcpHandle } from '../core/tcp-bindings.js';
import type { EchoServerOptions, Listener, TargetTally } from './echo-server.js';
import { Peer, type Served } from './handle-server.js';
import type { ServiceQueue } from './service-queue.js';
import { SessionGate } from './session-gate.js';
import { bump } from './stats.js';

/** How often header deadlines are checked and held connections probed (handle-server.ts Peer.probe). */
const SWEEP_MS = 100;
const READ_BUFFER_BYTES = 64 * 1024;

function listenError(status: number, syscall: string): NodeJS.ErrnoException {
  const code = errnoName(status);
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno: status, syscall });
}

/** Listens on options.host:port with bare handles. */
export function listenOnHandles(
  options: EchoServerOptions,
  tally: TargetTally,
  b: TcpBindings,
  source: Buffer,
  service: ServiceQueue | null,
): Listener {
  const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const served: Served = {
    tally,
    options,
    b,
    source,
    readBuffer,
    inHeader: new Set(),
    held: new Set(),
    peers: new Set(),
    service,
    gate: null,
  };
  const serve = (client: TcpHandle): void => {
    served.peers.add(new Peer(served, client));
  };
  if (options.maxSessions > 0) served.gate = new SessionGate(options.maxSessions, serve);
  const server = b.newServer();
  const v6 = isIP(options.host) === 6;
  let err = v6 ? server.bind6(options.host, options.port, 0) : server.bind(options.host, options.port);
  if (err !== 0) {
    server.close();
    throw listenError(err, 'bind');
  }
  server.onconnection = (status, client) => {
    if (status !== 0 || !client) {
      // Accept errors (EMFILE under a low fd limit) must not stop the target: counted, it keeps serving.
      bump(tally.stats.socketErrors, errnoName(status));
      return;
    }
    const stats = tally.stats;
    stats.accepted++;
    stats.open++;
    if (stats.open > stats.peakOpen) stats.peakOpen = stats.open;
    if (served.gate) served.gate.admit(client);
    else serve(client);
  };
  err = server.listen(options.backlog);
  if (err !== 0) {
    server.close();
    throw listenError(err, 'listen');
  }
  const name: { address?: string; port?: number } = {};
  server.getsockname(name);
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const peer of served.inHeader) if (now > peer.headerDeadline) peer.reject('header-timeout');
    for (const peer of served.held) peer.probe();
  }, SWEEP_MS);
  sweep.unref();
  return {
    address: { host: name.address ?? options.host, port: name.port ?? options.port },
    close: () =>
      new Promise((resolve) => {
        clearInterval(sweep);
        for (const peer of served.peers) peer.close();
        for (const waiting of served.gate?.drain() ?? []) waiting.close();
        server.close(() => resolve());
      }),
  };
}
