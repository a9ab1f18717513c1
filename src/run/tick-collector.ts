/**
 * The per-second timeline: once a second every live worker is asked for a snapshot, so rows line up across
 * workers; a row is made when every live worker answered, or when the next tick goes out (closed with what
 * arrived). Each row joins the generator's CPU and RSS, and every witness's figures for that second
 * (witnesses/list.ts: the watched processes' CPU and RSS among them); a phase change and the run's moments (ready,
 * ramped, the measured phase's ends) are told to every witness too.
 */

import { emptyCounters, type LoadCounters } from '../instruments/counters.js';
import { mergeEncoded } from '../instruments/histogram.js';
import type { ProcessUsageSampler } from '../instruments/process-usage.js';
import { type Phase, type TimelineRow, timelineRow } from '../instruments/timeline.js';
import type { LiveWitness, RunMoment } from '../witnesses/witness.js';
import type { MainToWorker, WorkerToMain } from '../worker-contract/protocol.js';
import type { WorkerQuorum } from './worker-quorum.js';

const TICK_MS = 1000;
type Snapshot = WorkerToMain & { type: 'snapshot' };

export class TickCollector {
  readonly timeline: TimelineRow[] = [];
  private current: Phase = 'ramp';
  private t0 = performance.now();
  private lastRowAt = this.t0;
  private prevTotals = emptyCounters();
  private seq = 0;
  /** Ticks sent and not yet answered by every live worker, each with the phase it was sent in. */
  private readonly pending = new Map<
    number,
    { snapshots: Map<number, Snapshot>; done: (() => void)[]; phase: Phase }
  >();
  private ticker: NodeJS.Timeout | null = null;

  constructor(
    private readonly quorum: WorkerQuorum,
    private readonly send: (msg: MainToWorker) => void,
    private readonly usage: ProcessUsageSampler,
    private readonly witnesses: LiveWitness<unknown>[],
    private readonly onRow: (row: TimelineRow, totals: LoadCounters) => void,
  ) {
    quorum.whenLost(() => {
      for (const [seq, tick] of this.pending) if (tick.snapshots.size >= quorum.alive) this.complete(seq);
    });
  }

  /** The phase new ticks go out in; every witness hears of a change. */
  get phase(): Phase {
    return this.current;
  }

  set phase(phase: Phase) {
    this.current = phase;
    for (const w of this.witnesses) w.phase(phase);
  }

  /** A moment the run marks: every witness hears of it. */
  moment(moment: RunMoment): void {
    for (const w of this.witnesses) w.moment(moment);
  }

  /** Row times count from here (the load's start: after --start-at); the witnesses start reading here too. */
  startClock(): void {
    for (const w of this.witnesses) w.start();
    this.t0 = performance.now();
    this.lastRowAt = this.t0;
  }

  start(): void {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  /** A worker's snapshot: its part of the tick it answers. */
  observe(msg: Snapshot): void {
    const tick = this.pending.get(msg.seq);
    if (!tick) return;
    tick.snapshots.set(msg.worker, msg);
    if (tick.snapshots.size >= this.quorum.alive) this.complete(msg.seq);
  }

  /**
   * Fresh counters: a tick of its own, answered by every live worker (or closed after `timeoutMs` with what
   * arrived), so a decision such as "nothing established" is made on current numbers.
   */
  fresh(timeoutMs = 2000): Promise<LoadCounters> {
    const seq = this.tick();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.complete(seq), timeoutMs);
      this.pending.get(seq)?.done.push(() => {
        clearTimeout(timer);
        resolve(this.quorum.totals());
      });
    });
  }

  /** No more ticks; what is pending is closed with what arrived. */
  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    for (const seq of [...this.pending.keys()]) this.complete(seq);
  }

  private tick(): number {
    for (const seq of [...this.pending.keys()]) this.complete(seq);
    this.seq++;
    this.pending.set(this.seq, { snapshots: new Map(), done: [], phase: this.current });
    this.send({ type: 'tick', seq: this.seq });
    return this.seq;
  }

  private complete(seq: number): void {
    const tick = this.pending.get(seq);
    if (!tick) return;
    this.pending.delete(seq);
    const now = performance.now();
    const interval = mergeEncoded([...tick.snapshots.values()].map((s) => s.intervalRtt));
    const totals = this.quorum.totals();
    const { cpuPercent, rssBytes } = this.usage.sample();
    const row = timelineRow(
      (now - this.t0) / 1000,
      // The phase the tick went out in: a measured second answered late (a busy machine) is still measured.
      tick.phase,
      now - this.lastRowAt,
      this.prevTotals,
      totals,
      interval,
      cpuPercent,
      rssBytes,
    );
    // The run's own processes this second: the generator and every watched one (the row's `watched`, written by its
    // witness, which the list puts before any that reads this).
    const second = {
      get ourCores(): number {
        return (cpuPercent + row.watched.reduce((n, w) => n + w.cpuPercent, 0)) / 100;
      },
    };
    for (const w of this.witnesses) w.tick(row, second);
    this.lastRowAt = now;
    this.prevTotals = totals;
    this.timeline.push(row);
    this.onRow(row, totals);
    for (const d of tick.done) d();
  }
}
