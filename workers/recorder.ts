/**
 * What one worker records: its counters, its HDR histograms (µs) and the PROXY header facts, plus the measured
 * window's byte counts. Snapshots and the final report leave as plain data with histograms encoded.
 */

import { performance } from 'node:perf_hooks';
import { cloneCounters, emptyCounters } from '../src/instruments/counters.js';
import { createHistogram, encodeHistogram, recordMicros } from '../src/instruments/histogram.js';
import { SourceTally } from '../src/proxy/source-tally.js';
import type { WorkerReport, WorkerToMain } from '../src/worker-contract/protocol.js';
import type { StreamFairness } from './mode.js';

const toUs = (ms: number): number => Math.max(1, Math.round(ms * 1000));

export class Recorder {
  readonly counters = emptyCounters();
  /** Round trips while measuring; paced: from the intended send time (coordinated omission corrected). */
  readonly rtt = createHistogram();
  /** Paced: the same round trips from the actual send time. */
  readonly service = createHistogram();
  /** Every round trip since the last snapshot (the timeline's per-second percentiles). */
  readonly intervalRtt = createHistogram();
  readonly connect = createHistogram();
  /** TCP connected to TLS established. */
  readonly tlsHandshake = createHistogram();
  /** Paced: how late the pacer's ticks ran, the generator's own lag. */
  readonly schedulerLag = createHistogram();
  readonly headerSizes: Record<string, number> = {};
  /** Claimed sources (--verify-proxy), bounded however many cycles a churn run makes. */
  readonly sources = new SourceTally();
  headerBuildMs = 0;
  /** How long the stop waited for what was in flight. */
  drainMs = 0;
  drainTimedOut = false;
  measuring = false;
  /**
   * Paced UDP flows (set by udp-flows.ts): the measured window is the sends due in it, on the main thread's clock
   * (`dueFromMs` to `dueUntilMs`, this thread's ms), and a round trip counts when its datagram was due in it,
   * whenever the answer came. Counted by when the answer came instead, a worker that got the window's start late
   * caught up on sends due before it, and answers to warm-up datagrams landed in it: an open loop at --rate 2000 on
   * a busy machine reported 2,492-2,663 round trips/s (issue 33). TCP sessions keep counting by arrival: one echo
   * in flight per session bounds what crosses the window's edges.
   */
  byDue = false;
  dueFromMs = Number.POSITIVE_INFINITY;
  dueUntilMs = Number.POSITIVE_INFINITY;
  private readonly measureStart = { sent: 0, received: 0 };
  private readonly measured = { sent: 0, received: 0 };

  constructor(private readonly paced: boolean) {}

  roundTrip(now: number, intendedMs: number, sentAtMs: number): void {
    const us = toUs(now - intendedMs);
    recordMicros(this.intervalRtt, us);
    if (this.byDue ? !this.dueInWindow(intendedMs) : !this.measuring) return;
    recordMicros(this.rtt, us);
    if (this.paced) recordMicros(this.service, toUs(now - sentAtMs));
  }

  connected(ms: number): void {
    this.connect.recordValue(toUs(ms));
  }

  handshake(ms: number, resumed: boolean): void {
    this.tlsHandshake.recordValue(toUs(ms));
    const c = this.counters;
    c.tlsHandshakes++;
    if (resumed) c.tlsResumed++;
    if (!this.measuring) return;
    c.measuredTlsHandshakes++;
    if (resumed) c.measuredTlsResumed++;
  }

  lag(ms: number): void {
    this.schedulerLag.recordValue(toUs(ms));
  }

  header(lengthBytes: number, buildMs: number, claimedSource: string | null, collect: boolean): void {
    this.headerBuildMs += buildMs;
    this.counters.headersSent++;
    this.counters.headerBytes += lengthBytes;
    this.headerSizes[lengthBytes] = (this.headerSizes[lengthBytes] ?? 0) + 1;
    if (collect && claimedSource !== null) this.sources.add(claimedSource);
  }

  /** A send due at `dueMs` (this thread's clock) belongs to the measured window (byDue). */
  dueInWindow(dueMs: number): boolean {
    return dueMs >= this.dueFromMs && dueMs < this.dueUntilMs;
  }

  /** The window from the main thread's moments (absolute ms); without them, from now, its end at the stop. */
  windowFrom(atMs: number | undefined, untilMs: number | undefined): void {
    this.dueFromMs = atMs ? atMs - performance.timeOrigin : performance.now();
    this.dueUntilMs = untilMs ? untilMs - performance.timeOrigin : Number.POSITIVE_INFINITY;
  }

  /** The stop: the window ends at the main thread's end if that came first (a run cut short), else as planned. */
  windowUntil(atMs: number | undefined): void {
    const end = atMs ? atMs - performance.timeOrigin : performance.now();
    this.dueUntilMs = Math.min(this.dueUntilMs, end);
  }

  startMeasuring(): void {
    this.measuring = true;
    this.measureStart.sent = this.counters.bytesSent;
    this.measureStart.received = this.counters.bytesReceived;
  }

  stopMeasuring(): void {
    if (this.measuring) {
      this.measured.sent = this.counters.bytesSent - this.measureStart.sent;
      this.measured.received = this.counters.bytesReceived - this.measureStart.received;
    }
    this.measuring = false;
  }

  snapshot(seq: number, worker: number): WorkerToMain {
    const msg: WorkerToMain = {
      type: 'snapshot',
      seq,
      worker,
      counters: cloneCounters(this.counters),
      intervalRtt: encodeHistogram(this.intervalRtt),
    };
    this.intervalRtt.reset();
    return msg;
  }

  report(worker: number, stream: StreamFairness | null): WorkerReport {
    return {
      worker,
      counters: cloneCounters(this.counters),
      rtt: encodeHistogram(this.rtt),
      service: encodeHistogram(this.service),
      connect: encodeHistogram(this.connect),
      tlsHandshake: encodeHistogram(this.tlsHandshake),
      schedulerLag: encodeHistogram(this.schedulerLag),
      headerSizes: this.headerSizes,
      sources: this.sources.toDoc(),
      headerBuildUs: Math.round(this.headerBuildMs * 1000),
      perConnectionBytes: stream?.perConnectionBytes ?? [],
      stalledIds: stream?.stalledIds ?? [],
      drainMs: Math.round(this.drainMs),
      drainTimedOut: this.drainTimedOut,
      measuredBytesSent: this.measured.sent,
      measuredBytesReceived: this.measured.received,
    };
  }
}
