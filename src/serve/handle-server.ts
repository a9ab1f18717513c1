/** Plain TCP sessions on bare libuv handles (echo-server.ts says why): the PROXY header, then the mode, per Peer. */
import { performance } from 'node:perf_hooks';
import {
  errnoName,
  type HandleRequest,
  shutdownHandle,
  type TcpBindings,
  type TcpHandle,
  UV_EOF,
  writeToHandle,
} from '../core/tcp-bindings.js';
import { ProxyHeaderParser } from '../proxy/parser.js';
import type { EchoServerOptions, TargetTally } from './echo-server.js';
import type { ServiceLine, ServiceQueue } from './service-queue.js';
import type { SessionGate } from './session-gate.js';
import { SLOWDOWN, slowDown } from './slowdown.js';
import { bump } from './stats.js';

/** An echo backlog past this (a client that sends without reading) pauses reading until it drains. */
const ECHO_QUEUE_LIMIT = 1024 * 1024;
/** Echoes up to this size reuse their connection's buffer; larger ones get a fresh copy (rare, and amortized). */
const REUSED_ECHO_BYTES = 4096;
const EMPTY = Buffer.alloc(0);
/** Up to this size a byte loop copies cheaper than Buffer.copy (which makes a view per call). */
const LOOP_COPY_BYTES = 256;

export interface Served {
  tally: TargetTally;
  options: EchoServerOptions;
  b: TcpBindings;
  source: Buffer;
  /** Every connection's reads land here; nothing may keep a reference into it past the read. */
  readBuffer: Buffer;
  /** Connections still reading their PROXY header (the header timeout sweep looks only at these). */
  inHeader: Set<Peer>;
  /** --service-time: connections not read because their line is full, probed by the same sweep (Peer.probe). */
  held: Set<Peer>;
  peers: Set<Peer>;
  /** --service-time: answers wait their turn (service-queue.ts); null answers at once. */
  service: ServiceQueue | null;
  /** --max-sessions: connections past the limit wait here, unread (session-gate.ts); null: no limit. */
  gate: SessionGate<TcpHandle> | null;
}

