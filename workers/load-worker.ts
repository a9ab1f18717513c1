/**
 * A load worker (one Piscina task per worker thread, alive for the whole run). It owns its sockets: ramps them up
 * at its share of the connect rate, sends each connection's PROXY header in the same write as its first message
 * (HAProxy rejects a header split over two writes), and after that first echo leaves the session idle until the
 * whole ramp-up is done: echo traffic during the ramp would starve the accept loop of the target and turn a
 * 10,000-connection ramp into a storm of SYN retransmits. On `traffic` every session starts its closed-loop echo,
 * which runs until `stop`. Per message it allocates nothing: one shared payload buffer, one shared receive buffer (`onread`),
 * per-connection state in a preallocated object, latency recorded into HDR histograms.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { emptyCounters, cloneCounters } from '../src/metrics/counters.js';
import { errorKind } from '../src/metrics/errors.js';
import { createHistogram, encodeHistogram } from '../src/metrics/histogram.js';
import { ProxyHeaderWriter } from '../src/proxy/header.js';
import { fillPayload } from '../src/generator/payload.js';
import type { MainToWorker, WorkerReport, WorkerTask, WorkerToMain } from '../src/generator/protocol.js';

/** Grace for in-flight closes after stop before sockets are destroyed. */
const CLOSE_GRACE_MS = 1500;
const RECEIVE_BUFFER_BYTES = 64 * 1024;

interface Connection {
  id: number;
  socket: net.Socket | null;
  connectStartMs: number;
  sentAtMs: number;
  /** Bytes of the current echo received so far. */
  pending: number;
  /** Echo complete, waiting for the traffic phase to send the next message. */
  idle: boolean;
  /** Connected and its first echo came back: the session is open end to end. */
  opened: boolean;
  established: boolean;
  closed: boolean;
}

