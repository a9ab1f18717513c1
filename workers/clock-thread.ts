/**
 * The pacer's clock: a thread that does nothing but sleep until the next send is due and then wake its load worker.
 * Node's timers are millisecond-grained, so a 1 ms interval makes sends up to 1 ms late by construction;
 * Atomics.wait takes a fractional timeout and the kernel wakes it within tens of microseconds. At most one wake-up
 * is pending at a time (a shared flag), so a busy worker is never flooded: it sends everything due when it wakes.
 *
 * Times are absolute (timeOrigin + now, ms): each thread's performance.now() has its own origin.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface ClockData {
  /** [0]: 1 while running (the worker stores 0 and notifies to stop); [1]: 1 while a wake-up is pending. */
  state: SharedArrayBuffer;
  /** Absolute time of the first due send, and the interval between sends (ms). */
  startMs: number;
  intervalMs: number;
}

const RUNNING = 0;
const PENDING = 1;
/** Never wake the worker more often than this (ms): at high rates it sends several due sends per wake-up. */
const MIN_WAKE_INTERVAL_MS = 0.05;
/**
 * Atomics.wait oversleeps by about 0.1 ms here (timer slack), and the message takes a few microseconds more: wake
 * this much early, and the worker receives the wake-up at the due time (measured: p50 +7 µs instead of +133 µs).
 * A worker woken before a send is due waits out the difference (pacer.ts).
 */
const WAKE_EARLY_MS = 0.1;

const { state: buffer, startMs, intervalMs } = workerData as ClockData;
const state = new Int32Array(buffer);
const now = (): number => performance.timeOrigin + performance.now();
const step = Math.max(intervalMs, MIN_WAKE_INTERVAL_MS);
let next = startMs;

while (Atomics.load(state, RUNNING) === 1) {
  const wait = next - WAKE_EARLY_MS - now();
  if (wait > 0) {
    // Returns early only when the worker stops the clock (it stores 0 and notifies).
    Atomics.wait(state, RUNNING, 1, Math.min(wait, 100));
    continue;
  }
  if (Atomics.compareExchange(state, PENDING, 0, 1) === 0) parentPort!.postMessage(0);
  // The next wake-up is for the next due send; one that fell behind skips to the first send still ahead.
  next += step;
  const t = now();
  if (next < t) next = startMs + (Math.floor((t - startMs) / step) + 1) * step;
}
