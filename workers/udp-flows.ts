/**
 * UDP flows (--udp): the session lifecycle of the TCP modes (session.ts) for datagrams. Each flow is its own
 * connected dgram socket, so its own source port (bound to --source-ips in turn), with its datagram header built
 * once; the ramp opens flows as the TCP ramp opens sessions (--connect-rate, --max-connecting) and each sends its
 * first datagram: a flow is open (served) once one comes back. Then by mode:
 * - echo: a closed loop per flow (the next datagram when the last is back, or after --echo-timeout: a datagram not
 *   back by then is not waited for), or with --rate the shared open-loop pacer (pacer.ts), which never holds a send
 *   back for an outstanding one (datagrams do not queue behind each other);
 * - hold: the pacer pings every flow once per --ping-interval, so an ingress keeps every flow's entry;
 * - stream: the pacer at the offered rate, reflected by the echo target; jitter per RFC 3550.
 * Loss, reordering, duplicates, late and corrupt answers are counted by the ledger (udp-datagrams.ts); a flow
 * answered before and silent for longer than its quiet time is a silent flow, with the time it went silent.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { errorKind } from '../src/instruments/errors.js';
import { type WorkerPlan, wireId } from '../src/worker-contract/plan.js';
import type { UdpFlowsReport } from '../src/worker-contract/protocol.js';
import type { WorkerDriver } from './mode.js';
import { Pacer } from './pacer.js';
import type { Recorder } from './recorder.js';
import { DatagramLedger, dueWindow } from './udp-datagrams.js';
import { type Flow, newFlow } from './udp-flow.js';
import { DatagramHeaders } from './udp-headers.js';

/** How often overdue datagrams are given up on (and a closed loop moves on). */
const SWEEP_MS = 50;
/** The stop looks whether everything is back this often: 2 ms, 1 ms more per 1,000 flows (each look reads them all). */
const DRAIN_POLL_MS = 2;
/** SO_RCVBUF a stream flow asks for (the kernel caps it at net.core.rmem_max, and doubles it). */
const STREAM_RECEIVE_BUFFER = 4 * 1024 * 1024;
/** Silent flows the report names, with when each went silent. */
const SILENT_EXAMPLES = 20;

export class UdpFlows implements WorkerDriver {
  readonly flows: Flow[] = [];
  readonly ledger: DatagramLedger;
  private readonly headers: DatagramHeaders;
  private readonly pacer: Pacer<Flow> | null;
  private readonly startMs = performance.now();
  private readonly quietMs: number;
  private traffic = false;
  private stopping = false;
  private opening = 0;
  private nextToOpen = 0;
  private rampAnnounced = false;
  private rampTimer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly measureStart = { sent: 0, received: 0 };
  private readonly measured = { sent: 0, received: 0 };
  private silent: { id: number; atMs: number }[] = [];

  constructor(
    readonly plan: WorkerPlan,
    private readonly recorder: Recorder,
    private readonly onRamped: (atMs: number) => void,
  ) {
    const perFlowPerSecond = plan.ratePerSecond > 0 ? plan.ratePerSecond / plan.conns : 0;
    this.ledger = new DatagramLedger(
      plan.conns,
      plan.sizeBytes,
      plan.runSeed,
      plan.echoTimeoutMs,
      plan.mode === 'stream',
      recorder,
      dueWindow(perFlowPerSecond),
    );
    this.headers = new DatagramHeaders(plan, recorder);
    this.pacer = plan.traits.paced ? new Pacer(plan.ratePerSecond, this.flows, this, recorder) : null;
    // Paced: the measured window counts the sends due in it and their answers (recorder.ts, byDue).
    recorder.byDue = this.pacer !== null;
    // Silent: more unanswered in a row than loss explains. Paced, a flow sends every perFlowMs: nothing back for
    // three of those past the echo timeout. A closed loop sends the next one an echo timeout after a loss: nothing
    // back for two echo timeouts (two lost in a row).
    const perFlowMs = plan.ratePerSecond > 0 ? (plan.conns * 1000) / plan.ratePerSecond : 0;
    this.quietMs = perFlowMs > 0 ? plan.echoTimeoutMs + 3 * perFlowMs : 2 * plan.echoTimeoutMs;
  }

