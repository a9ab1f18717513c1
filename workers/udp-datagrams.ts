/**
 * Per flow, what a UDP flow sends and what came back: each flow's ring of send buffers (its datagram header copied
 * in once, the run's body pattern filled once, the stamp written in place per datagram), the time each datagram was
 * due, and on the way back the stamp verified where the datagram landed, the flow tracker (loss, reorder,
 * duplicates, late, corrupt) and, for stream, RFC 3550 jitter. Kept apart from the sockets (udp-flows.ts) so the
 * per-datagram path is measured on its own (test/unit/udp-engine.test.ts counts collections over it).
 *
 * Hot path (per datagram): no allocation of ours. A send the kernel cannot take at once stays queued in libuv with
 * our buffer, so the next stamp goes into the next buffer of the ring; with every buffer still queued the send is
 * skipped and counted (datagramsNotSent), never written over bytes the kernel has yet to read.
 */
import { performance } from 'node:perf_hooks';
import { FlowTracker } from '../src/udp/flow-tracker.js';
import { JitterTracker } from '../src/udp/jitter.js';
import { fillBody, stampFlow, stampSentMs, stampSeq, verifyStamp, writeStamp } from '../src/udp/stamp.js';
import type { Recorder } from './recorder.js';

/** Send buffers per flow: sends queued in the kernel at once before the next one waits. */
export const SEND_RING = 4;
/** Sequence numbers a flow's tracker remembers (the reorder window). */
export const SEQ_WINDOW = 64;
/** Due times a flow remembers: a second of its sends (at least 64, at most 4,096), for answers that take that long. */
export function dueWindow(perFlowPerSecond: number): number {
  return Math.min(4096, Math.max(SEQ_WINDOW, Math.ceil(perFlowPerSecond)));
}

/** A flow gone silent: its wire id and when it went silent (absolute ms). */
export interface SilentFlow {
  id: number;
  atMs: number;
}

/** How an answer came back (for the caller's closed loop): its sequence number, or -1 when it completes nothing. */
export type Answer = number;

export class DatagramLedger {
  readonly tracker: FlowTracker;
  readonly jitter: JitterTracker | null;
  /** Per flow: the ring's views (SEND_RING each, made once at the flow's start), and the next slot. */
  private readonly ring: (Buffer | null)[];
  private readonly slot: Uint8Array;
  private readonly headerLength: Uint16Array;
  /** Per flow: datagrams sent (the next sequence number). */
  readonly sent: Float64Array;
  /** Per flow and seq % dueWindow: when it was due (paced) or sent. */
  private readonly dueMs: Float64Array;
  private readonly template: Buffer;
  private readonly hash: number;

  constructor(
    readonly flows: number,
    private readonly size: number,
    seed: number,
    echoTimeoutMs: number,
    stream: boolean,
    private readonly recorder: Recorder,
    private readonly window = SEQ_WINDOW,
  ) {
    this.tracker = new FlowTracker(flows, SEQ_WINDOW, echoTimeoutMs);
    this.jitter = stream ? new JitterTracker(flows) : null;
    this.ring = new Array(flows * SEND_RING).fill(null);
    this.slot = new Uint8Array(flows);
    this.headerLength = new Uint16Array(flows);
    this.sent = new Float64Array(flows);
    this.dueMs = new Float64Array(flows * window);
    this.template = Buffer.alloc(size);
    this.hash = fillBody(this.template, 0, size, seed);
  }

  /** A flow starts: its send buffers, each its header (built once for the flow) then the body pattern. */
  open(flow: number, header: Buffer): void {
    const length = header.length + this.size;
    const block = Buffer.allocUnsafe(SEND_RING * length);
    for (let k = 0; k < SEND_RING; k++) {
      const view = block.subarray(k * length, (k + 1) * length);
      header.copy(view, 0);
      this.template.copy(view, header.length);
      this.ring[flow * SEND_RING + k] = view;
    }
    this.headerLength[flow] = header.length;
  }

