/**
 * Messages between the main thread and load workers, over the MessagePort handed to each worker's task.
 * Plain data only: histograms travel encoded, never as objects or raw samples.
 */

import type { MessagePort } from 'node:worker_threads';
import type { LoadCounters } from '../instruments/counters.js';
import type { SourceTallyDoc } from '../proxy/source-tally.js';
import type { WorkerPlan } from './plan.js';

export type MainToWorker =
  /** Every worker is ready and the baseline memory is taken: start opening connections. */
  | { type: 'go' }
  /** Reply with a snapshot tagged `seq`. */
  | { type: 'tick'; seq: number }
  /** Ramp-up is over: every session starts its closed-loop echo (warm-up begins). */
  | { type: 'traffic' }
  /**
   * Warm-up is over: start recording into the final histograms. `atMs`: when the main thread started the measured
   * window (absolute: timeOrigin + now), which a paced UDP worker counts its sends and answers by (their due times);
   * `untilMs`: when it is to end (the stop message comes later than that: what was due between is not the window's).
   */
  | { type: 'measure'; atMs?: number; untilMs?: number }
  /** Stop sending, close connections, resolve the task with the final report. `atMs`: the window's end (earlier
   * than `untilMs` when the run was cut short). */
  | { type: 'stop'; atMs?: number };

export type WorkerToMain =
  /** Started, heap collected, waiting for `go` (so the generator's memory baseline has no connection in it). */
  | { type: 'ready'; worker: number; thread: { pid: number; tid: number } | null }
  | { type: 'snapshot'; seq: number; worker: number; counters: LoadCounters; intervalRtt: string }
  /**
   * Every planned connection was attempted and none is still opening; the heap was collected just before. `atMs`:
   * when the last one opened (its first echo back), before that collection, as an absolute time (timeOrigin + now,
   * ms: each thread's performance.now() has its own origin), so the ramp ends where its last session opened.
   */
  | { type: 'ramped'; worker: number; atMs: number };

export interface WorkerTask {
  plan: WorkerPlan;
  port: MessagePort;
}

/** --udp: what one worker's flows add to its report (counts travel in its counters). */
export interface UdpFlowsReport {
  /** Datagrams sent and first arrivals back during the measured phase. */
  measuredSent: number;
  measuredReceived: number;
  /** Stream: the mean over flows of the RFC 3550 jitter estimate (ms); null otherwise or before two arrivals. */
  jitterMs: number | null;
  /** How long a flow answered before must be silent to count as silent (ms). */
  quietMs: number;
  /** The first silent flows at the stop: id and when each went silent (absolute ms: timeOrigin + now). */
  silent: { id: number; atMs: number }[];
}

export interface WorkerReport {
  /** --udp: the flows' own figures; absent over TCP. */
  udp?: UdpFlowsReport;
  worker: number;
  counters: LoadCounters;
  /** Round trips recorded while measuring (encoded HDR, µs); open loop: from the intended send time. */
  rtt: string;
  /** Open loop: the same round trips from the actual send time (service time). */
  service: string;
  /** Open loop: how late the scheduler's 1 ms ticks ran (µs): the generator's own lag. */
  schedulerLag: string;
  /** Stream: bytes each connection moved during the measured phase. */
  perConnectionBytes: number[];
  /** Stream: ids of connections that moved no byte in the measured phase. */
  stalledIds: number[];
  /** How long the graceful stop waited for what was in flight. */
  drainMs: number;
  /** The drain window ended with work still in flight. */
  drainTimedOut: boolean;
  /** Bytes written and read during the measured phase. */
  measuredBytesSent: number;
  measuredBytesReceived: number;
  /** Every connect, ramp included (encoded HDR, µs). */
  connect: string;
  /** TLS: TCP connected to TLS established, every session (encoded HDR, µs). */
  tlsHandshake: string;
  /** Header sizes seen, bytes -> connections. */
  headerSizes: Record<string, number>;
  /** Every source address the headers claimed (`addr:port`), only when the plan asks to collect them. */
  sources: SourceTallyDoc;
  /** Time spent building headers (µs, all connections of this worker). */
  headerBuildUs: number;
}
