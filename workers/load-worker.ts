/**
 * A load worker (one Piscina task per worker thread, alive for the whole run). It owns its sockets and ramps them
 * up at its share of the connect rate; each connection sends its PROXY header in the same write as its first
 * message (HAProxy rejects a header split over two writes) and, after that first exchange, waits for the whole
 * ramp to finish: traffic during a ramp would starve the target's accept loop. On `traffic` every connection
 * starts its mode's work (see modes below) until `stop`.
 *
 * Hot path (per message): no allocation. Payload and receive buffers are per connection, cut from one slab;
 * reads land in a shared buffer (`onread`); latencies go into HDR histograms; integrity checks compare in place.
 */
import net, { isIP } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import { cloneCounters, emptyCounters } from '../src/metrics/counters.js';
import { errorKind } from '../src/metrics/errors.js';
import { createHistogram, encodeHistogram } from '../src/metrics/histogram.js';
import { ProxyHeaderWriter } from '../src/proxy/header.js';
import { fillPayload } from '../src/generator/payload.js';
import type { MainToWorker, WorkerReport, WorkerTask, WorkerToMain } from '../src/generator/protocol.js';
import { STAMP_BYTES, bodyHash, integrityEnabled, markGivenUp, stamp, verifyEcho, type SeqWindow } from './integrity.js';

/** Grace for in-flight closes after stop before sockets are destroyed. */
const CLOSE_GRACE_MS = 1500;
const RECEIVE_BUFFER_BYTES = 64 * 1024;
/** Open loop: a send a connection owed while it waited for an echo is late when it leaves this much after its time. */
const LATE_MS = 1;
/** Open loop: intended sends a connection may owe before further ones are counted as missed. */
const BACKLOG_CAPACITY = 64;
const SCHEDULER_TICK_MS = 1;
const ECHO_SWEEP_MS = 100;

interface Connection {
  id: number;
  socket: net.Socket | null;
  connectStartMs: number;
  /** When the outstanding message was written, and when it was meant to be (open loop; = written otherwise). */
  sentAtMs: number;
  intendedMs: number;
  /** Bytes of the outstanding echo received so far. */
  pending: number;
  /** A message is outstanding. */
  busy: boolean;
  /** Connected and its first exchange done: the session is open end to end. */
  opened: boolean;
  established: boolean;
  closed: boolean;
  closedByUs: boolean;
  tx: Buffer | null;
  rx: Buffer | null;
  seq: number;
  win: SeqWindow;
  /** Open loop: intended times of sends owed (ring). */
  backlog: Float64Array | null;
  backlogHead: number;
  backlogLength: number;
  bytesOut: number;
  bytesIn: number;
  /** Stream: bytes moved at the start of the measured phase. */
  measureStartBytes: number;
  writable: boolean;
}

