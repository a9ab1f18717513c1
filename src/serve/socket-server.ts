/**
 * The target's net.Server listener: TLS after the optional PROXY header, or plain TCP where the handle API is
 * missing. Why a second listener beside handle-server.ts: Node's TLS needs a stream to sit on, and a bare handle is
 * not one (the reason is written at the top of echo-server.ts too). Each connection goes through three phases, a
 * function each: the header (readHeader), TLS if asked (beginTls), then the mode (serveStream).
 */
import net from 'node:net';
import tls from 'node:tls';
import { tlsErrorKind } from '../instruments/errors.js';
import { ProxyHeaderParser } from '../proxy/parser.js';
import type { EchoServerOptions, Listener, TargetTally } from './echo-server.js';
import type { ServiceQueue } from './service-queue.js';
import { SessionGate } from './session-gate.js';
import { SLOWDOWN, slowDown } from './slowdown.js';
import { bump } from './stats.js';

const EMPTY = Buffer.alloc(0);

export async function listenOnSockets(
  options: EchoServerOptions,
  tally: TargetTally,
  sourceChunk: Buffer,
  service: ServiceQueue | null,
): Promise<Listener> {
  const secureContext = options.tls ? tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key }) : null;
  const sockets = new Set<net.Socket>();

  // --max-sessions: a waiting socket is not read (no 'data' listener yet) until the gate serves it.
  const gate = options.maxSessions > 0 ? new SessionGate<net.Socket>(options.maxSessions, (s) => serve(s)) : null;
  const served = new WeakSet<net.Socket>();
  const server = net.createServer({ noDelay: true, pauseOnConnect: gate !== null }, (socket) => {
    tally.stats.accepted++;
    tally.stats.open++;
    if (tally.stats.open > tally.stats.peakOpen) tally.stats.peakOpen = tally.stats.open;
    sockets.add(socket);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A client's RST is how a churn run may close on purpose: count it, it is not the target's fault.
      bump(tally.stats.socketErrors, err.code ?? 'OTHER');
    });
    socket.on('close', () => {
      tally.stats.open--;
      sockets.delete(socket);
      if (served.has(socket)) gate?.release();
    });
    if (gate) gate.admit(socket);
    else serve(socket);
  });
  function serve(socket: net.Socket): void {
    served.add(socket);
    if (socket.destroyed) {
      gate?.release();
      return;
    }
    socket.resume();
    socket.on('end', () => socket.end());
    /** The header is done (or there is none): serve in the clear, or terminate TLS first. */
    const begin = (rest: Buffer): void => {
      if (secureContext) beginTls(socket, rest, secureContext, options, tally, sourceChunk, service);
      else serveStream(socket, rest, options, tally, sourceChunk, service);
    };
    if (options.proxy === 'none') begin(EMPTY);
    else readHeader(socket, options, tally, begin);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: options.backlog }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  // Accept errors (EMFILE under a low fd limit) must not kill the target: count them and keep serving.
  server.on('error', (err: NodeJS.ErrnoException) => bump(tally.stats.socketErrors, err.code ?? 'OTHER'));
  const addr = server.address() as net.AddressInfo;
  return {
    address: { host: addr.address, port: addr.port },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

/** The PROXY header, streamed into the parser; `begin` gets what followed it. Bounded by --header-timeout. */
function readHeader(
  socket: net.Socket,
  options: EchoServerOptions,
  tally: TargetTally,
  begin: (rest: Buffer) => void,
): void {
  const parser = new ProxyHeaderParser({
    mode: options.proxy as 'accept' | 'require',
    maxV2Length: options.maxV2Length,
  });
  let headerBytes = 0;
  let headerDone = false;
  const reject = (reason: string): void => {
    headerDone = true;
    bump(tally.stats.rejected, reason);
    socket.removeListener('data', onFirstBytes);
    socket.destroy();
  };
  const timer = setTimeout(() => reject('header-timeout'), options.headerTimeoutMs);
  const onFirstBytes = (chunk: Buffer): void => {
    headerBytes += chunk.length;
    const step = parser.push(chunk);
    if (step.status === 'more') return;
    headerDone = true;
    clearTimeout(timer);
    if (step.status === 'error') {
      reject(step.reason);
      return;
    }
    tally.onHeader(step.header);
    socket.removeListener('data', onFirstBytes);
    begin(step.rest);
  };
  socket.on('data', onFirstBytes);
  socket.on('close', () => {
    clearTimeout(timer);
    // The client left first: every connection is accounted for, these too.
    if (!headerDone) bump(tally.stats.abandoned, headerBytes === 0 ? 'before-header' : 'mid-header');
  });
}

/**
 * TLS over the socket, the bytes that came with the header handed back as the ClientHello's. A handshake not done
 * within --tls-timeout is closed: a client that sends part of a ClientHello and waits would hold its session (and
 * its memory) forever.
 */
function beginTls(
  socket: net.Socket,
  rest: Buffer,
  secureContext: tls.SecureContext,
  options: EchoServerOptions,
  tally: TargetTally,
  sourceChunk: Buffer,
  service: ServiceQueue | null,
): void {
  socket.pause();
  if (rest.length > 0) socket.unshift(rest);
  const secure = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext,
    ALPNCallback: ({ protocols }) => protocols[0],
  });
  let secured = false;
  let timedOut = false;
  const handshakeTimer = setTimeout(() => {
    if (secured) return;
    bump(tally.stats.tlsFailed, 'TLS_TIMEOUT');
    timedOut = true;
    secure.destroy();
    socket.destroy();
  }, options.tlsHandshakeTimeoutMs);
  secure.on('error', (err: NodeJS.ErrnoException) => {
    if (timedOut) return;
    if (!secured) bump(tally.stats.tlsFailed, tlsErrorKind(err.code));
    else bump(tally.stats.socketErrors, err.code ?? 'OTHER');
  });
  socket.once('close', () => clearTimeout(handshakeTimer));
  secure.once('secure', () => {
    secured = true;
    clearTimeout(handshakeTimer);
    tally.stats.tlsHandshakes++;
    if (secure.isSessionReused()) tally.stats.tlsResumed++;
    const sni = (secure as unknown as { servername?: string | false }).servername;
    bump(tally.stats.tlsSni, sni || '(none)');
    if (secure.alpnProtocol) bump(tally.stats.tlsAlpn, secure.alpnProtocol);
  });
  secure.on('end', () => secure.end());
  serveStream(secure, EMPTY, options, tally, sourceChunk, service);
}

