/**
 * The session lifecycle every mode shares: connect (bound to a source address, with a connect timeout), the
 * PROXY header in the same write as the first message (HAProxy rejects a header split over two writes), errors
 * counted by kind and phase, the ramp (paced by --connect-rate, bounded by --max-connecting), and the closes.
 * What a session does once open is its mode's business (see mode.ts).
 *
 * Hot path: reads land in one shared buffer, so receiving allocates nothing per chunk. Plain TCP to an address
 * runs on a bare libuv handle (tcp-link.ts: a third of a net.Socket's memory, no stream machinery per message);
 * TLS and targets given by name run on net.Socket.
 *
 * Over 300 lines on purpose: connect, TLS, header, ramp, drain and close are one state machine over the same
 * connection fields; the header (header-sender.ts) and TLS (tls-client.ts) details already live apart.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { tcpBindings } from '../src/core/tcp-bindings.js';
import { errorKind, tlsErrorKind } from '../src/instruments/errors.js';
import { type Endpoint, type WorkerPlan, wireId } from '../src/worker-contract/plan.js';
import type { ModeTraits } from '../src/worker-contract/traits.js';
import { HeaderSender } from './header-sender.js';
import type { Connection, Mode, Wire } from './mode.js';
import type { Recorder } from './recorder.js';
import { type LinkHooks, linkFamily, TcpLink } from './tcp-link.js';
import { SMALL_RECORD_BYTES, TlsClient } from './tls-client.js';

/** Grace for in-flight closes after stop before sockets are destroyed. */
const CLOSE_GRACE_MS = 1500;
/** How often the stop looks whether everything in flight has come back. */
const DRAIN_POLL_MS = 2;
const RECEIVE_BUFFER_BYTES = 64 * 1024;
/** --reconnect backoff: the first reopen after this, doubling per failed attempt up to the cap, jittered. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2000;
/** How often connects on bare handles are checked against --connect-timeout (one sweep, not a timer each). */
const CONNECT_SWEEP_MS = 50;
const EMPTY = Buffer.alloc(0);

