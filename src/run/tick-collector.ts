/**
 * The per-second timeline: once a second every live worker is asked for a snapshot, so rows line up across
 * workers; a row is made when every live worker answered, or when the next tick goes out (closed with what
 * arrived). Each row joins the generator's and the watched processes' CPU and RSS.
 */

import { emptyCounters, type LoadCounters } from '../instruments/counters.js';
import { mergeEncoded } from '../instruments/histogram.js';
import { counterDeltas, type KernelTcpReading, readKernelTcp } from '../instruments/kernel-tcp.js';
import type { MachineSampler } from '../instruments/machine.js';
import type { PidWatcher } from '../instruments/pid-watch.js';
import type { ProcessUsageSampler } from '../instruments/process-usage.js';
import { type Phase, type TimelineRow, timelineRow } from '../instruments/timeline.js';
import type { MainToWorker, WorkerToMain } from '../worker-contract/protocol.js';
import type { Scraper } from './scraper.js';
import type { WorkerQuorum } from './worker-quorum.js';

const TICK_MS = 1000;
type Snapshot = WorkerToMain & { type: 'snapshot' };

export class TickCollector {
  readonly timeline: TimelineRow[] = [];
  phase: Phase = 'ramp';
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
  /** The kernel's counters at the last row: each row gets what they did in its second. */
  private lastKernel: KernelTcpReading | null = readKernelTcp();

  constructor(
    private readonly quorum: WorkerQuorum,
    private readonly send: (msg: MainToWorker) => void,
    private readonly usage: ProcessUsageSampler,
    private readonly watcher: PidWatcher,
    private readonly scraper: Scraper | null,
    private readonly machine: MachineSampler,
    private readonly onRow: (row: TimelineRow, totals: LoadCounters) => void,
  ) {
    quorum.whenLost(() => {
      for (const [seq, tick] of this.pending) if (tick.snapshots.size >= quorum.alive) this.complete(seq);
    });
  }

  /** Row times count from here (the load's start: after --start-at). */
  startClock(): void {
    this.lastKernel = readKernelTcp();
    this.machine.restart();
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
    this.pending.set(this.seq, { snapshots: new Map(), done: [], phase: this.phase });
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
    const watched = this.watcher.sample();
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
      watched,
    );
    // The machine over the same second: the run's own processes are the generator and every watched one.
    row.machine = this.machine.sample((cpuPercent + watched.reduce((n, w) => n + w.cpuPercent, 0)) / 100);
    const kernel = readKernelTcp();
    if (kernel && this.lastKernel) {
      const d = counterDeltas(this.lastKernel.counters, kernel.counters);
      row.kernel = {
        synRetrans: d.synRetrans,
        listenOverflows: d.listenOverflows,
        retransSegs: d.retransSegs,
        outRsts: d.outRsts,
        timeWait: kernel.sockets.timeWait,
      };
    }
    this.lastKernel = kernel;
    if (this.scraper) row.scrape = { ...this.scraper.latest() };
    this.lastRowAt = now;
    this.prevTotals = totals;
    this.timeline.push(row);
    this.onRow(row, totals);
    for (const d of tick.done) d();
  }
}