/** After the header: echo, sink or source on `stream` (the TCP socket, or the TLS socket over it). */
function serveStream(
  stream: net.Socket,
  rest: Buffer,
  options: EchoServerOptions,
  tally: TargetTally,
  sourceChunk: Buffer,
  service: ServiceQueue | null,
): void {
  // --service-time: each chunk's echo waits for its messages' turn (data events hand over fresh buffers).
  const inTurn = service && options.mode === 'echo' ? serveInTurn(stream, tally, service) : null;
  const echo = (chunk: Buffer): void => {
    const start = SLOWDOWN > 1 ? performance.now() : 0;
    tally.stats.bytesIn += chunk.length;
    tally.stats.bytesOut += chunk.length;
    // Backpressure: a client that sends without reading must not grow this process; read again on 'drain'.
    if (!stream.write(chunk)) stream.pause();
    if (SLOWDOWN > 1) slowDown(start);
  };
  const sink = (chunk: Buffer): void => {
    tally.stats.bytesIn += chunk.length;
  };
  const onPayload = options.mode === 'echo' ? (inTurn?.push ?? echo) : sink;
  // Source: write the shared chunk until the kernel buffer is full, continue on 'drain' (bounded memory).
  const source = (): void => {
    while (!stream.destroyed && stream.writable) {
      tally.stats.bytesOut += sourceChunk.length;
      if (!stream.write(sourceChunk)) break;
    }
  };
  stream.on('data', onPayload);
  if (options.mode === 'echo') stream.on('drain', inTurn?.drained ?? (() => stream.resume()));
  if (options.mode === 'source') {
    stream.on('drain', source);
    source();
  }
  if (rest.length > 0) onPayload(rest);
}

/**
 * --service-time on a stream: its line in the queue (service-queue.ts). Not read while the line is full or its echoes
 * back up (a write refused past the stream's high-water mark blocks the line until 'drain'); its line is dropped
 * when it closes.
 */
function serveInTurn(
  stream: net.Socket,
  tally: TargetTally,
  service: ServiceQueue,
): { push: (chunk: Buffer) => void; drained: () => void } {
  let backed = false;
  let paused = false;
  const line = service.open((chunk) => {
    if (stream.destroyed) return;
    tally.stats.bytesOut += chunk.length;
    if (!stream.write(chunk) && !backed) {
      backed = true;
      service.block(line, true);
    }
    holdOrRead();
  });
  const holdOrRead = (): void => {
    const hold = backed || line.full;
    if (hold === paused || stream.destroyed) return;
    paused = hold;
    if (hold) stream.pause();
    else stream.resume();
  };
  stream.once('close', () => service.close(line));
  return {
    push(chunk) {
      tally.stats.bytesIn += chunk.length;
      service.push(line, chunk);
      holdOrRead();
    },
    drained() {
      backed = false;
      service.block(line, false);
      holdOrRead();
    },
  };
}