  pump(): void {
    if (this.stopping) return;
    const { plan } = this;
    if (this.sweeper === null) this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    const elapsedS = (performance.now() - this.startMs) / 1000;
    const due = plan.connectRate > 0 ? Math.min(plan.conns, Math.floor(elapsedS * plan.connectRate) + 1) : plan.conns;
    while (this.nextToOpen < due && this.opening < plan.maxConnecting) this.open(this.nextToOpen++);
    if (this.nextToOpen >= plan.conns) {
      if (this.opening === 0 && !this.rampAnnounced) {
        this.rampAnnounced = true;
        this.onRamped(performance.timeOrigin + performance.now());
      }
      return;
    }
    if (plan.connectRate > 0 && this.nextToOpen >= due && this.rampTimer === null) {
      const waitMs = Math.max(1, (this.nextToOpen / plan.connectRate - elapsedS) * 1000);
      this.rampTimer = setTimeout(() => {
        this.rampTimer = null;
        this.pump();
      }, waitMs);
    }
  }

  private open(index: number): void {
    const { plan } = this;
    const id = wireId(plan, plan.connIdOffset + index);
    const flow = newFlow(id, index);
    this.flows.push(flow);
    this.recorder.counters.attempted++;
    this.opening++;
    const target = plan.targets[id % plan.targets.length];
    const socket = dgram.createSocket({
      type: isIPv6(target.host) ? 'udp6' : 'udp4',
      // A stream's answers come in bursts when this worker stalls: room for them (capped by net.core.rmem_max).
      ...(plan.mode === 'stream' && { recvBufferSize: STREAM_RECEIVE_BUFFER }),
    });
    flow.socket = socket;
    socket.on('error', (err: NodeJS.ErrnoException) => this.onError(flow, err));
    socket.on('message', (msg: Buffer) => this.onMessage(flow, msg));
    const local = plan.sourceIps.length ? plan.sourceIps[id % plan.sourceIps.length] : undefined;
    socket.bind({ port: 0, address: local }, () => {
      // A name that does not resolve comes back here, not as an 'error' event: the flow failed to open (ENOTFOUND).
      socket.connect(target.port, target.host, (err?: Error) =>
        err ? this.onError(flow, err as NodeJS.ErrnoException) : this.onConnected(flow, target),
      );
    });
  }

  private onConnected(flow: Flow, target: { host: string; port: number }): void {
    const c = this.recorder.counters;
    flow.established = true;
    c.established++;
    c.open++;
    if (c.open > c.peakOpen) c.peakOpen = c.open;
    this.ledger.open(flow.index, this.headers.build(flow.id, flow.socket!, target));
    if (this.stopping) return;
    this.send(flow, -1);
    flow.state.waiting = true;
  }

  /** Before a flow established, an error is its failure to open; after, a datagram error counted by kind. */
  private onError(flow: Flow, err: NodeJS.ErrnoException): void {
    const c = this.recorder.counters;
    const kind = errorKind(err.code ?? 'EIO');
    if (!flow.established) {
      c.connectFailed[kind] = (c.connectFailed[kind] ?? 0) + 1;
      if (!flow.closed) {
        flow.closed = true;
        this.opening--;
        flow.socket?.close();
        this.pump();
      }
      return;
    }
    c.datagramErrors[kind] = (c.datagramErrors[kind] ?? 0) + 1;
  }

  /** Sends the next datagram of `flow`, due at `intendedMs` (-1: now). The pacer calls it too. */
  send(flow: Flow, intendedMs: number): void {
    const socket = flow.socket;
    if (socket === null || flow.closed) return;
    const now = performance.now();
    const tx = this.ledger.next(flow.index, flow.id, intendedMs, now, socket.getSendQueueCount());
    if (tx === null) return;
    flow.state.sentAtMs = now;
    socket.send(tx);
  }

  private onMessage(flow: Flow, msg: Buffer): void {
    const now = performance.now();
    const seq = this.ledger.receive(flow.index, flow.id, msg, now);
    if (seq < 0) return;
    const s = flow.state;
    if (!s.answered) this.markAnswered(flow);
    if (!s.waiting || seq !== this.ledger.sent[flow.index] - 1) return;
    s.waiting = false;
    if (this.traffic && !this.stopping && this.pacer === null) this.closedLoopNext(flow);
  }