function onPeerRead(this: TcpHandle): void {
  const peer = this.owner as Peer;
  const { state, readBytes } = peer.s.b;
  const nread = state[readBytes];
  if (nread > 0) peer.onRead(nread);
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

export class Peer {
  parser: ProxyHeaderParser | null = null;
  headerBytes = 0;
  headerDeadline = 0;
  /** This connection's echo buffer (see REUSED_ECHO_BYTES); null while a queued write holds it. */
  private out: Buffer | null = null;
  private paused = false;
  /** --service-time: this connection's line (service-queue.ts); null without. */
  private line: ServiceLine | null = null;
  /** --service-time: its echoes backed up past ECHO_QUEUE_LIMIT, until its write queue is empty again. */
  private backed = false;
  /** --service-time: in the sweep's `held` set (see holdOrRead). */
  private probed = false;
  private finSent = false;
  private closing = false;

  constructor(
    readonly s: Served,
    readonly handle: TcpHandle,
  ) {
    handle.owner = this;
    handle.onread = onPeerRead;
    handle.useUserBuffer(s.readBuffer);
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

  /** `n` bytes in the shared read buffer. */
  onRead(n: number): void {
    if (this.parser === null) {
      this.serveRead(n);
      return;
    }
    // The parser may keep what it was given until the header is complete: it gets its own copy.
    const chunk = Buffer.from(this.s.readBuffer.subarray(0, n));
    this.headerBytes += n;
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
    if (this.s.service && this.s.options.mode === 'echo') this.line = this.s.service.open((c) => this.deliver(c));
    if (rest && this.line) this.serveInTurn(rest);
    else if (rest) this.serve(rest);
  }

  /** --service-time: the echo of `chunk` (its own copy) goes out when its messages have been served, in order. */
  private serveInTurn(chunk: Buffer): void {
    this.s.tally.stats.bytesIn += chunk.length;
    this.s.service!.push(this.line!, chunk);
    this.holdOrRead();
  }

  /** --service-time: `chunk`'s messages are served: its echo goes out (a backed-up one blocks the line). */
  private deliver(chunk: Buffer): void {
    if (this.closing) return;
    this.s.tally.stats.bytesOut += chunk.length;
    this.write(chunk);
    if (!this.backed && this.handle.writeQueueSize > ECHO_QUEUE_LIMIT) {
      this.backed = true;
      this.s.service!.block(this.line!, true);
    }
    this.holdOrRead();
  }

  /** --service-time: not read while its line is full or its echoes back up; read again when neither holds. */
  private holdOrRead(): void {
    if (this.closing) return;
    const hold = this.backed || this.line!.full;
    // Held with no write pending, nothing would notice the client leave: the sweep probes it.
    const probed = hold && !this.backed;
    if (probed !== this.probed) {
      this.probed = probed;
      if (probed) this.s.held.add(this);
      else this.s.held.delete(this);
    }
    if (hold === this.paused) return;
    this.paused = hold;
    if (hold) this.handle.readStop();
    else this.handle.readStart();
  }

  /**
   * --service-time, a held connection: has its client gone? A connection not read and with no write pending hears
   * nothing of a reset (and its receive queue may hold megabytes before it); a zero-length write is refused at once
   * by a reset socket, so its line is dropped within a sweep, not after its backlog is served.
   */
  probe(): void {
    if (this.closing) return;
    const status = writeToHandle(this.s.b, this.handle, EMPTY, this, onWriteDone);
    if (status < 0) this.fail(errnoName(status));
  }

  /** Serves the bytes of a read still in the shared buffer: counted, and echoed from a copy. */
  private serveRead(n: number): void {
    if (this.s.options.mode !== 'echo') {
      this.s.tally.stats.bytesIn += n;
      return;
    }
    const from = this.s.readBuffer;
    if (this.s.service) {
      this.serveInTurn(Buffer.from(from.subarray(0, n)));
      return;
    }
    if (n > REUSED_ECHO_BYTES) {
      this.serve(Buffer.from(from.subarray(0, n)));
      return;
    }
    let out = this.out;
    if (out === null || out.length !== n) out = this.out = Buffer.allocUnsafeSlow(n);
    if (n > LOOP_COPY_BYTES) from.copy(out, 0, 0, n);
    else for (let i = 0; i < n; i++) out[i] = from[i];
    // A write that went to libuv's queue keeps its buffer: the next echo gets a new one.
    if (!this.serve(out) && this.out === out) this.out = null;
  }

  /** Counts `chunk` and echoes it (echo mode); false when its echo was queued, not taken at once. */
  private serve(chunk: Buffer): boolean {
    const stats = this.s.tally.stats;
    stats.bytesIn += chunk.length;
    if (this.s.options.mode !== 'echo') return true;
    const start = SLOWDOWN > 1 ? performance.now() : 0;
    stats.bytesOut += chunk.length;
    const taken = this.write(chunk);
    // Backpressure: a client that sends without reading must not grow this process.
    if (this.handle.writeQueueSize > ECHO_QUEUE_LIMIT && !this.paused) {
      this.paused = true;
      this.handle.readStop();
    }
    if (SLOWDOWN > 1) slowDown(start);
    return taken;
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
    if (this.line) {
      this.backed = false;
      this.s.service!.block(this.line, false);
      this.holdOrRead();
    } else if (this.paused) {
      this.paused = false;
      this.handle.readStart();
    }
    if (this.s.options.mode === 'source') this.pumpSource();
  }

  /** The client's FIN: answer with ours after what is queued, then close (net.Socket's allowHalfOpen off). */
  end(): void {
    if (this.closing || this.finSent) return;
    this.finSent = true;
    if (shutdownHandle(this.s.b, this.handle, this, onShutdownDone) !== 0) this.close();
  }

  fail(code: string): void {
    // A client's RST is how a churn run may close on purpose: counted, not the target's fault.
    bump(this.s.tally.stats.socketErrors, code);
    this.close();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.s.held.delete(this);
    // --service-time: what it queued is dropped now; it costs the server no more time.
    if (this.line) this.s.service!.close(this.line);
    this.handle.readStop();
    this.handle.close(onPeerClosed);
  }

  closed(): void {
    const { stats } = this.s.tally;
    stats.open--;
    this.s.peers.delete(this);
    this.s.gate?.release();
    if (this.parser !== null) {
      // The client left before its header was complete: every connection is accounted for, these too.
      this.s.inHeader.delete(this);
      bump(stats.abandoned, this.headerBytes === 0 ? 'before-header' : 'mid-header');
    }
  }
}