export default async function loadWorker({ plan, port }: WorkerTask): Promise<WorkerReport> {
  const counters = emptyCounters();
  const rtt = createHistogram();
  const service = createHistogram();
  const intervalRtt = createHistogram();
  const connectHist = createHistogram();
  const schedulerLag = createHistogram();
  const headerSizes: Record<string, number> = {};
  const headers = new ProxyHeaderWriter(plan.proxy, plan.runSeed);
  const needsLocal = plan.proxy.src.kind === 'socket' || (plan.proxy.src.kind === 'fixed' && plan.proxy.src.port === null);
  const needsRemote = plan.proxy.dst.kind === 'socket' || (plan.proxy.dst.kind === 'fixed' && plan.proxy.dst.port === null);
  const sources: string[] = [];
  let headerBuildMs = 0;

  const echoLike = plan.mode === 'echo' || plan.mode === 'hold' || (plan.mode === 'connect' && plan.churnEcho);
  const size = plan.sizeBytes;
  const checked = echoLike && integrityEnabled(size);
  // The payload pattern, shared read-only; each connection stamps its own copy (tx) when integrity is on.
  const template = Buffer.alloc(size);
  fillPayload(template, plan.runSeed);
  const hash = checked ? bodyHash(template, STAMP_BYTES) : 0;
  const slab = checked ? Buffer.allocUnsafe(plan.mode === 'connect' ? 0 : plan.conns * size * 2) : null;
  const receiveBuffer = Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES);
  const connections: Connection[] = [];
  const startMs = performance.now();
  const openLoop = plan.ratePerSecond > 0 && (plan.mode === 'echo' || plan.mode === 'hold');

  let traffic = false;
  let measuring = false;
  let stopping = false;
  let nextToOpen = 0;
  let opening = 0;
  let rampTimer: NodeJS.Timeout | null = null;
  let rampAnnounced = false;
  let scheduler: NodeJS.Timeout | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  const post = (msg: WorkerToMain): void => port.postMessage(msg);
  const measureStart = { sent: 0, received: 0 };
  const measured = { sent: 0, received: 0 };

  // ---- messages (echo, hold, churn with echo) ----

  const send = (c: Connection, intendedMs: number): void => {
    const now = performance.now();
    c.sentAtMs = now;
    c.intendedMs = intendedMs;
    c.busy = true;
    counters.messagesSent++;
    counters.bytesSent += size;
    c.bytesOut += size;
    if (checked && c.tx) {
      stamp(c.tx, c.id, c.seq++, hash);
      c.socket!.write(c.tx);
    } else c.socket!.write(template);
  };

  /** The outstanding echo is complete: record it, and send the next one if one is due. */
  const onEcho = (c: Connection): void => {
    const now = performance.now();
    c.busy = false;
    counters.messagesReceived++;
    const us = Math.max(1, Math.round((now - c.intendedMs) * 1000));
    intervalRtt.recordValue(us);
    if (measuring) {
      rtt.recordValue(us);
      if (openLoop) service.recordValue(Math.max(1, Math.round((now - c.sentAtMs) * 1000)));
    }
    if (!c.opened) markOpened(c);
    if (plan.mode === 'connect') { closeCycle(c); return; }
    if (stopping || !traffic) return;
    if (!openLoop) send(c, now);
    else if (c.backlogLength > 0) {
      const intended = c.backlog![c.backlogHead];
      c.backlogHead = (c.backlogHead + 1) % BACKLOG_CAPACITY;
      c.backlogLength--;
      if (now - intended > LATE_MS) counters.late++;
      send(c, intended);
    }
  };

  const onBytes = (c: Connection, nread: number): void => {
    counters.bytesReceived += nread;
    c.bytesIn += nread;
    if (!echoLike) {
      if (!c.opened) markOpened(c);
      return;
    }
    if (!checked || !c.rx) {
      // No stamp to read: bytes complete the outstanding echo; stray bytes are counted, not matched.
      if (!c.busy) return;
      c.pending += nread;
      if (c.pending >= size) { c.pending = 0; onEcho(c); }
      return;
    }
    // Frame every message, outstanding or not, so a duplicate or a late echo is verified and counted too.
    let at = 0;
    while (at < nread) {
      const take = Math.min(nread - at, size - c.pending);
      receiveBuffer.copy(c.rx, c.pending, at, at + take);
      c.pending += take;
      at += take;
      if (c.pending < size) break;
      c.pending = 0;
      const seq = verifyEcho(c.rx, template, c.id, hash, c.win, counters);
      if (c.busy && (seq === c.seq - 1 || seq < 0)) onEcho(c);
    }
  };

  // ---- open-loop scheduler (echo with --rate, hold pings) ----

  /**
   * The k-th send of this worker is due at t0 + k / rate and belongs to connection k mod n, so every connection
   * sends at the same pace, phases spread evenly, with no burst at second boundaries. A connection still waiting
   * for an echo owes the send (its backlog), and sends it the moment the echo returns, measured from when it was due.
   */
  function startScheduler(): void {
    const t0 = performance.now();
    const perMs = plan.ratePerSecond / 1000;
    let k = 0;
    let lastTick = t0;
    const tick = (): void => {
      const now = performance.now();
      schedulerLag.recordValue(Math.max(1, Math.round((now - lastTick - SCHEDULER_TICK_MS) * 1000)));
      lastTick = now;
      while (!stopping) {
        const due = t0 + k / perMs;
        if (due > now) break;
        const c = connections[k % connections.length];
        k++;
        if (!c || c.closed || !c.established || !c.opened) { counters.missed++; continue; }
        // The tick's own lag is the generator's (schedulerLag); `late` is kept for sends a busy connection owed.
        if (!c.busy) send(c, due);
        else if (c.backlogLength < BACKLOG_CAPACITY) {
          // Allocated the first time a connection falls behind: most never do, and 50,000 idle rings add up.
          c.backlog ??= new Float64Array(BACKLOG_CAPACITY);
          c.backlog[(c.backlogHead + c.backlogLength) % BACKLOG_CAPACITY] = due;
          c.backlogLength++;
        } else counters.missed++;
      }
    };
    scheduler = setInterval(tick, SCHEDULER_TICK_MS);
  }

  /** An echo that never comes back would stall a closed loop forever: count it missing and move on. */
  function startEchoSweep(): void {
    sweeper = setInterval(() => {
      const now = performance.now();
      for (const c of connections) {
        if (!c.busy || c.closed || !c.established || now - c.sentAtMs < plan.echoTimeoutMs) continue;
        if (checked) markGivenUp(c.win, c.seq - 1, counters);
        else counters.missing++;
        c.busy = false;
        if (traffic && !stopping && !openLoop) send(c, now);
      }
    }, ECHO_SWEEP_MS);
  }

  // ---- stream ----

  const pumpWrites = (c: Connection): void => {
    const s = c.socket!;
    // Write until the kernel buffer is full, then wait for 'drain': bounded memory, real backpressure.
    while (!stopping && !c.closed && c.writable) {
      counters.bytesSent += size;
      c.bytesOut += size;
      if (!s.write(template)) { c.writable = false; break; }
    }
  };

  // ---- churn ----

  function closeCycle(c: Connection): void {
    c.closedByUs = true;
    if (plan.closeStyle === 'rst') c.socket!.resetAndDestroy();
    else c.socket!.end();
  }

  // ---- connection lifecycle ----

  function markOpened(c: Connection): void {
    c.opened = true;
    opening--;
    pump();
  }

  const onClosed = (c: Connection, code: string | undefined): void => {
    if (c.closed) return;
    c.closed = true;
    if (!c.opened) { opening--; }
    if (c.established) counters.open--;
    // A churn cycle is done when we closed an established session on purpose (an RST close may report an error).
    if (plan.mode === 'connect' && c.closedByUs && c.established && c.opened && !stopping) {
      counters.cycles++;
      if (measuring) counters.measuredCycles++;
    } else if (!c.established) {
      // A connect we abandoned ourselves at the stop is not the target's failure.
      if (stopping && c.closedByUs) { pump(); return; }
      const kind = errorKind(code ?? 'ECONNRESET');
      counters.connectFailed[kind] = (counters.connectFailed[kind] ?? 0) + 1;
    } else if (!stopping && !c.closedByUs) {
      const kind = errorKind(code ?? 'EOF');
      counters.dropped[kind] = (counters.dropped[kind] ?? 0) + 1;
    }
    if (stopping && echoLike && c.established) counters.bytesLostAtClose += Math.max(0, c.bytesOut - c.bytesIn);
    if (plan.mode === 'connect' && !stopping) {
      // Churn keeps its slots busy: a finished cycle makes room for the next connection.
      connections[connections.indexOf(c)] = connections[connections.length - 1];
      connections.pop();
    }
    pump();
  };

  const open = (id: number): void => {
    const c: Connection = {
      id, socket: null, connectStartMs: performance.now(), sentAtMs: 0, intendedMs: 0, pending: 0, busy: false,
      opened: false, established: false, closed: false, closedByUs: false, tx: null, rx: null, seq: 0,
      win: { maxSeen: -1, mask: 0 }, backlog: null, backlogHead: 0,
      backlogLength: 0, bytesOut: 0, bytesIn: 0, measureStartBytes: 0, writable: true,
    };
    if (slab && slab.length > 0) {
      const slot = (id - plan.connIdOffset) * size * 2;
      c.tx = slab.subarray(slot, slot + size);
      c.rx = slab.subarray(slot + size, slot + 2 * size);
      template.copy(c.tx);
    } else if (checked) {
      c.tx = Buffer.from(template);
      c.rx = Buffer.allocUnsafe(size);
    }
    connections.push(c);
    counters.attempted++;
    opening++;
    let lastError: string | undefined;
    const target = plan.targets[id % plan.targets.length];
    const socket = net.connect({
      host: target.host,
      port: target.port,
      localAddress: plan.sourceIps.length ? plan.sourceIps[id % plan.sourceIps.length] : undefined,
      noDelay: true,
      // Reads land in one shared buffer: no allocation per received chunk.
      onread: { buffer: receiveBuffer, callback: (nread: number) => { onBytes(c, nread); return true; } },
    });
    c.socket = socket;
    socket.setTimeout(plan.connectTimeoutMs);
    socket.once('timeout', () => {
      if (c.established) return;
      lastError = 'ETIMEDOUT';
      socket.destroy();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => { lastError = err.code; });
    socket.once('close', () => onClosed(c, lastError));
    socket.once('end', () => { if (!stopping && !c.closedByUs) socket.end(); });
    socket.on('drain', () => { c.writable = true; if (traffic && plan.mode === 'stream') pumpWrites(c); });
    socket.once('connect', () => onConnect(c, socket, target));
  };

  function onConnect(c: Connection, socket: net.Socket, target: { host: string; port: number }): void {
    const now = performance.now();
    socket.setTimeout(0);
    c.established = true;
    counters.established++;
    counters.open++;
    if (counters.open > counters.peakOpen) counters.peakOpen = counters.open;
    connectHist.recordValue(Math.max(1, Math.round((now - c.connectStartMs) * 1000)));
    if (stopping) { socket.end(); return; }
    // What the first write carries: a message for echo-like modes and stream up/both; nothing (just the header)
    // for stream down and churn without echo.
    const sendsMessage = echoLike || (plan.mode === 'stream' && plan.direction !== 'down');
    const first = sendsMessage ? (checked && c.tx ? (stamp(c.tx, c.id, c.seq++, hash), c.tx) : template) : EMPTY;
    if (plan.proxy.version !== 'none') {
      const t = performance.now();
      // socket.localAddress / remoteAddress are getsockname / getpeername system calls: ask only when the
      // header claims the socket's own endpoints (and a target given as an IP is its own remote address).
      const local = needsLocal ? { address: socket.localAddress ?? '', port: socket.localPort ?? 0 } : NO_ENDPOINT;
      const remote = !needsRemote ? NO_ENDPOINT : isIP(target.host) ? { address: target.host, port: target.port } : { address: socket.remoteAddress ?? target.host, port: socket.remotePort ?? target.port };
      const built = headers.build(c.id, local, remote, first);
      headerBuildMs += performance.now() - t;
      counters.headersSent++;
      counters.headerBytes += built.headerLength;
      headerSizes[built.headerLength] = (headerSizes[built.headerLength] ?? 0) + 1;
      if (plan.collectSources && built.claimedSource !== null) sources.push(built.claimedSource);
      socket.write(built.bytes);
    } else if (first.length > 0) socket.write(first);
    if (sendsMessage) {
      c.sentAtMs = c.intendedMs = performance.now();
      c.busy = echoLike;
      counters.messagesSent++;
      counters.bytesSent += size;
      c.bytesOut += size;
    }
    // Sessions with nothing to wait for are open once connected (stream up sends into a sink; churn closes now).
    if (!echoLike && !(plan.mode === 'stream' && plan.direction !== 'up')) markOpened(c);
    if (plan.mode === 'connect' && !plan.churnEcho) closeCycle(c);
    pump();
  }

  /** Opens every connection that is due and allowed, then schedules itself for the next one. */
  function pump(): void {
    if (stopping) return;
    if (plan.mode === 'connect') { pumpChurn(); return; }
    const elapsedS = (performance.now() - startMs) / 1000;
    const due = plan.connectRate > 0 ? Math.min(plan.conns, Math.floor(elapsedS * plan.connectRate) + 1) : plan.conns;
    while (nextToOpen < due && opening < plan.maxConnecting) open(plan.connIdOffset + nextToOpen++);
    if (nextToOpen >= plan.conns) {
      if (opening === 0 && !rampAnnounced) {
        rampAnnounced = true;
        const atMs = performance.now() - startMs;
        collectGarbage();
        post({ type: 'ramped', worker: plan.index, atMs });
      }
      return;
    }
    scheduleRamp(elapsedS, due);
  }

  /** Churn: keep `conns` cycles in flight (at the connect rate, if any) from the traffic phase on. */
  let churnStartMs = 0;
  let churnOpened = 0;
  function pumpChurn(): void {
    if (!traffic) {
      if (!rampAnnounced) { rampAnnounced = true; post({ type: 'ramped', worker: plan.index, atMs: 0 }); }
      return;
    }
    const elapsedS = (performance.now() - churnStartMs) / 1000;
    const due = plan.connectRate > 0 ? Math.floor(elapsedS * plan.connectRate) + 1 : Infinity;
    while (churnOpened < due && connections.length < plan.conns && opening < plan.maxConnecting) {
      // Ids keep growing, interleaved across workers, so pools and targets rotate over the whole run.
      open(plan.index + churnOpened++ * plan.idStride);
    }
    if (plan.connectRate > 0 && churnOpened >= due) scheduleRamp(elapsedS, due, churnOpened);
  }

  function scheduleRamp(elapsedS: number, due: number, done = nextToOpen): void {
    if (plan.connectRate <= 0 || done < due || rampTimer !== null) return;
    const waitMs = Math.max(1, ((done / plan.connectRate) - elapsedS) * 1000);
    rampTimer = setTimeout(() => { rampTimer = null; pump(); }, waitMs);
  }

  function startTraffic(): void {
    traffic = true;
    if (plan.mode === 'connect') { churnStartMs = performance.now(); pump(); return; }
    if (plan.mode === 'stream') {
      if (plan.direction !== 'down') for (const c of connections) if (c.established && !c.closed) pumpWrites(c);
      return;
    }
    if (openLoop) startScheduler();
    else for (const c of connections) if (c.established && !c.closed && !c.busy) send(c, performance.now());
    startEchoSweep();
  }

  return new Promise<WorkerReport>((resolve) => {
    port.on('message', (msg: MainToWorker) => {
      if (msg.type === 'go') {
        pump();
      } else if (msg.type === 'tick') {
        post({ type: 'snapshot', seq: msg.seq, worker: plan.index, counters: cloneCounters(counters), intervalRtt: encodeHistogram(intervalRtt) });
        intervalRtt.reset();
      } else if (msg.type === 'traffic') {
        startTraffic();
      } else if (msg.type === 'measure') {
        measuring = true;
        measureStart.sent = counters.bytesSent;
        measureStart.received = counters.bytesReceived;
        for (const c of connections) c.measureStartBytes = c.bytesOut + c.bytesIn;
      } else if (msg.type === 'stop') {
        if (measuring) {
          measured.sent = counters.bytesSent - measureStart.sent;
          measured.received = counters.bytesReceived - measureStart.received;
        }
        measuring = false;
        stopping = true;
        const perConnectionBytes = plan.mode === 'stream'
          ? connections.filter((c) => c.established).map((c) => c.bytesOut + c.bytesIn - c.measureStartBytes)
          : [];
        for (const t of [rampTimer, scheduler, sweeper]) if (t) clearTimeout(t);
        void closeAll(connections, plan.closeStyle).then(() => {
          port.close();
          resolve({
            worker: plan.index, counters: cloneCounters(counters), rtt: encodeHistogram(rtt), service: encodeHistogram(service),
            connect: encodeHistogram(connectHist), schedulerLag: encodeHistogram(schedulerLag), headerSizes, sources,
            headerBuildUs: Math.round(headerBuildMs * 1000), perConnectionBytes,
            measuredBytesSent: measured.sent, measuredBytesReceived: measured.received,
          });
        });
      }
    });
    collectGarbage();
    post({ type: 'ready', worker: plan.index });
  });
}

/**
 * A full collection, so memory-per-connection figures hold live objects only. `gc` is exposed at run time
 * (V8 flags are process-wide; a fresh context then carries the function); off the hot path, twice per run.
 */
function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch { /* best effort: figures then include garbage */ }
}

const EMPTY = Buffer.alloc(0);
/** Stands in for an endpoint the header does not use. */
const NO_ENDPOINT = { address: '0.0.0.0', port: 0 };

/** FIN (or RST) every open connection, wait for the closes, destroy stragglers after a grace period. */
async function closeAll(connections: Connection[], style: 'fin' | 'rst'): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const c of connections) {
    if (c.closed || !c.socket) continue;
    const s = c.socket;
    waits.push(new Promise((resolve) => s.once('close', () => resolve())));
    c.closedByUs = true;
    if (!c.established) s.destroy();
    else if (style === 'rst') s.resetAndDestroy();
    else s.end();
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(waits),
    new Promise<void>((resolve) => { timer = setTimeout(() => { for (const c of connections) c.socket?.destroy(); resolve(); }, CLOSE_GRACE_MS); }),
  ]);
  clearTimeout(timer);
  // Destroyed sockets emit close on the next tick; let them so counters are final.
  await new Promise((r) => setImmediate(r));
}