  private closedLoopNext(flow: Flow): void {
    this.send(flow, -1);
    flow.state.waiting = true;
  }

  /** Its first answer: the flow is served (counted as opened); the ramp stops waiting for it if it still did. */
  private markAnswered(flow: Flow): void {
    flow.state.answered = true;
    this.recorder.counters.opened++;
    if (!flow.state.gaveUp) {
      flow.opened = true;
      this.opening--;
      this.pump();
    }
  }

  /** Overdue datagrams given up on; a closed loop whose datagram is overdue moves on; the ramp does not wait. */
  private sweep(): void {
    const now = performance.now();
    this.ledger.sweep(now);
    const timeout = this.plan.echoTimeoutMs;
    let rampMoved = false;
    for (const flow of this.flows) {
      const s = flow.state;
      if (!s.waiting || flow.closed || now - s.sentAtMs < timeout) continue;
      s.waiting = false;
      if (!s.answered && !s.gaveUp) {
        // The ramp goes on without it; the pacer sends it its share all the same (an open loop's offered load
        // does not depend on what came back), and a closed loop its next datagram.
        s.gaveUp = true;
        flow.opened = true;
        this.opening--;
        rampMoved = true;
      }
      if (this.traffic && !this.stopping && this.pacer === null) this.closedLoopNext(flow);
    }
    if (rampMoved) this.pump();
  }

  startTraffic(): void {
    this.traffic = true;
    if (this.pacer) this.pacer.start();
    else
      for (const flow of this.flows)
        if (flow.established && !flow.closed && !flow.state.waiting) this.closedLoopNext(flow);
  }

  startMeasuring(): void {
    this.recorder.startMeasuring();
    const c = this.recorder.counters;
    this.measureStart.sent = c.datagramsSent;
    this.measureStart.received = c.datagramsReceived;
  }

  /** Once a second, before the snapshot: the silent flows now. */
  beforeSnapshot(): void {
    this.recorder.counters.silentFlows = this.ledger.tracker.silentFlows(performance.now(), this.quietMs);
  }

  /**
   * The stop: no new datagram; wait (at most --echo-timeout) for what is in flight; then every datagram not back is
   * lost, the silent flows are named, and the sockets close.
   */
  async stop(): Promise<void> {
    const c = this.recorder.counters;
    if (this.recorder.measuring) {
      this.measured.sent = c.datagramsSent - this.measureStart.sent;
      this.measured.received = c.datagramsReceived - this.measureStart.received;
    }
    this.recorder.stopMeasuring();
    this.stopping = true;
    if (this.rampTimer) clearTimeout(this.rampTimer);
    this.pacer?.stop();
    if (this.sweeper) clearInterval(this.sweeper);
    const stopAt = performance.now();
    // Answers already waiting in the sockets are read first (a starved thread may not have got to them): a flow is
    // silent for what its peer did, not for how late this thread read its socket.
    await new Promise((r) => setImmediate(r));
    this.nameSilent(stopAt);
    const deadline = stopAt + this.plan.echoTimeoutMs;
    while (!this.ledger.settled() && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS + this.flows.length / 1000));
      this.ledger.sweep(performance.now());
    }
    this.recorder.drainMs = performance.now() - stopAt;
    this.recorder.drainTimedOut = !this.ledger.settled();
    this.ledger.closeAll();
    for (const flow of this.flows) {
      if (flow.established && !flow.state.answered) c.unserved++;
      if (flow.closed) continue;
      flow.closed = true;
      if (flow.established) c.open--;
      flow.socket?.close();
    }
    await new Promise((r) => setImmediate(r));
  }

  /** The flows silent at the stop, counted, and the first few with when each went silent. */
  private nameSilent(now: number): void {
    this.recorder.counters.silentFlows = this.ledger.tracker.silentFlows(now, this.quietMs);
    this.silent = this.ledger.silentExamples(now, this.quietMs, SILENT_EXAMPLES, (index) => this.flows[index].id);
  }

  streamFairness(): null {
    return null;
  }

  report(): UdpFlowsReport {
    return {
      measuredSent: this.measured.sent,
      measuredReceived: this.measured.received,
      jitterMs: this.ledger.jitter?.meanMs() ?? null,
      quietMs: this.quietMs,
      silent: this.silent,
    };
  }
}
