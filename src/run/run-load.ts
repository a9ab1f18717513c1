/**
 * Drives one load run from the main thread: starts one long-running Piscina task per worker, asks every worker for
 * a snapshot once a second (so rows line up across workers), moves the run through its phases
 * (ramp -> warm-up -> measure -> stop), and collects each worker's final report. Histograms arrive encoded.
 */

import type { RunConfig } from '../config/run-config.js';
import { waitUntil } from '../core/clock.js';
import type { LoadOutcome, LostWorker } from '../load/outcome.js';
import type { MainToWorker, WorkerToMain } from '../load/protocol.js';
import { addCounters, emptyCounters, type LoadCounters } from '../metrics/counters.js';
import { mergeEncoded } from '../metrics/histogram.js';
import { PidWatcher, readRss, type WatchRole } from '../metrics/pid-watch.js';
import { ProcessUsageSampler } from '../metrics/process-usage.js';
import { type Phase, type TimelineRow, timelineRow } from '../metrics/timeline.js';
import { startWorkers } from './links.js';

export interface LoadHooks {
  /** Called once a second with the newest timeline row and the run's cumulative counters. */
  onSecond?: (row: TimelineRow, totals: LoadCounters) => void;
  /** Aborting stops the run early (Ctrl-C); what was measured so far is still reported. */
  signal?: AbortSignal;
  /** Other processes (the embedded target, --watch-pid) whose CPU and RSS join each timeline row. */
  watch?: { pid: number; role: WatchRole }[];
}

export type { LoadOutcome };

const TICK_MS = 1000;

