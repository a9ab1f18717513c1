/**
 * Drives one load run from the main thread, as phases read top to bottom: start the workers (one long-running task
 * each) -> wait for --start-at -> ramp -> warm-up -> measure -> stop and collect each worker's final report
 * (histograms arrive encoded). The pieces it is made of each live in a file of their own: the worker quorum (ready,
 * ramped, lost), the tick collector (one timeline row a second, lined up across workers), the stall watch (a default
 * ramp ends when it stops moving) and the abortable sleep (every wait ends early on Ctrl-C). The witnesses beside
 * the load (witnesses/list.ts) are started, ticked and told each phase by the tick collector, and stopped here.
 */

import type { RunConfig } from '../config/run-config.js';
import { waitUntil } from '../core/clock.js';
import type { LoadCounters } from '../instruments/counters.js';
import { readRss, type WatchRole, withChildren } from '../instruments/pid-watch.js';
import { ProcessUsageSampler } from '../instruments/process-usage.js';
import type { TimelineRow } from '../instruments/timeline.js';
import { WITNESSES, type WitnessRecords } from '../witnesses/list.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';
import type { MainToWorker } from '../worker-contract/protocol.js';
import { AbortableSleep } from './abortable-sleep.js';
import { startWorkers, type WorkerGroup } from './links.js';
import { rampProgress, StallWatch } from './ramp-stall.js';
import { TickCollector } from './tick-collector.js';
import { WorkerQuorum } from './worker-quorum.js';

export interface LoadHooks {
  /** Called once a second with the newest timeline row and the run's cumulative counters. */
  onSecond?: (row: TimelineRow, totals: LoadCounters) => void;
  /** Aborting stops the run early (Ctrl-C); what was measured so far is still reported. */
  signal?: AbortSignal;
  /** Other processes (the embedded target, --watch-pid) whose CPU and RSS join each timeline row. */
  watch?: { pid: number; role: WatchRole }[];
}

export type { LoadOutcome };

/**
 * One run's phases. Over 100 lines on purpose: the phases read top to bottom in one place, each a few lines over the
 * named pieces (quorum, ticks, stall watch, sleeps) that live in their own files.
 */
