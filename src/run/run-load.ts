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
import { AbortableSleep } from './abortable-sleep.js';
import { startWorkers } from './links.js';
import { rampProgress, StallWatch } from './ramp-stall.js';

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
    if (phase === 'ramp') stallWatch.observe(now, rampProgress(totals));
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
  const abortedBeforeStart = hooks.signal?.aborted === true;
  if (config.startAt) {
    startedAt = new Date();
    t0 = performance.now();
    lastRowAt = t0;
  }
  const rampStart = performance.now();
  const stallWatch = new StallWatch(config.rampStallMs ?? null, rampStart);
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

  const waits = new AbortableSleep(hooks.signal);
  const isOver = (): boolean => hooks.signal?.aborted === true || alive() === 0;

  // Ramp: until every worker attempted all its connections and none is connecting, or the ramp timeout.
  const rampDone = new Promise<void>((resolve) => {
    onRamped = resolve;
    if (ramped.size >= alive()) resolve();
  });
  let rampTimedOut = false;
  await Promise.race([
    rampDone,
    waits.aborted,
    failed,
    Promise.race([waits.sleep(config.rampTimeoutMs), stallWatch.stalled]).then(() => {
      // An abort (Ctrl-C) also ends the sleep: that is an interruption, not a timeout.
      rampTimedOut = ramped.size < alive() && hooks.signal?.aborted !== true;
    }),
  ]);
  waits.clear();
  const abortedInRamp = !abortedBeforeStart && hooks.signal?.aborted === true;
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
    await Promise.race([waits.sleep(config.warmupMs), failed]);
    waits.clear();
    warmupEnd = performance.now();
    if (!isOver()) {
      phase = 'measure';
      measureStart = performance.now();
      send({ type: 'measure' });
      await Promise.race([waits.sleep(config.durationMs), failed]);
      waits.clear();
    }
    measureEnd = performance.now();
  }

  phase = 'stopping';
  clearInterval(ticker);
  for (const pendingSeq of pendingTicks.keys()) completeTick(pendingSeq);
  send({ type: 'stop' });
  const reports = await Promise.allSettled(tasks);
  await group.shutdown();
  waits.dispose();

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
    interruptedDuring: abortedBeforeStart
      ? 'start-wait'
      : abortedInRamp
        ? 'ramp'
        : hooks.signal?.aborted
          ? 'traffic'
          : null,
    nothingEstablished,
    rampTimedOut,
    rampStalled: rampTimedOut && stallWatch.fired,
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