  /**
   * The next datagram of `flow` (wire id `id`), stamped now, due at `intendedMs`; null when each of the ring's
   * buffers is still queued (`queued`: the socket's send queue count), counted as not sent.
   */
  next(flow: number, id: number, intendedMs: number, now: number, queued: number): Buffer | null {
    const c = this.recorder.counters;
    if (queued >= SEND_RING) {
      c.datagramsNotSent++;
      return null;
    }
    const k = this.slot[flow];
    this.slot[flow] = (k + 1) % SEND_RING;
    const tx = this.ring[flow * SEND_RING + k]!;
    const seq = this.sent[flow]++;
    this.dueMs[flow * this.window + (seq % this.window)] = intendedMs < 0 ? now : intendedMs;
    writeStamp(tx, this.headerLength[flow], id, seq, now, this.size, this.hash);
    c.datagramsSent++;
    c.messagesSent++;
    c.bytesSent += tx.length;
    return tx;
  }

  /**
   * An answer on `flow`'s socket, at `now`: verified in place and tracked. Returns its sequence number when it is
   * a first arrival (a round trip), else -1 (corrupt, duplicate, late).
   */
  receive(flow: number, id: number, rx: Buffer, now: number): Answer {
    const c = this.recorder.counters;
    c.bytesReceived += rx.length;
    const verdict = verifyStamp(rx, 0, rx.length, this.template, 0, this.hash);
    if (verdict !== 'ok' || stampFlow(rx, 0) !== id >>> 0) {
      this.tracker.markCorrupt(flow);
      c.datagramsCorrupt++;
      return -1;
    }
    const seq = stampSeq(rx, 0);
    if (seq >= this.sent[flow]) {
      // Verified, yet never sent by this flow: another run's or another flow's bytes with a valid stamp.
      this.tracker.markCorrupt(flow);
      c.datagramsCorrupt++;
      return -1;
    }
    const arrival = this.tracker.receive(flow, seq, now);
    if (arrival === 3) {
      c.datagramsDuplicated++;
      return -1;
    }
    if (arrival === 4) {
      c.datagramsLate++;
      return -1;
    }
    if (arrival === 2) c.datagramsReordered++;
    c.datagramsReceived++;
    c.messagesReceived++;
    const sentMs = stampSentMs(rx, 0);
    this.jitter?.arrive(flow, sentMs, now);
    // The due time is known for the last `window` sent; an answer older than that is measured from its send.
    const w = this.window;
    const due = this.sent[flow] - seq <= w ? this.dueMs[flow * w + (seq % w)] : sentMs;
    this.recorder.roundTrip(now, due, sentMs);
    return seq;
  }

  /** Gives up on what is overdue (a tick's work, not a datagram's); the lost count follows the tracker. */
  sweep(now: number): void {
    this.tracker.sweep(now);
    this.syncLost();
  }

  /** The run is over: on every flow, what never came back is lost. */
  closeAll(): void {
    for (let flow = 0; flow < this.flows; flow++) this.tracker.close(flow, this.sent[flow]);
    this.syncLost();
  }

  /** Every datagram sent has come back or been given up on: nothing left to wait for. */
  settled(): boolean {
    const t = this.tracker;
    for (let flow = 0; flow < this.flows; flow++)
      if (t.pending(flow) > 0 || t.highestSeq(flow) < this.sent[flow] - 1) return false;
    return true;
  }

  /**
   * The first `most` flows silent at `now` (answered before, nothing for `quietMs`): wire id (`idOf` the flow) and
   * when each went silent, as an absolute time (timeOrigin + now, ms).
   */
  silentExamples(now: number, quietMs: number, most: number, idOf: (flow: number) => number): SilentFlow[] {
    const out: SilentFlow[] = [];
    const last = this.tracker.lastArrivalMs;
    for (let flow = 0; flow < this.flows && out.length < most; flow++)
      if (last[flow] >= 0 && now - last[flow] > quietMs)
        out.push({ id: idOf(flow), atMs: performance.timeOrigin + last[flow] });
    return out;
  }

  /** The tracker counts loss in several places (a gap pushed out of the window, the sweep, the close): its sum. */
  private syncLost(): void {
    let lost = 0;
    for (let flow = 0; flow < this.flows; flow++) lost += this.tracker.lost[flow];
    this.recorder.counters.datagramsLost = lost;
  }
}
