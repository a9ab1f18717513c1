/**
 * What arrived of each flow's datagrams, counted exactly: per flow a ring of the last `window` sequence numbers below
 * the highest seen, each slot empty, missing (with the time it is given up), seen or given up. Preallocated typed
 * arrays, indexed by flow (5 bytes a slot and 68 of counters: about 390 B a flow at the default window of 64), so
 * a datagram costs no allocation:
 * - a sequence number above the highest is new; the ones it skipped become missing, due within `timeoutMs` of
 *   this arrival (they were sent before it: a reordering tolerance that needs no clock shared with the sender);
 * - a missing one that arrives is `reordered`; one seen already is a `duplicate`;
 * - a missing one past its time (`sweep`), or pushed out of the window by newer ones, is `lost`; if it arrives after
 *   all it is `late` and stays lost, as a TCP echo past --echo-timeout does;
 * - below the window nothing is known of it any more: `late` too (it was counted lost when it left the window);
 * - `corrupt` is the caller's (a stamp that failed verifyStamp: its own flow and seq are not trusted; the caller
 *   knows the flow from the socket it arrived on). Its sequence number stays missing, so it is counted lost too:
 *   what arrived could not be read, as an application would discard it.
 * `close` counts what the sender sent after the last arrival (tail loss: a receiver cannot see it by itself).
 */

/** How `receive` classified a datagram. */
export const ARRIVAL = { NEW: 0, AFTER_GAP: 1, REORDERED: 2, DUPLICATE: 3, LATE: 4 } as const;
export type Arrival = (typeof ARRIVAL)[keyof typeof ARRIVAL];

const EMPTY = 0;
const MISSING = 1;
const SEEN = 2;
const GIVEN_UP = 3;

/** A flow's counts (or their sum over flows). */
export interface FlowCounts {
  received: number;
  duplicate: number;
  reordered: number;
  lost: number;
  late: number;
  corrupt: number;
}

export class FlowTracker {
  readonly received: Float64Array;
  readonly duplicate: Float64Array;
  readonly reordered: Float64Array;
  readonly lost: Float64Array;
  readonly late: Float64Array;
  readonly corrupt: Float64Array;
  /** Receive time (the caller's clock, ms) of each flow's last datagram; -1 before its first. */
  readonly lastArrivalMs: Float64Array;
  private readonly highest: Float64Array;
  private readonly missing: Uint32Array;
  private readonly state: Uint8Array;
  /** When a missing slot is given up: ms after `originMs`, whole (u32: 49 days). */
  private readonly dueMs: Uint32Array;
  private readonly originMs: number;

  constructor(
    readonly flows: number,
    readonly window = 64,
    readonly timeoutMs = 1000,
    nowMs = performance.now(),
  ) {
    if (!Number.isInteger(window) || window < 1 || window > 65_536) throw new RangeError(`window ${window}`);
    this.received = new Float64Array(flows);
    this.duplicate = new Float64Array(flows);
    this.reordered = new Float64Array(flows);
    this.lost = new Float64Array(flows);
    this.late = new Float64Array(flows);
    this.corrupt = new Float64Array(flows);
    this.lastArrivalMs = new Float64Array(flows).fill(-1);
    this.highest = new Float64Array(flows).fill(-1);
    this.missing = new Uint32Array(flows);
    this.state = new Uint8Array(flows * window);
    this.dueMs = new Uint32Array(flows * window);
    this.originMs = nowMs;
  }