export class Session<S> {
  readonly connections: Connection<S>[] = [];
  /** Reads of every socket land here; a mode copies out what it must keep. */
  readonly receiveBuffer = Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES);
  readonly startMs = performance.now();
  traffic = false;
  stopping = false;
  /** The drain is over and the sessions are being closed: a first echo now is no longer service. */
  private closing = false;
  /** Sessions connecting or waiting for their first exchange. */
  opening = 0;
  private mode!: Mode<S>;
  private nextToOpen = 0;
  private rampTimer: NodeJS.Timeout | null = null;
  private rampAnnounced = false;
  private readonly reconnectTimers = new Set<NodeJS.Timeout>();
  private readonly headers: HeaderSender;
  private readonly tls: TlsClient | null;
  /** Bare TCP handles, when this Node offers them and the session is plain TCP. */
  private readonly links = tcpBindings();
  private readonly linkHooks: LinkHooks<Connection<S>>;
  /** Per target: 4 or 6 for an address a link can reach, 0 for a name. */
  private readonly targetFamilies: number[];
  private connectSweep: NodeJS.Timeout | null = null;
  /**
   * Connections on bare handles in the order they began connecting (so by start time), from `connectHead` on: the
   * sweep looks at the oldest ones only, never at every session.
   */
  private connectQueue: Connection<S>[] = [];
  private connectHead = 0;
  /** Connections opened and not yet closed; the stop waits for it to reach 0. */
  private live = 0;
  private onAllClosed: (() => void) | null = null;
  readonly traits: ModeTraits;

  constructor(
    readonly plan: WorkerPlan,
    readonly recorder: Recorder,
    private readonly onRamped: (atMs: number) => void,
  ) {
    this.traits = plan.traits;
    this.tls = plan.tls
      ? new TlsClient(plan.tls, plan.mode !== 'stream' && plan.sizeBytes <= SMALL_RECORD_BYTES)
      : null;
    this.headers = new HeaderSender(plan, recorder);
    this.targetFamilies = plan.targets.map((t) => linkFamily(t.host));
    this.linkHooks = {
      connected: (c) => {
        this.recorder.connected(performance.now() - c.connectStartMs);
        this.onEstablished(c, c.socket!, this.plan.targets[c.id % this.plan.targets.length], false);
      },
      bytes: (c, nread) => this.onBytes(c, nread),
      ended: (c) => {
        if (!this.stopping && !c.closedByUs) c.socket!.end();
      },
      drained: (c) => this.mode.onDrain(c),
      closed: (c, code) => this.onClosed(c, code),
    };
  }

  drive(mode: Mode<S>): void {
    this.mode = mode;
  }

  /** Opens what is due: the ramp for long-lived modes, cycles for churn. */
  pump(): void {
    if (!this.stopping) this.mode.pump();
  }

  /** Long-lived modes: opens every connection that is due and allowed, then schedules itself for the next one. */
  ramp(): void {
    const { plan } = this;
    const elapsedS = (performance.now() - this.startMs) / 1000;
    const due = plan.connectRate > 0 ? Math.min(plan.conns, Math.floor(elapsedS * plan.connectRate) + 1) : plan.conns;
    while (this.nextToOpen < due && this.opening < plan.maxConnecting) this.open(plan.connIdOffset + this.nextToOpen++);
    if (this.nextToOpen >= plan.conns) {
      if (this.opening === 0) this.announceRamped();
      return;
    }
    this.scheduleRamp(elapsedS, due, this.nextToOpen);
  }

  /** The ramp is over now; `onRamped` gets the time as an absolute one (timeOrigin + now, ms). */
  announceRamped(): void {
    if (this.rampAnnounced) return;
    this.rampAnnounced = true;
    this.onRamped(performance.timeOrigin + performance.now());
  }

  /** Wakes `pump` when the connect rate allows the next connection. */
  scheduleRamp(elapsedS: number, due: number, done: number): void {
    const rate = this.plan.connectRate;
    if (rate <= 0 || done < due || this.rampTimer !== null) return;
    const waitMs = Math.max(1, (done / rate - elapsedS) * 1000);
    this.rampTimer = setTimeout(() => {
      this.rampTimer = null;
      this.pump();
    }, waitMs);
  }

  /**
   * Opens connection `id`. `replacing`: a reopen (--reconnect) takes the dropped connection's place, so the list
   * stays one entry per planned session however often the target drops them.
   */
  open(localId: number, replacing: Connection<S> | null = null, reconnectAttempt = 0): void {
    const { plan } = this;
    const id = wireId(plan, localId);
    const c: Connection<S> = {
      id,
      localId,
      socket: null,
      tcp: null,
      connectStartMs: performance.now(),
      opened: false,
      established: false,
      closed: false,
      closedByUs: false,
      bytesOut: 0,
      bytesIn: 0,
      measureStartBytes: 0,
      reconnectAttempt,
      state: this.mode.newState(localId),
    };
    const at = replacing ? this.connections.indexOf(replacing) : -1;
    if (at >= 0) this.connections[at] = c;
    else this.connections.push(c);
    if (reconnectAttempt > 0) this.recorder.counters.reconnectAttempts++;
    else this.recorder.counters.attempted++;
    this.opening++;
    this.live++;
    const targetIndex = id % plan.targets.length;
    const target = plan.targets[targetIndex];
    const localAddress = plan.sourceIps.length ? plan.sourceIps[id % plan.sourceIps.length] : undefined;
    const family = this.targetFamilies[targetIndex];
    if (this.links && !this.tls && family !== 0) {
      const { links, linkHooks, receiveBuffer } = this;
      const link = new TcpLink(
        c,
        linkHooks,
        links,
        receiveBuffer,
        target.host,
        target.port,
        family === 6,
        localAddress,
      );
      c.socket = link;
      c.tcp = link;
      this.recorder.counters.bareHandleSessions++;
      this.connectQueue.push(c);
      this.sweepConnects();
      return;
    }
    this.openSocket(c, target, targetIndex, localAddress);
  }

  /** Connects on a bare handle time out by this sweep, which runs while any is opening. */
  private sweepConnects(): void {
    if (this.connectSweep !== null) return;
    this.connectSweep = setInterval(() => {
      const late = this.lateConnects(performance.now() - this.plan.connectTimeoutMs);
      // Timers run before the loop polls for I/O: after a stall (a starved machine), connects the kernel completed
      // long ago are still unread. The verdict waits for this turn's poll (setImmediate runs after it), so only the
      // ones still connecting then time out.
      if (late !== null)
        setImmediate(() => {
          for (const link of late) if (link.isConnecting) link.timedOut();
        });
      if (this.opening === 0 || this.stopping) this.stopConnectSweep();
    }, CONNECT_SWEEP_MS);
  }

  /**
   * The links still connecting that began before `startedBefore` (null when none). The queue is in start order, so
   * the look ends at the first connection started later, and those done connecting leave it from the front.
   */
  private lateConnects(startedBefore: number): TcpLink<Connection<S>>[] | null {
    const queue = this.connectQueue;
    let head = this.connectHead;
    while (head < queue.length && !(queue[head].tcp as TcpLink<Connection<S>>).isConnecting) head++;
    let late: TcpLink<Connection<S>>[] | null = null;
    for (let i = head; i < queue.length && queue[i].connectStartMs < startedBefore; i++) {
      const link = queue[i].tcp as TcpLink<Connection<S>>;
      if (!link.isConnecting) continue;
      late ??= [];
      late.push(link);
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= queue.length) {
      // Churn keeps opening: what is done connecting leaves the array, so it stays as long as what is in flight.
      queue.copyWithin(0, head);
      queue.length -= head;
      head = 0;
    }
    this.connectHead = head;
    return late;
  }

  private stopConnectSweep(): void {
    if (this.connectSweep !== null) clearInterval(this.connectSweep);
    this.connectSweep = null;
    // Nothing is opening (or the run stops): nothing queued is still connecting.
    this.connectQueue.length = 0;
    this.connectHead = 0;
  }

  /** net.Socket: TLS, a target given by name, or a Node without the handle API. */
  private openSocket(c: Connection<S>, target: Endpoint, targetIndex: number, localAddress: string | undefined): void {
    const { plan } = this;
    let lastError: string | undefined;
    let handshaking = false;
    const socket = net.connect({
      host: target.host,
      port: target.port,
      localAddress,
      noDelay: true,
      // Plain TCP: reads land in one shared buffer, no allocation per chunk. TLS reads the socket itself.
      onread: this.tls
        ? undefined
        : { buffer: this.receiveBuffer, callback: (nread: number) => this.onBytes(c, nread) },
    });
    c.socket = socket;
    c.tcp = socket;
    // Bounds the TCP connect and, with TLS, the handshake too.
    socket.setTimeout(plan.connectTimeoutMs);
    socket.once('timeout', () => {
      if (c.established) return;
      lastError = handshaking ? 'TLS_TIMEOUT' : 'ETIMEDOUT';
      socket.destroy();
    });
    const onError = (err: NodeJS.ErrnoException): void => {
      lastError = handshaking ? tlsErrorKind(err.code) : err.code;
    };
    socket.on('error', onError);
    socket.once('close', () => this.onClosed(c, lastError));
    socket.once('connect', () => {
      this.recorder.connected(performance.now() - c.connectStartMs);
      if (!this.tls) {
        this.watch(c, socket);
        this.onEstablished(c, socket, target, false);
        return;
      }
      if (this.stopping) {
        c.closedByUs = true;
        socket.destroy();
        return;
      }
      // The PROXY header goes alone, in the clear, before the ClientHello.
      if (this.plan.proxy.version !== 'none') this.headers.send(c.id, socket, target, EMPTY);
      handshaking = true;
      const tlsStart = performance.now();
      const secure = this.tls.wrap(socket, target, targetIndex, (s) => {
        handshaking = false;
        this.recorder.handshake(performance.now() - tlsStart, s.isSessionReused());
        this.onEstablished(c, s, target, true);
      });
      c.socket = secure;
      secure.on('error', onError);
      secure.on('data', (chunk: Buffer) => this.onChunk(c, chunk));
      this.watch(c, secure);
    });
  }

  /** Peer half-close and write backpressure, on the socket the session writes to. */
  private watch(c: Connection<S>, socket: net.Socket): void {
    socket.once('end', () => {
      if (!this.stopping && !c.closedByUs) socket.end();
    });
    socket.on('drain', () => this.mode.onDrain(c));
  }

  /** TLS: a decrypted chunk, copied into the receive buffer so modes read every session the same way. */
  private onChunk(c: Connection<S>, chunk: Buffer): void {
    const room = this.receiveBuffer.length;
    for (let at = 0; at < chunk.length; at += room) {
      const n = chunk.copy(this.receiveBuffer, 0, at, Math.min(chunk.length, at + room));
      this.onBytes(c, n);
    }
  }

  private onBytes(c: Connection<S>, nread: number): boolean {
    this.recorder.counters.bytesReceived += nread;
    c.bytesIn += nread;
    this.mode.onBytes(c, nread);
    return true;
  }

  /**
   * The session is usable: TCP connected, or with TLS the handshake done. `headerSent`: TLS wrote the PROXY header
   * before its handshake; plain TCP sends it now, in the same write as the first message (HAProxy rejects a header
   * split over two writes).
   */
  private onEstablished(c: Connection<S>, socket: Wire, target: Endpoint, headerSent: boolean): void {
    const { counters } = this.recorder;
    if (c.tcp instanceof net.Socket) c.tcp.setTimeout(0);
    c.established = true;
    // A reopened session is counted apart: `established` stays the planned sessions that ever came up.
    if (c.reconnectAttempt > 0) counters.reconnected++;
    else counters.established++;
    counters.open++;
    if (counters.open > counters.peakOpen) counters.peakOpen = counters.open;
    if (this.stopping) {
      socket.end();
      return;
    }
    const first = this.traits.sendsFirstMessage ? this.mode.firstMessage(c) : EMPTY;
    if (this.plan.proxy.version !== 'none' && !headerSent) this.headers.send(c.id, socket, target, first);
    else if (first.length > 0) socket.write(first);
    if (this.traits.sendsFirstMessage) {
      counters.messagesSent++;
      counters.bytesSent += first.length;
      c.bytesOut += first.length;
      this.mode.afterFirstWrite(c);
    }
    if (this.traits.openOnConnect) this.markOpened(c);
    this.mode.onConnected(c);
    this.pump();
  }

  /** The session is open end to end (connected and, where one is expected, its first exchange done). */
  markOpened(c: Connection<S>): void {
    // Once our closes begin, an ingress at its limit may serve a queued session in a slot ours just freed: that
    // answer came after the run, so the session stays unserved.
    if (c.opened || this.closing) return;
    c.opened = true;
    if (c.reconnectAttempt === 0) this.recorder.counters.opened++;
    this.opening--;
    this.pump();
  }

  /** Closes one session on purpose, FIN or RST as the plan says (an RST is the TCP socket's, under any TLS). */
  close(c: Connection<S>): void {
    c.closedByUs = true;
    if (this.plan.closeStyle === 'rst') c.tcp?.resetAndDestroy();
    else c.socket?.end();
  }

  private onClosed(c: Connection<S>, code: string | undefined): void {
    if (c.closed) return;
    const { counters } = this.recorder;
    c.closed = true;
    if (--this.live === 0 && this.onAllClosed) this.onAllClosed();
    if (!c.opened) this.opening--;
    if (c.established) counters.open--;
    const onPurpose = c.closedByUs && c.established && c.opened && !this.stopping;
    if (onPurpose && this.mode.onCycleDone) this.mode.onCycleDone(c);
    else if (!c.established) {
      // A connect we abandoned ourselves at the stop is not the target's failure, but it is counted: every attempt
      // ends established, failed or abandoned.
      if (this.stopping && c.closedByUs) counters.abandonedAtStop++;
      else {
        if (c.reconnectAttempt > 0) counters.reconnectFailed++;
        else {
          const kind = errorKind(code ?? 'ECONNRESET');
          counters.connectFailed[kind] = (counters.connectFailed[kind] ?? 0) + 1;
        }
      }
    } else if (!this.stopping && !c.closedByUs) {
      const kind = errorKind(code ?? 'EOF');
      counters.dropped[kind] = (counters.dropped[kind] ?? 0) + 1;
    }
    if (this.plan.reconnect && this.traits.longLived && !this.stopping && !c.closedByUs) {
      // Dropped: reopen after the first backoff. A reopen that failed: back off further.
      if (c.established) this.scheduleReconnect(c, 1);
      else if (c.reconnectAttempt > 0) this.scheduleReconnect(c, c.reconnectAttempt + 1);
    }
    // Established, never served, closed at the stop: an ingress kept it waiting (counted once per planned session).
    if (this.stopping && c.established && !c.opened && c.reconnectAttempt === 0 && this.traits.longLived)
      counters.unserved++;
    if (this.stopping && this.traits.echoes && c.established) {
      counters.bytesLostAtClose += Math.max(0, c.bytesOut - c.bytesIn);
    }
    if (!this.stopping) this.mode.onClosed?.(c);
    this.pump();
  }

  private scheduleReconnect(c: Connection<S>, attempt: number): void {
    const backoff = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** (attempt - 1));
    // Jitter in [0.5, 1) of the backoff, from the id and attempt: sessions dropped together do not return together.
    const jitter = 0.5 + 0.5 * (((c.id * 2654435761 + attempt * 40503) >>> 0) / 2 ** 32);
    const timer = setTimeout(() => {
      this.reconnectTimers.delete(timer);
      if (!this.stopping) this.open(c.localId, c, attempt);
    }, backoff * jitter);
    this.reconnectTimers.add(timer);
  }

  startTraffic(): void {
    this.traffic = true;
    this.mode.startTraffic();
  }

  startMeasuring(): void {
    this.recorder.startMeasuring();
    for (const c of this.connections) c.measureStartBytes = c.bytesOut + c.bytesIn;
  }

  /**
   * The graceful stop: no new work, then wait (at most --drain-timeout) until nothing is in flight, so a proxy that
   * closes both sides on our FIN (nginx's default) or an RST close discards nothing; then FIN (or RST) every
   * session, wait for the closes, destroy stragglers after a grace. Bytes still missing at the close count as lost.
   */
  async stop(): Promise<void> {
    this.recorder.stopMeasuring();
    this.stopping = true;
    if (this.rampTimer) clearTimeout(this.rampTimer);
    for (const t of this.reconnectTimers) clearTimeout(t);
    this.reconnectTimers.clear();
    this.mode.stopTraffic();
    this.stopConnectSweep();
    // Connects still under way are abandoned, not waited for: they carry nothing yet.
    for (const c of this.connections) {
      if (!c.established && !c.closed && c.socket) {
        c.closedByUs = true;
        c.socket.destroy();
      }
    }
    const drainStart = performance.now();
    const deadline = drainStart + this.plan.drainTimeoutMs;
    while (!this.mode.drained() && performance.now() < deadline) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    this.recorder.drainMs = performance.now() - drainStart;
    this.recorder.drainTimedOut = !this.mode.drained();
    this.closing = true;
    const allClosed = new Promise<void>((resolve) => {
      if (this.live === 0) resolve();
      else this.onAllClosed = resolve;
    });
    for (const c of this.connections) {
      const s = c.socket;
      if (c.closed || !s) continue;
      c.closedByUs = true;
      if (!c.established) s.destroy();
      else if (this.plan.closeStyle === 'rst') c.tcp!.resetAndDestroy();
      else s.end();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      allClosed,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          for (const c of this.connections) c.socket?.destroy();
          resolve();
        }, CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    // Destroyed sockets emit close on the next tick; let them, so counters are final.
    await new Promise((r) => setImmediate(r));
  }
}