export async function runLoad(
  config: RunConfig & { tlsCaPem?: string | null },
  targets: { host: string; port: number }[],
  hooks: LoadHooks = {},
): Promise<LoadOutcome> {
  const group = startWorkers(config, targets);
  const plans = group.links;
  const usage = new ProcessUsageSampler();
  const watcher = new PidWatcher([
    ...group.pids.filter((pid) => pid !== process.pid).map((pid) => ({ pid, role: 'generator' as const })),
    ...(hooks.watch ?? []),
  ]);
  let startedAt = new Date();
  let t0 = performance.now();
  const latest = new Map<number, LoadCounters>();
  const pendingTicks = new Map<number, { snapshots: Map<number, WorkerToMain & { type: 'snapshot' }> }>();
  const ramped = new Set<number>();
  const ready = new Set<number>();
  let onReady: (() => void) | null = null;
  const timeline: TimelineRow[] = [];
  let phase: Phase = 'ramp';
  let lastRowAt = t0;
  let prevTotals = emptyCounters();
  let seq = 0;
  let onRamped: (() => void) | null = null;
  const lost = new Map<number, LostWorker>();
  /** Workers still carrying load: ticks, readiness and the ramp wait only for these. */
  const alive = (): number => plans.length - lost.size;

  const send = (msg: MainToWorker): void => {
    for (const link of group.links) link.post(msg);
  };
  const sumLatest = (): LoadCounters => {
    const sum = emptyCounters();
    for (const c of latest.values()) addCounters(sum, c);
    return sum;
  };

  const completeTick = (tickSeq: number): void => {
    const tick = pendingTicks.get(tickSeq);
    if (!tick) return;
    pendingTicks.delete(tickSeq);
    const now = performance.now();
    const interval = mergeEncoded([...tick.snapshots.values()].map((s) => s.intervalRtt));
    const totals = sumLatest();
    const { cpuPercent, rssBytes } = usage.sample();
    const row = timelineRow(
      (now - t0) / 1000,
      phase,
      now - lastRowAt,
      prevTotals,
      totals,
      interval,
      cpuPercent,
      rssBytes,
      watcher.sample(),
    );
    lastRowAt = now;
    prevTotals = totals;
    timeline.push(row);
    hooks.onSecond?.(row, totals);
  };

  group.links.forEach((link) => {
    link.onMessage((msg: WorkerToMain) => {
      if (msg.type === 'snapshot') {
        latest.set(msg.worker, msg.counters);
        const tick = pendingTicks.get(msg.seq);
        if (!tick) return;
        tick.snapshots.set(msg.worker, msg);
        if (tick.snapshots.size >= alive()) completeTick(msg.seq);
      } else if (msg.type === 'ready') {
        ready.add(msg.worker);
        if (ready.size >= alive()) onReady?.();
      } else if (msg.type === 'ramped') {
        ramped.add(msg.worker);
        if (ramped.size >= alive()) onRamped?.();
      }
    });
  });

  const tasks = group.links.map((link) => link.report);
  // A worker that dies (its generator process killed, or its thread threw) is lost: the run goes on with the
  // survivors and the result says what share is missing. Only when none is left does the run end early.
  let onAllLost: (() => void) | null = null;
  const failed = new Promise<void>((resolve) => {
    onAllLost = resolve;
  });
  group.links.forEach((link, i) => {
    tasks[i].catch((err: Error) => {
      lost.set(link.index, {
        worker: link.index,
        pid: link.pid,
        conns: link.conns,
        establishedAtLastSnapshot: latest.get(link.index)?.established ?? 0,
        reason: err.message,
      });
      latest.delete(link.index);
      ready.delete(link.index);
      ramped.delete(link.index);
      if (alive() === 0) onAllLost?.();
      else {
        if (ready.size >= alive()) onReady?.();
        if (ramped.size >= alive()) onRamped?.();
        for (const [tickSeq, tick] of pendingTicks) if (tick.snapshots.size >= alive()) completeTick(tickSeq);
      }
    });
  });

  // Memory baseline: every worker started and collected its heap, no connection opened yet.
  await Promise.race([
    new Promise<void>((resolve) => {
      onReady = resolve;
      if (ready.size >= alive()) resolve();
    }),
    failed,
  ]);
  const baselineRss = generatorRss(group.pids);
  // --start-at: every shard is ready (workers up, target reached by nothing yet); all go at the same wall time.
  const startLateByMs = config.startAt ? await waitUntil(config.startAt, hooks.signal) : null;
  if (config.startAt) {
    startedAt = new Date();
    t0 = performance.now();
    lastRowAt = t0;
  }
  const rampStart = performance.now();
  send({ type: 'go' });

  /**
   * Asks every worker for a snapshot; a tick still missing an answer when a newer one goes out is closed with
   * what arrived.
   */
  const sendTick = (): number => {
    for (const pendingSeq of pendingTicks.keys()) completeTick(pendingSeq);
    seq++;
    pendingTicks.set(seq, { snapshots: new Map() });
    send({ type: 'tick', seq });
    return seq;
  };
  const ticker = setInterval(sendTick, TICK_MS);

  // A scenario passes one signal to every run: the listener goes when the run ends, or they pile up on it.
  let onAbort: () => void = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    if (hooks.signal?.aborted) resolve();
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
  });
  /** Sleeps `ms`, or less when the run is aborted or `wake()` is called; no timer outlives the wait. */
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((r) => {
      const t = setTimeout(() => {
        timers.delete(t);
        r();
      }, ms);
      timers.add(t);
      void aborted.then(() => {
        clearTimeout(t);
        r();
      });
    });
  const clearSleeps = (): void => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
  const isOver = (): boolean => hooks.signal?.aborted === true || alive() === 0;

  // Ramp: until every worker attempted all its connections and none is connecting, or the ramp timeout.
  const rampDone = new Promise<void>((resolve) => {
    onRamped = resolve;
    if (ramped.size >= alive()) resolve();
  });
  let rampTimedOut = false;
  await Promise.race([
    rampDone,
    aborted,
    failed,
    sleep(config.rampTimeoutMs).then(() => {
      rampTimedOut = ramped.size < alive();
    }),
  ]);
  clearSleeps();
  const rampEnd = performance.now();
  // Workers collected their heaps just before reporting the ramp done: what is left is what the sessions hold.
  const rampRss = generatorRss(group.pids);
  let warmupEnd = rampEnd;
  let measureStart = -1;
  let measureEnd = rampEnd;
  // Ask for fresh counters so "nothing established" is judged on current numbers.
  const established = await currentEstablished();
  // Churn opens its connections in the traffic phase, so the ramp says nothing about reachability there.
  const nothingEstablished = config.mode !== 'connect' && established === 0;

  if (!isOver() && !nothingEstablished) {
    phase = 'warmup';
    send({ type: 'traffic' });
    await Promise.race([sleep(config.warmupMs), failed]);
    clearSleeps();
    warmupEnd = performance.now();
    if (!isOver()) {
      phase = 'measure';
      measureStart = performance.now();
      send({ type: 'measure' });
      await Promise.race([sleep(config.durationMs), failed]);
      clearSleeps();
    }
    measureEnd = performance.now();
  }

  phase = 'stopping';
  clearInterval(ticker);
  for (const pendingSeq of pendingTicks.keys()) completeTick(pendingSeq);
  send({ type: 'stop' });
  const reports = await Promise.allSettled(tasks);
  await group.shutdown();
  hooks.signal?.removeEventListener('abort', onAbort);

  return {
    reports: reports.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    timeline,
    memory: { baselineRssBytes: baselineRss, rampedRssBytes: rampRss, processes: group.pids },
    phases: {
      rampMs: Math.round(rampEnd - rampStart),
      warmupMs: Math.round(warmupEnd - rampEnd),
      measuredMs: measureStart >= 0 ? Math.round(measureEnd - measureStart) : 0,
    },
    startedAt,
    endedAt: new Date(),
    interrupted: hooks.signal?.aborted === true,
    nothingEstablished,
    rampTimedOut,
    usage: usage.totals(),
    watched: watcher.summaries(),
    lostWorkers: [...lost.values()].sort((a, b) => a.worker - b.worker),
    startLateByMs,
  };

  /** Established connections so far, from a tick answered by every worker (or the last known counters). */
  async function currentEstablished(): Promise<number> {
    const mySeq = sendTick();
    const deadline = performance.now() + 2000;
    while (pendingTicks.has(mySeq) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return sumLatest().established;
  }
}

/** Summed RSS of the generator processes, from /proc (this process included). */
function generatorRss(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    if (pid === process.pid) {
      total += process.memoryUsage.rss();
      continue;
    }
    total += readRss(pid) ?? 0;
  }
  return total;
}