  /** A verified datagram `seq` of `flow`, received at `nowMs`. */
  receive(flow: number, seq: number, nowMs: number): Arrival {
    this.lastArrivalMs[flow] = nowMs;
    const w = this.window;
    const base = flow * w;
    const h = this.highest[flow];
    if (seq > h) {
      const due = Math.max(0, Math.ceil(nowMs - this.originMs + this.timeoutMs));
      // Skipped numbers that do not fit in the window are lost at once: nothing could track their return.
      const first = Math.max(h + 1, seq - w + 1);
      this.lost[flow] += first - (h + 1);
      for (let s = first; s < seq; s++) {
        const slot = base + (s % w);
        this.retire(flow, slot);
        this.state[slot] = MISSING;
        this.dueMs[slot] = due;
        this.missing[flow]++;
      }
      const slot = base + (seq % w);
      this.retire(flow, slot);
      this.state[slot] = SEEN;
      this.highest[flow] = seq;
      this.received[flow]++;
      return seq === h + 1 ? ARRIVAL.NEW : ARRIVAL.AFTER_GAP;
    }
    if (seq <= h - w) {
      this.late[flow]++;
      return ARRIVAL.LATE;
    }
    const slot = base + (seq % w);
    const state = this.state[slot];
    if (state === MISSING) {
      this.state[slot] = SEEN;
      this.missing[flow]--;
      this.received[flow]++;
      this.reordered[flow]++;
      return ARRIVAL.REORDERED;
    }
    if (state === GIVEN_UP) {
      // Back after it was counted lost: it stays lost; a second copy of it is a duplicate.
      this.state[slot] = SEEN;
      this.late[flow]++;
      return ARRIVAL.LATE;
    }
    this.duplicate[flow]++;
    return ARRIVAL.DUPLICATE;
  }

  /** A datagram of `flow` whose stamp failed verification. */
  markCorrupt(flow: number): void {
    this.corrupt[flow]++;
  }

  /** Gives up on every missing datagram past its time; returns how many were counted lost now. */
  sweep(nowMs: number): number {
    const now = nowMs - this.originMs;
    const w = this.window;
    let given = 0;
    for (let flow = 0; flow < this.flows; flow++) {
      if (this.missing[flow] === 0) continue;
      for (let slot = flow * w; slot < flow * w + w; slot++) {
        if (this.state[slot] !== MISSING || this.dueMs[slot] > now) continue;
        this.state[slot] = GIVEN_UP;
        this.missing[flow]--;
        this.lost[flow]++;
        given++;
      }
    }
    return given;
  }

  /**
   * The sender sent `sent` datagrams (seq 0 .. sent - 1) on `flow` and the run is over: every one still missing,
   * and every one after the highest that arrived, is lost. Returns how many were counted lost now.
   */
  close(flow: number, sent: number): number {
    const w = this.window;
    let given = 0;
    for (let slot = flow * w; slot < flow * w + w; slot++) {
      if (this.state[slot] !== MISSING) continue;
      this.state[slot] = GIVEN_UP;
      given++;
    }
    this.missing[flow] = 0;
    given += Math.max(0, sent - 1 - this.highest[flow]);
    this.highest[flow] = Math.max(this.highest[flow], sent - 1);
    this.lost[flow] += given;
    return given;
  }

  /**
   * Flows that have gone silent: answered before, and nothing since `quietMs` before `nowMs` (an ingress that forgot
   * the flow's entry). Each one's `lastArrivalMs` is when it went silent. A flow never answered is not counted here:
   * its datagrams are lost.
   */
  silentFlows(nowMs: number, quietMs: number): number {
    let silent = 0;
    for (let flow = 0; flow < this.flows; flow++) {
      const last = this.lastArrivalMs[flow];
      if (last >= 0 && nowMs - last > quietMs) silent++;
    }
    return silent;
  }

  /** The highest sequence number that arrived on `flow` (or that `close` accounted for); -1 before any. */
  highestSeq(flow: number): number {
    return this.highest[flow];
  }

  /** Missing now (neither arrived nor given up yet) on `flow`. */
  pending(flow: number): number {
    return this.missing[flow];
  }

  counts(flow: number): FlowCounts {
    return {
      received: this.received[flow],
      duplicate: this.duplicate[flow],
      reordered: this.reordered[flow],
      lost: this.lost[flow],
      late: this.late[flow],
      corrupt: this.corrupt[flow],
    };
  }

  /** The sum over every flow (off the hot path: reports and the per-second line). */
  totals(): FlowCounts {
    const sum = (a: Float64Array) => a.reduce((n, v) => n + v, 0);
    return {
      received: sum(this.received),
      duplicate: sum(this.duplicate),
      reordered: sum(this.reordered),
      lost: sum(this.lost),
      late: sum(this.late),
      corrupt: sum(this.corrupt),
    };
  }

  /** A slot reused for a newer number: if its datagram was still missing, it left the window unseen: lost. */
  private retire(flow: number, slot: number): void {
    if (this.state[slot] === MISSING) {
      this.missing[flow]--;
      this.lost[flow]++;
    }
    this.state[slot] = EMPTY;
  }
}
