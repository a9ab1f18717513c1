/**
 * Which load workers are still carrying the run, and where each stands: ready (up, heap collected), ramped (all its
 * connections attempted, none opening), or lost (its thread threw or its process died). A lost worker leaves the
 * quorum: the run goes on with the survivors, every wait below counts only them, and the result says what share is
 * missing. Only when none is left does `allLost` resolve and the run end early.
 */

import { addCounters, emptyCounters, type LoadCounters } from '../instruments/counters.js';
import type { LostWorker } from '../worker-contract/outcome.js';
import type { WorkerToMain } from '../worker-contract/protocol.js';
import type { WorkerLink } from './links.js';

/** A promise with its resolver, resolved at most once. */
class Gate {
  readonly opened: Promise<void>;
  private open: () => void = () => {};
  constructor() {
    this.opened = new Promise((resolve) => {
      this.open = resolve;
    });
  }
  resolve(): void {
    this.open();
  }
}

export class WorkerQuorum {
  /** Each live worker's newest cumulative counters (its last snapshot). */
  readonly latest = new Map<number, LoadCounters>();
  readonly lost = new Map<number, LostWorker>();
  /** Resolves when every worker is lost. */
  readonly allLost: Promise<void>;
  private readonly ready = new Set<number>();
  private readonly ramped = new Set<number>();
  /** The latest 'ramped' time of a worker (absolute: timeOrigin + now, ms), 0 before any. */
  private lastRampedAtMs = 0;
  private readonly readyGate = new Gate();
  private readonly rampedGate = new Gate();
  private readonly lostGate = new Gate();
  private readonly onLost: (() => void)[] = [];

  constructor(private readonly links: WorkerLink[]) {
    this.allLost = this.lostGate.opened;
    for (const link of links) {
      link.report.catch((err: Error) => this.lose(link, err));
    }
  }

  /** Workers still carrying load. */
  get alive(): number {
    return this.links.length - this.lost.size;
  }

  /** Every worker up, or every one lost. */
  allReady(): Promise<void> {
    this.check();
    return Promise.race([this.readyGate.opened, this.allLost]);
  }

  /** Every live worker has ramped (resolves at once if they have). */
  allRamped(): Promise<void> {
    this.check();
    return this.rampedGate.opened;
  }

  get isRamped(): boolean {
    return this.ramped.size >= this.alive;
  }

  /**
   * Asked when the ramp is over: when it ended on this thread's clock (performance.now()), that is when the last
   * worker's last session opened, as the workers stamped it before collecting their heaps and reporting, kept within
   * [from, now]; now when not every live worker ramped (a timeout, a stall, Ctrl-C).
   */
  rampEndMs(from: number): number {
    const now = performance.now();
    if (!this.isRamped || this.lastRampedAtMs === 0) return now;
    return Math.min(now, Math.max(from, this.lastRampedAtMs - performance.timeOrigin));
  }

  /** The quorum's part of a worker's message: readiness, the ramp, the newest counters. */
  observe(msg: WorkerToMain): void {
    if (msg.type === 'snapshot') this.latest.set(msg.worker, msg.counters);
    else if (msg.type === 'ready') this.ready.add(msg.worker);
    else if (msg.type === 'ramped') {
      this.ramped.add(msg.worker);
      this.lastRampedAtMs = Math.max(this.lastRampedAtMs, msg.atMs);
    }
    this.check();
  }

  /** Run when a worker is lost and others remain (pending ticks may now be complete). */
  whenLost(handler: () => void): void {
    this.onLost.push(handler);
  }

  /** The live workers' counters added up. */
  totals(): LoadCounters {
    const sum = emptyCounters();
    for (const c of this.latest.values()) addCounters(sum, c);
    return sum;
  }

  private lose(link: WorkerLink, err: Error): void {
    this.lost.set(link.index, {
      worker: link.index,
      pid: link.pid,
      conns: link.conns,
      establishedAtLastSnapshot: this.latest.get(link.index)?.established ?? 0,
      reason: err.message,
    });
    this.latest.delete(link.index);
    this.ready.delete(link.index);
    this.ramped.delete(link.index);
    if (this.alive === 0) this.lostGate.resolve();
    else {
      this.check();
      for (const h of this.onLost) h();
    }
  }

  private check(): void {
    if (this.ready.size >= this.alive) this.readyGate.resolve();
    if (this.ramped.size >= this.alive) this.rampedGate.resolve();
  }
}