export default async function loadWorker({ plan, port }: WorkerTask): Promise<WorkerReport> {
  const counters = emptyCounters();
  const rtt = createHistogram();
  const intervalRtt = createHistogram();
  const connectHist = createHistogram();
  const headerSizes: Record<string, number> = {};
  const headers = new ProxyHeaderWriter(plan.proxy, plan.runSeed);
  const sources: string[] = [];
  let headerBuildMs = 0;
  const payload = Buffer.alloc(plan.sizeBytes);
  fillPayload(payload, plan.seed);
  const receiveBuffer = Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES);
  const connections: Connection[] = [];
  const startMs = performance.now();

  let traffic = false;
  let measuring = false;
  let stopping = false;
  let nextToOpen = 0;
  /**
   * Sessions being opened: connecting, or connected but not yet answered. Bounding this (not just connects)
   * keeps a ramp from outrunning the target's accept loop: the kernel completes handshakes on its own, so a
   * connect-only bound lets the target's accept queue overflow and stall sessions for seconds.
   */
  let opening = 0;
  let rampTimer: NodeJS.Timeout | null = null;
  let rampAnnounced = false;
  const post = (msg: WorkerToMain): void => port.postMessage(msg);

  const sendMessage = (c: Connection): void => {
    c.sentAtMs = performance.now();
    c.pending = 0;
    counters.messagesSent++;
    counters.bytesSent += plan.sizeBytes;
    c.socket!.write(payload);
  };

  const onEchoBytes = (c: Connection, nread: number): void => {
    counters.bytesReceived += nread;
    c.pending += nread;
    if (c.pending < plan.sizeBytes) return;
    const us = Math.max(1, Math.round((performance.now() - c.sentAtMs) * 1000));
    counters.messagesReceived++;
    if (!c.opened) {
      c.opened = true;
      opening--;
      pump();
    }
    intervalRtt.recordValue(us);
    if (measuring) rtt.recordValue(us);
    if (stopping) return;
    if (traffic) sendMessage(c);
    else c.idle = true;
  };

  const onClosed = (c: Connection, code: string | undefined): void => {
    if (c.closed) return;
    c.closed = true;
    if (!c.opened) {
      opening--;
      pump();
    }
    if (!c.established) {
      const kind = errorKind(code ?? 'ECONNRESET');
      counters.connectFailed[kind] = (counters.connectFailed[kind] ?? 0) + 1;
      return;
    }
    counters.open--;
    if (!stopping) {
      const kind = errorKind(code ?? 'EOF');
      counters.dropped[kind] = (counters.dropped[kind] ?? 0) + 1;
    }
  };

  const open = (id: number): void => {
    const c: Connection = { id, socket: null, connectStartMs: performance.now(), sentAtMs: 0, pending: 0, idle: false, opened: false, established: false, closed: false };
    connections.push(c);
    counters.attempted++;
    opening++;
    let lastError: string | undefined;
    const socket = net.connect({
      host: plan.host,
      port: plan.port,
      noDelay: true,
      // Reads land in one shared buffer: no allocation per received chunk.
      onread: { buffer: receiveBuffer, callback: (nread: number) => { onEchoBytes(c, nread); return true; } },
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
    socket.once('end', () => { if (!stopping) socket.end(); });
    socket.once('connect', () => {
      const now = performance.now();
      socket.setTimeout(0);
      c.established = true;
      counters.established++;
      counters.open++;
      if (counters.open > counters.peakOpen) counters.peakOpen = counters.open;
      connectHist.recordValue(Math.max(1, Math.round((now - c.connectStartMs) * 1000)));
      if (stopping) { socket.end(); return; }
      // The header is built once per connection, from the socket's real addresses, and leaves in one write
      // together with the first message.
      if (plan.proxy.version !== 'none') {
        const t = performance.now();
        const built = headers.build(c.id, { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
          { address: socket.remoteAddress ?? plan.host, port: socket.remotePort ?? plan.port }, payload);
        headerBuildMs += performance.now() - t;
        counters.headersSent++;
        counters.headerBytes += built.headerLength;
        headerSizes[built.headerLength] = (headerSizes[built.headerLength] ?? 0) + 1;
        if (plan.collectSources && built.claimedSource !== null) sources.push(built.claimedSource);
        c.sentAtMs = performance.now();
        c.pending = 0;
        counters.messagesSent++;
        counters.bytesSent += plan.sizeBytes;
        socket.write(built.bytes);
      } else sendMessage(c);
      pump();
    });
  };

  /** Opens every connection that is due and allowed, then schedules itself for the next one. */
  function pump(): void {
    if (stopping) return;
    const elapsedS = (performance.now() - startMs) / 1000;
    const due = plan.connectRate > 0 ? Math.min(plan.conns, Math.floor(elapsedS * plan.connectRate) + 1) : plan.conns;
    while (nextToOpen < due && opening < plan.maxConnecting) open(plan.connIdOffset + nextToOpen++);
    if (nextToOpen >= plan.conns) {
      if (opening === 0 && !rampAnnounced) {
        rampAnnounced = true;
        post({ type: 'ramped', worker: plan.index, atMs: performance.now() - startMs });
      }
      return;
    }
    if (plan.connectRate > 0 && nextToOpen >= due && rampTimer === null) {
      const waitMs = Math.max(1, ((nextToOpen / plan.connectRate) - elapsedS) * 1000);
      rampTimer = setTimeout(() => { rampTimer = null; pump(); }, waitMs);
    }
  }

  return new Promise<WorkerReport>((resolve) => {
    port.on('message', (msg: MainToWorker) => {
      if (msg.type === 'tick') {
        post({ type: 'snapshot', seq: msg.seq, worker: plan.index, counters: cloneCounters(counters), intervalRtt: encodeHistogram(intervalRtt) });
        intervalRtt.reset();
      } else if (msg.type === 'traffic') {
        traffic = true;
        for (const c of connections) {
          if (c.idle && !c.closed) { c.idle = false; sendMessage(c); }
        }
      } else if (msg.type === 'measure') {
        measuring = true;
      } else if (msg.type === 'stop') {
        measuring = false;
        stopping = true;
        if (rampTimer) clearTimeout(rampTimer);
        void closeAll(connections).then(() => {
          port.close();
          resolve({
            worker: plan.index, counters: cloneCounters(counters), rtt: encodeHistogram(rtt),
            connect: encodeHistogram(connectHist), headerSizes, sources, headerBuildUs: Math.round(headerBuildMs * 1000),
          });
        });
      }
    });
    pump();
  });
}

/** FIN every open connection, wait for the closes, destroy stragglers after a grace period. */
async function closeAll(connections: Connection[]): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const c of connections) {
    if (c.closed || !c.socket) continue;
    const s = c.socket;
    waits.push(new Promise((resolve) => s.once('close', () => resolve())));
    if (c.established) s.end(); else s.destroy();
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
