/**
 * The embedded target's plain-TCP listener on bare libuv handles (core/tcp-bindings.ts): each accepted connection
 * is a handle and one small object, not a net.Socket with its streams, timers and listener closures. The PROXY
 * header is read by l4stress's own parser, then bytes are echoed, counted (sink) or written (source). TLS, and a
 * Node without the handle API, use the net.Server listener (echo-server.ts).
 *
 * Reads use Node's per-read buffers (not one shared buffer): an echo that the kernel cannot take at once stays
 * queued in libuv pointing at those bytes, so they must not be overwritten by the next read.
 */
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  errnoName,
  type HandleRequest,
  type TcpBindings,
  type TcpHandle,
  UV_EOF,
  writeToHandle,
} from '../core/tcp-bindings.js';
import { ProxyHeaderParser } from '../proxy/parser.js';
import type { EchoServerOptions, Listener, TargetTally } from './echo-server.js';
import { SLOWDOWN, slowDown } from './slowdown.js';
import { bump } from './stats.js';

/** An echo backlog past this (a client that sends without reading) pauses reading until it drains. */
const ECHO_QUEUE_LIMIT = 1024 * 1024;
const HEADER_SWEEP_MS = 100;

interface Served {
  tally: TargetTally;
  options: EchoServerOptions;
  b: TcpBindings;
  source: Buffer;
  /** Connections still reading their PROXY header (the header timeout sweep looks only at these). */
  inHeader: Set<Peer>;
  peers: Set<Peer>;
}

function onPeerRead(this: TcpHandle, arrayBuffer?: ArrayBuffer): void {
  const peer = this.owner as Peer;
  const { state, readBytes } = peer.s.b;
  const nread = state[readBytes];
  if (nread > 0 && arrayBuffer) peer.onData(Buffer.from(arrayBuffer, state[peer.s.b.arrayBufferOffset], nread));
  else if (nread === UV_EOF) peer.end();
  else if (nread < 0) peer.fail(errnoName(nread));
}

function onWriteDone(this: HandleRequest, status: number): void {
  const peer = this.owner as Peer;
  this.owner = null;
  this.buffer = null;
  peer.writeDone(status);
}

function onShutdownDone(this: HandleRequest): void {
  const peer = this.owner as Peer;
  this.owner = null;
  peer.close();
}

function onPeerClosed(this: TcpHandle): void {
  (this.owner as Peer).closed();
}

class Peer {
  parser: ProxyHeaderParser | null = null;
  headerBytes = 0;
  headerDeadline = 0;
  private paused = false;
  private finSent = false;
  private closing = false;

  constructor(
    readonly s: Served,
    readonly handle: TcpHandle,
  ) {
    handle.owner = this;
    handle.onread = onPeerRead;
    handle.setNoDelay(true);
    const err = handle.readStart();
    if (err !== 0) {
      this.fail(errnoName(err));
      return;
    }
    if (s.options.proxy === 'none') this.begin(null);
    else {
      this.parser = new ProxyHeaderParser({ mode: s.options.proxy, maxV2Length: s.options.maxV2Length });
      this.headerDeadline = performance.now() + s.options.headerTimeoutMs;
      s.inHeader.add(this);
    }
  }

  onData(chunk: Buffer): void {
    if (this.parser === null) {
      this.serve(chunk);
      return;
    }
    this.headerBytes += chunk.length;
    const step = this.parser.push(chunk);
    if (step.status === 'more') return;
    this.parser = null;
    this.s.inHeader.delete(this);
    if (step.status === 'error') {
      this.reject(step.reason);
      return;
    }
    this.s.tally.onHeader(step.header);
    this.begin(step.rest.length > 0 ? step.rest : null);
  }

  /** The header timed out or was malformed: counted as rejected, closed. */
  reject(reason: string): void {
    this.parser = null;
    this.s.inHeader.delete(this);
    bump(this.s.tally.stats.rejected, reason);
    this.close();
  }

  private begin(rest: Buffer | null): void {
    if (this.s.options.mode === 'source') this.pumpSource();
    if (rest) this.serve(rest);
  }

  private serve(chunk: Buffer): void {
    const stats = this.s.tally.stats;
    stats.bytesIn += chunk.length;
    if (this.s.options.mode !== 'echo') return;
    const start = SLOWDOWN > 1 ? performance.now() : 0;
    stats.bytesOut += chunk.length;
    this.write(chunk);
    // Backpressure: a client that sends without reading must not grow this process.
    if (this.handle.writeQueueSize > ECHO_QUEUE_LIMIT && !this.paused) {
      this.paused = true;
      this.handle.readStop();
    }
    if (SLOWDOWN > 1) slowDown(start);
  }

  /** Source: the shared chunk until a write is queued, again when it completes (bounded memory). */
  private pumpSource(): void {
    while (!this.closing && !this.finSent && this.handle.writeQueueSize === 0) {
      this.s.tally.stats.bytesOut += this.s.source.length;
      if (!this.write(this.s.source)) break;
    }
  }

  /** True when the kernel took all of it. */
  private write(data: Buffer): boolean {
    if (this.closing) return false;
    const written = writeToHandle(this.s.b, this.handle, data, this, onWriteDone);
    if (written < 0) this.fail(errnoName(written));
    return written === 0;
  }

  writeDone(status: number): void {
    if (status < 0) {
      this.fail(errnoName(status));
      return;
    }
    if (this.closing || this.handle.writeQueueSize > 0) return;
    if (this.paused) {
      this.paused = false;
      this.handle.readStart();
    }
    if (this.s.options.mode === 'source') this.pumpSource();
  }

  /** The client's FIN: answer with ours after what is queued, then close (net.Socket's allowHalfOpen off). */
  end(): void {
    if (this.closing || this.finSent) return;
    this.finSent = true;
    const req = this.s.b.newShutdown();
    req.oncomplete = onShutdownDone;
    req.owner = this;
    req.handle = this.handle;
    if (this.handle.shutdown(req) !== 0) this.close();
  }

  fail(code: string): void {
    // A client's RST is how a churn run may close on purpose: counted, not the target's fault.
    bump(this.s.tally.stats.socketErrors, code);
    this.close();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.handle.readStop();
    this.handle.close(onPeerClosed);
  }

  closed(): void {
    const { stats } = this.s.tally;
    stats.open--;
    this.s.peers.delete(this);
    if (this.parser !== null) {
      // The client left before its header was complete: every connection is accounted for, these too.
      this.s.inHeader.delete(this);
      bump(stats.abandoned, this.headerBytes === 0 ? 'before-header' : 'mid-header');
    }
  }
}

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
): Listener {
  const served: Served = { tally, options, b, source, inHeader: new Set(), peers: new Set() };
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
    served.peers.add(new Peer(served, client));
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
  }, HEADER_SWEEP_MS);
  sweep.unref();
  return {
    address: { host: name.address ?? options.host, port: name.port ?? options.port },
    close: () =>
      new Promise((resolve) => {
        clearInterval(sweep);
        for (const peer of served.peers) peer.close();
        server.close(() => resolve());
      }),
  };
}
