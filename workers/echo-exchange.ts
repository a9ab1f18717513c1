/**
 * One echo message at a time per connection: send it (stamped for integrity when messages are long enough), frame
 * what comes back, verify every echo in place, and report the completed round trip. Shared by echo, hold and churn
 * with --churn-echo.
 *
 * Hot path (per message): no allocation. Each connection's send buffer is cut from one slab and stamped in place;
 * an echo is verified in the shared receive buffer, and only one split across reads is gathered (in rx, made at
 * the first split).
 */
import { performance } from 'node:perf_hooks';
import {
  bodyHash,
  markGivenUp,
  type SeqWindow,
  STAMP_BYTES,
  stamp,
  verifyEcho,
} from '../src/worker-contract/integrity.js';
import { fillPayload } from '../src/worker-contract/payload.js';
import type { WorkerPlan } from '../src/worker-contract/plan.js';
import type { ModeTraits } from '../src/worker-contract/traits.js';
import type { Connection } from './mode.js';
import type { Recorder } from './recorder.js';

/** Per-connection echo state; it is its own integrity window (maxSeen, mask, givenUp). */
export interface EchoState extends SeqWindow {
  /** When the outstanding message was written, and when it was due (paced; = written otherwise). */
  sentAtMs: number;
  intendedMs: number;
  /** Bytes of the current echo received so far. */
  pending: number;
  /** A message is outstanding. */
  busy: boolean;
  tx: Buffer | null;
  /** Gathers an echo split across reads; made at the first split (most connections never need one). */
  rx: Buffer | null;
  seq: number;
  /** Paced: intended times of sends owed (ring), allocated when a connection first falls behind. */
  backlog: Float64Array | null;
  backlogHead: number;
  backlogLength: number;
}

export type EchoConnection = Connection<EchoState>;

/** Buffer.copy of a sub-range allocates a view; a few bytes copy cheaper in a loop. */
function copySmall(from: Buffer, at: number, to: Buffer, toAt: number, n: number): void {
  if (n > 64) from.copy(to, toAt, at, at + n);
  else for (let i = 0; i < n; i++) to[toAt + i] = from[at + i];
}

export class EchoExchange {
  private readonly size: number;
  private readonly template: Buffer;
  private readonly checked: boolean;
  private readonly hash: number;
  private readonly slab: Buffer | null;

  /** `slots`: connections that get a slab slot (long-lived modes); churn allocates per connection. */
  constructor(
    private readonly plan: WorkerPlan,
    traits: ModeTraits,
    private readonly recorder: Recorder,
    private readonly receiveBuffer: Buffer,
    private readonly onEcho: (c: EchoConnection, now: number) => void,
  ) {
    this.size = plan.sizeBytes;
    // The payload pattern, shared read-only; each connection stamps its own copy (tx) when integrity is on.
    this.template = Buffer.alloc(this.size);
    fillPayload(this.template, plan.runSeed);
    this.checked = traits.integrity;
    this.hash = this.checked ? bodyHash(this.template, STAMP_BYTES) : 0;
    this.slab = this.checked && traits.longLived ? Buffer.allocUnsafe(plan.conns * this.size) : null;
  }

  newState(id: number): EchoState {
    const s: EchoState = {
      sentAtMs: 0,
      intendedMs: 0,
      pending: 0,
      busy: false,
      tx: null,
      rx: null,
      seq: 0,
      maxSeen: -1,
      mask: 0,
      givenUp: 0,
      backlog: null,
      backlogHead: 0,
      backlogLength: 0,
    };
    if (this.slab) {
      const slot = (id - this.plan.connIdOffset) * this.size;
      s.tx = this.slab.subarray(slot, slot + this.size);
      this.template.copy(s.tx);
    } else if (this.checked) {
      s.tx = Buffer.from(this.template);
    }
    return s;
  }

  /** The next message of `c`, stamped: what the first write carries, or what `send` writes. */
  message(c: EchoConnection): Buffer {
    const s = c.state;
    if (!this.checked || !s.tx) return this.template;
    stamp(s.tx, c.id, s.seq++, this.hash);
    return s.tx;
  }

  /** The message just written is outstanding from now. */
  started(c: EchoConnection, intendedMs: number): void {
    const s = c.state;
    s.sentAtMs = performance.now();
    s.intendedMs = intendedMs < 0 ? s.sentAtMs : intendedMs;
    s.busy = true;
  }

  /** Sends the next message; `intendedMs` is when it was due (paced), or -1 for now. */
  send(c: EchoConnection, intendedMs: number): void {
    const { counters } = this.recorder;
    counters.messagesSent++;
    counters.bytesSent += this.size;
    c.bytesOut += this.size;
    const message = this.message(c);
    // Stamped before the write: on loopback the kernel may deliver the echo during our own write syscall.
    this.started(c, intendedMs);
    c.socket!.write(message);
  }

  onBytes(c: EchoConnection, nread: number): void {
    const s = c.state;
    if (!this.checked || !s.tx) {
      // No stamp to read: bytes complete the outstanding echo; stray bytes are counted, not matched.
      if (!s.busy) return;
      s.pending += nread;
      if (s.pending >= this.size) {
        s.pending = 0;
        this.complete(c);
      }
      return;
    }
    // Frame every message, outstanding or not, so a duplicate or a late echo is verified and counted too. A whole
    // message in the receive buffer is verified where it is; only one split across reads is gathered in rx.
    const size = this.size;
    const buf = this.receiveBuffer;
    let at = 0;
    while (at < nread) {
      let seq: number;
      if (s.pending === 0 && nread - at >= size) {
        seq = verifyEcho(buf, at, this.template, c.id, this.hash, s, this.recorder.counters);
        at += size;
      } else {
        const take = Math.min(nread - at, size - s.pending);
        s.rx ??= Buffer.allocUnsafe(size);
        copySmall(buf, at, s.rx, s.pending, take);
        s.pending += take;
        at += take;
        if (s.pending < size) break;
        s.pending = 0;
        seq = verifyEcho(s.rx!, 0, this.template, c.id, this.hash, s, this.recorder.counters);
      }
      if (s.busy && (seq === s.seq - 1 || seq < 0)) this.complete(c);
    }
  }

  private complete(c: EchoConnection): void {
    const now = performance.now();
    const s = c.state;
    s.busy = false;
    this.recorder.counters.messagesReceived++;
    this.recorder.roundTrip(now, s.intendedMs, s.sentAtMs);
    this.onEcho(c, now);
  }

  /** An echo not back after the echo timeout: counted missing; the connection may move on. */
  giveUp(c: EchoConnection): void {
    const s = c.state;
    if (this.checked) markGivenUp(s, s.seq - 1, this.recorder.counters);
    else this.recorder.counters.missing++;
    s.busy = false;
  }
}