export async function runLoad(
  config: RunConfig & { tlsCaPem?: string | null },
  targets: { host: string; port: number }[],
  hooks: LoadHooks = {},
): Promise<LoadOutcome> {
  const group = startWorkers(config, targets);
  // --watch-pid of a master (nginx, HAProxy -W) follows its workers too: they do the work.
  const watch = withChildren(hooks.watch ?? [], [process.pid, ...group.pids]);
  const quorum = new WorkerQuorum(group.links);
  const usage = new ProcessUsageSampler();
  // The run's processes besides this one: the generator's children, then the target's and the watched.
  const processes = [
    ...group.pids.filter((pid) => pid !== process.pid).map((pid) => ({ pid, role: 'generator' as const })),
    ...watch,
  ];
  const send = (msg: MainToWorker): void => {
    for (const link of group.links) link.post(msg);
  };
  // The load threads introduce themselves when ready; the target's and watched processes' threads are read whole.
  const loadThreads: { pid: number; tid: number }[] = [];
  const pidsOf = (role: WatchRole): number[] => watch.filter((w) => w.role === role).map((w) => w.pid);
  const witnesses = WITNESSES.map(
    (w) => [w.key, w.live({ config, loadThreads: () => loadThreads, pidsOf, processes })] as const,
  );
  const lives = witnesses.map(([, w]) => w);
  let stallWatch: StallWatch | null = null;
  const ticks = new TickCollector(quorum, send, usage, lives, (row, totals) => {
    hooks.onSecond?.(row, totals);
    if (ticks.phase === 'ramp') stallWatch?.observe(performance.now(), rampProgress(totals));
  });
  for (const link of group.links)
    link.onMessage((msg) => {
      quorum.observe(msg);
      if (msg.type === 'snapshot') ticks.observe(msg);
      else if (msg.type === 'ready' && msg.thread) loadThreads.push(msg.thread);
    });
  const waits = new AbortableSleep(hooks.signal);
  const aborted = (): boolean => hooks.signal?.aborted === true;
  const over = (): boolean => aborted() || quorum.alive === 0;

  // Start: every worker up with its heap collected, no connection opened yet: the memory baseline.
  await quorum.allReady();
  // Ctrl-C while the workers started: no load yet. With --start-at the run was waiting for it all along; without,
  // there is no --start-at to blame (it said "--start-at null").
  const abortedInStartUp = aborted() && !config.startAt;
  const baselineRss = generatorRss(group.pids);
  ticks.moment('ready');
  // --start-at: every shard is ready (workers up, the target reached by nothing yet); all go at one wall time.
  const startLateByMs = config.startAt ? await waitUntil(config.startAt, hooks.signal) : null;
  const abortedBeforeStart = aborted();
  const startedAt = new Date();
  ticks.startClock();

  // Ramp: until every worker attempted all its connections and none is opening; or a stall, the ramp timeout,
  // Ctrl-C, or every worker lost.
  const rampStart = performance.now();
  stallWatch = new StallWatch(config.rampStallMs ?? null, rampStart);
  send({ type: 'go' });
  ticks.start();
  let rampTimedOut = false;
  await Promise.race([
    quorum.allRamped(),
    waits.aborted,
    quorum.allLost,
    Promise.race([waits.sleep(config.rampTimeoutMs), stallWatch.stalled]).then(() => {
      // An abort (Ctrl-C) also ends the sleep: that is an interruption, not a timeout.
      rampTimedOut = !quorum.isRamped && !aborted();
    }),
  ]);
  waits.clear();
  const abortedInRamp = !abortedBeforeStart && aborted();
  const rampEnd = performance.now();
  // The ramp's figure ends where its last session opened, as the workers stamped it: their heap collection after
  // that (for the memory figure) is not ramp.
  const lastOpenedAt = quorum.rampEndMs(rampStart);
  // Workers collected their heaps just before reporting the ramp done: what is left is what the sessions hold.
  const rampRss = generatorRss(group.pids);
  ticks.moment('ramped');
  // Fresh counters, so "nothing established" is judged on current numbers. Churn opens its connections in the
  // traffic phase, so the ramp says nothing about reachability there.
  const established = (await ticks.fresh()).established;
  const nothingEstablished = config.mode !== 'connect' && established === 0;

  // Warm-up, then the measured phase: traffic on every session, recorded only while measuring.
  let warmupEnd = rampEnd;
  let measureStart = -1;
  let measureEnd = rampEnd;
  if (!over() && !nothingEstablished) {
    ticks.phase = 'warmup';
    send({ type: 'traffic' });
    await Promise.race([waits.sleep(config.warmupMs), quorum.allLost]);
    waits.clear();
    warmupEnd = performance.now();
    if (!over()) {
      ticks.phase = 'measure';
      measureStart = performance.now();
      ticks.moment('measure-start');
      const atMs = performance.timeOrigin + measureStart;
      send({ type: 'measure', atMs, untilMs: atMs + config.durationMs });
      await Promise.race([waits.sleep(config.durationMs), quorum.allLost]);
      waits.clear();
      ticks.moment('measure-end');
    }
    measureEnd = performance.now();
  }

  // Stop: the last row, the workers drain and report, the processes go.
  ticks.phase = 'stopping';
  ticks.stop();
  const reports = await stopAndCollect(group, send, measureStart >= 0 ? performance.timeOrigin + measureEnd : 0);
  waits.dispose();
  const records = Object.fromEntries(witnesses.map(([key, w]) => [key, w.stop()])) as WitnessRecords;

  return {
    reports,
    timeline: ticks.timeline,
    memory: { baselineRssBytes: baselineRss, rampedRssBytes: rampRss, processes: group.pids },
    phases: {
      rampMs: Math.round(lastOpenedAt - rampStart),
      warmupMs: Math.round(warmupEnd - rampEnd),
      measuredMs: measureStart >= 0 ? Math.round(measureEnd - measureStart) : 0,
    },
    startedAt,
    endedAt: new Date(),
    interrupted: aborted(),
    interruptedDuring: abortedInStartUp
      ? 'start-up'
      : abortedBeforeStart
        ? 'start-wait'
        : abortedInRamp
          ? 'ramp'
          : aborted()
            ? 'traffic'
            : null,
    nothingEstablished,
    rampTimedOut,
    rampStalled: rampTimedOut && stallWatch.fired,
    usage: usage.totals(),
    lostWorkers: [...quorum.lost.values()].sort((a, b) => a.worker - b.worker),
    startLateByMs,
    witnesses: records,
  };
}

/** Tells every worker to stop, waits for their reports (a lost worker has none) and shuts the group down. */
async function stopAndCollect(
  group: WorkerGroup,
  send: (msg: MainToWorker) => void,
  atMs: number,
): Promise<LoadOutcome['reports']> {
  send({ type: 'stop', atMs });
  const reports = await Promise.allSettled(group.links.map((link) => link.report));
  await group.shutdown();
  return reports.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
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
