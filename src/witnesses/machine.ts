/**
 * The machine as a witness (instruments/machine.ts reads /proc once a second): every core's busy share, others' CPU,
 * CPU pressure and the run-queue wait of the load threads, the target's and the watched processes' threads.
 * It is over 300 lines on purpose: one witness whole (its sampling, section, verdict, merge, warnings, summary line,
 * table and chart), as every witness is one file.
 *
 * Its section, from the timeline's per-second machine samples over the measured window, and
 * its verdict: did the machine limit the run, and whose processes filled it? The rule (docs/results.md):
 * - queued: the load threads waited on the run queue for WAIT_SHARE of the window or more (their mean): every
 *   latency includes that wait;
 * - starved: a group of our threads (the load threads, the embedded target's, a watched process's) waited WAIT_SHARE
 *   or more AND was runnable (running or waiting) RUNNABLE_SHARE of the window or more: it had no idle time left,
 *   so the wait held its work back. Threads that waited but still idled kept up, only later;
 * - saturated: the cores were BUSY_PERCENT busy or more over the window;
 * - others took the cores: processes that are none of ours took OTHERS_SHARE of the machine (at least
 *   OTHERS_MIN_CORES), or the hypervisor stole STEAL_PERCENT of it.
 * Starved with others present: `others` (the figures are not about the target: inconclusive). Starved or saturated
 * by our own processes alone: `ours` (the generator, the embedded target and the watched processes filled this
 * machine: the figure is this setup's). Saturated by others while our threads kept up: `quiet`, since they got the
 * CPU their work needed (HAProxy's `rate-limit sessions 500` beside busy loops is still found at 500/s).
 * find's whose-limit reads two more figures of the target's side: its busiest thread queued (watchedQueued, for a
 * latency SLO) and starved (targetStarved: runnable half the window, waiting at least as long as it ran, for any
 * failure, where a limiter's thread mostly sleeps).
 */

import type { ProbeRecord } from '../documents/find.js';
import type { MachineSample, MachineSection, ThreadWait } from '../documents/machine.js';
import type { RunResult, TimelineRow } from '../documents/result.js';
import { MachineSampler } from '../instruments/machine.js';
import { type LabelledRun, live, type Witness, type WitnessChart, type WitnessTable } from './witness.js';

export const machineWitness: Witness<'machine', { unavailable: string[] }> = {
  key: 'machine',
  subject: 'host',
  live: ({ loadThreads, pidsOf }) => {
    const sampler = new MachineSampler(() => ({
      load: loadThreads(),
      targetPids: pidsOf('target'),
      watchedPids: pidsOf('watched'),
    }));
    return live({
      start: () => sampler.restart(),
      // The machine over the same second: the run's own processes are the generator and every watched one.
      tick: (row, { ourCores }) => {
        row.machine = sampler.sample(ourCores);
      },
      stop: () => ({ unavailable: sampler.unavailable }),
    });
  },
  section: ({ unavailable }, { timeline, cores }) => buildMachine(timeline, cores, unavailable) ?? undefined,
  merge: mergeMachine,
  metrics: {},
  measurable: () => null,
  warnings: (machine) => machineWarnings(machine),
  summary: (m) => [machineLine(m)],
  table: machineTable,
  charts: (runs) => {
    const chart = machineChart(runs);
    return chart ? [chart] : [];
  },
  gauges: [],
  // Each probe: the machine over its window, and the column of find's table that sums it up.
  probe: { figures: (m) => m ?? null, column: () => ({ header: 'machine', cell: machineCell }) },
};

export const WAIT_SHARE = 0.1;
export const RUNNABLE_SHARE = 0.75;
export const BUSY_PERCENT = 90;
export const OTHERS_SHARE = 0.15;
export const OTHERS_MIN_CORES = 0.25;
export const STEAL_PERCENT = 10;
/** A watched target's busiest thread waiting this share of the window on saturated cores counts as queued. */
export const WATCHED_MIN_WAIT = 0.01;
/** A target's thread runnable this share of the window, waiting at least as long as it ran, starved. */
export const STARVED_RUNNABLE = 0.5;
/** Below this window no verdict is given: a few milliseconds of /proc/stat ticks say nothing of a machine. */
export const MIN_VERDICT_WINDOW_MS = 1000;

export function buildMachine(timeline: TimelineRow[], cores: number, unavailable: string[]): MachineSection | null {
  const measured = timeline.filter((r) => r.phase === 'measure' && r.machine);
  const window = measured.length > 0 ? 'measure' : 'run';
  const rows = (measured.length > 0 ? measured : timeline.filter((r) => r.machine)).filter((r) => r.intervalMs > 0);
  if (rows.length === 0) return null;
  const samples = rows.map((r) => ({ ms: r.intervalMs, m: r.machine as MachineSample }));
  const mean = (pick: (m: MachineSample) => number | null, digits = 1): number | null => {
    const known = samples.filter((s) => pick(s.m) !== null);
    const ms = known.reduce((n, s) => n + s.ms, 0);
    if (ms === 0) return null;
    const f = 10 ** digits;
    return Math.round((known.reduce((n, s) => n + (pick(s.m) as number) * s.ms, 0) / ms) * f) / f;
  };
  const max = (pick: (m: MachineSample) => number | null): number | null => {
    const known = samples.map((s) => pick(s.m)).filter((v): v is number => v !== null);
    return known.length === 0 ? null : Math.max(...known);
  };
  // The cores /proc/stat counts (the host's), not this process's affinity: others' CPU is the host's too.
  const coreCount = Math.max(0, ...samples.map((x) => x.m.coreBusyPercent.length));
  const perCore = Array.from({ length: coreCount }).map(
    (_, i) => mean((m) => (m.coreBusyPercent.length > i ? m.coreBusyPercent[i] : null)) ?? 0,
  );
  const section: Figures = {
    cores: coreCount || cores,
    window,
    windowMs: samples.reduce((n, s) => n + s.ms, 0),
    busyPercentMean: mean((m) => m.busyPercent),
    busyPercentMax: max((m) => m.busyPercent),
    coreBusyPercentMean: perCore,
    stealPercentMean: mean((m) => m.stealPercent),
    oursCoresMean: mean((m) => m.oursCores, 2),
    othersCoresMean: mean((m) => m.othersCores, 2),
    othersCoresMax: max((m) => m.othersCores),
    cpuPressure: mean((m) => m.cpuPressure, 3),
    loadThreadWait: waitOver(samples, (m) => m.loadThreadWait),
    targetThreadWait: waitOver(samples, (m) => m.targetThreadWait),
    watchedThreadWait: waitOver(samples, (m) => m.watchedThreadWait),
    unavailable,
  };
  if (section.windowMs < MIN_VERDICT_WINDOW_MS)
    return {
      ...section,
      verdict: 'quiet',
      queued: false,
      reason: null,
      unavailable: [
        ...unavailable,
        `verdict: the window (${section.windowMs} ms) is too short to judge the machine (at least ` +
          `${MIN_VERDICT_WINDOW_MS} ms)`,
      ],
    };
  return { ...section, ...machineVerdict(section) };
}

/** A thread group's wait over the window: the interval-weighted mean of its means, the worst second's worst. */
function waitOver(
  samples: { ms: number; m: MachineSample }[],
  pick: (m: MachineSample) => ThreadWait | null,
): ThreadWait | null {
  const known = samples.filter((s) => pick(s.m) !== null);
  const ms = known.reduce((n, s) => n + s.ms, 0);
  if (ms === 0) return null;
  const waits = known.map((s) => ({ ms: s.ms, w: pick(s.m) as ThreadWait }));
  const weighted = (pick: (w: ThreadWait) => number): number =>
    Math.round((waits.reduce((n, x) => n + pick(x.w) * x.ms, 0) / ms) * 1000) / 1000;
  return {
    threads: Math.max(...waits.map((x) => x.w.threads)),
    mean: weighted((w) => w.mean),
    max: Math.max(...waits.map((x) => x.w.max)),
    runMean: weighted((w) => w.runMean ?? 0),
    busiest: { run: weighted((w) => w.busiest?.run ?? 0), wait: weighted((w) => w.busiest?.wait ?? 0) },
  };
}

type Figures = Omit<MachineSection, 'verdict' | 'reason' | 'queued'>;

/** The rule in the header, with the figures that decided it in words. */
export function machineVerdict(s: Figures): Pick<MachineSection, 'verdict' | 'reason' | 'queued'> {
  const starved =
    heldBack(s.loadThreadWait?.mean, s.loadThreadWait?.runMean) ||
    [s.targetThreadWait, s.watchedThreadWait].some((w) => heldBack(w?.busiest?.wait, w?.busiest?.run));
  const saturated = (s.busyPercentMean ?? 0) >= BUSY_PERCENT;
  const othersTook = othersTookCores(s);
  const queued = (s.loadThreadWait?.mean ?? 0) >= WAIT_SHARE;
  const figures = queued ? machineFigures(s) : null;
  if (!starved && !saturated) return { verdict: 'quiet', queued, reason: figures };
  if (!starved && othersTook) return { verdict: 'quiet', queued, reason: figures };
  return { verdict: othersTook ? 'others' : 'ours', queued, reason: machineFigures(s) };
}

/** Processes none of ours (or the hypervisor) took a material share of the machine over the window. */
export function othersTookCores(s: Pick<MachineSection, 'othersCoresMean' | 'stealPercentMean' | 'cores'>): boolean {
  const others = s.othersCoresMean ?? 0;
  return (others >= OTHERS_MIN_CORES && others >= OTHERS_SHARE * s.cores) || (s.stealPercentMean ?? 0) >= STEAL_PERCENT;
}

/**
 * Threads that waited a material share and had no idle time left: the wait held their work back. The load threads
 * by their mean (each carries load); a process by its busiest thread (its worker: the others mostly sleep).
 */
function heldBack(wait: number | undefined, run: number | undefined): boolean {
  if (wait === undefined) return false;
  return wait >= WAIT_SHARE && wait + (run ?? 1) >= RUNNABLE_SHARE;
}

/** "load threads waited 38% of the window for a core; others took 0.9 cores; CPU pressure 41%; cores 97% busy". */
export function machineFigures(s: Figures): string {
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  const parts: string[] = [];
  if (s.loadThreadWait)
    parts.push(
      `load threads waited ${pct(s.loadThreadWait.mean)} of the window for a core` +
        (s.loadThreadWait.max > s.loadThreadWait.mean + 0.05 ? ` (the worst ${pct(s.loadThreadWait.max)})` : '') +
        (s.loadThreadWait.runMean === undefined ? '' : ` and ran ${pct(s.loadThreadWait.runMean)}`),
    );
  const busiest = (w: ThreadWait | null): ThreadWait['busiest'] | null =>
    w?.busiest && w.busiest.wait >= 0.01 ? w.busiest : null;
  const target = busiest(s.targetThreadWait);
  if (target) parts.push(`the embedded target's busiest thread ran ${pct(target.run)} and waited ${pct(target.wait)}`);
  const watched = busiest(s.watchedThreadWait);
  if (watched) parts.push(`the watched processes' busiest thread ran ${pct(watched.run)}, waited ${pct(watched.wait)}`);
  if (s.othersCoresMean !== null) parts.push(`others took ${s.othersCoresMean} cores`);
  if (s.oursCoresMean !== null) parts.push(`our processes ${s.oursCoresMean}`);
  if ((s.stealPercentMean ?? 0) >= 1) parts.push(`steal ${s.stealPercentMean}%`);
  if (s.cpuPressure !== null) parts.push(`CPU pressure ${pct(s.cpuPressure)}`);
  if (s.busyPercentMean !== null) parts.push(`cores ${Math.round(s.busyPercentMean)}% busy of ${s.cores}`);
  return parts.join('; ');
}

/**
 * A run the machine limited, or whose load threads queued for a core, says so: its latency includes the machine's
 * queueing, not only the target's. Who took the cores decides the words (others, or the run's own processes).
 */
export function machineWarnings(machine: MachineSection | null | undefined): string[] {
  if (!machine) return [];
  const others = othersTookCores(machine);
  if (!limitedOrQueued(machine)) return watchedQueuedWarning(machine, others);
  if (machine.verdict === 'quiet')
    return [
      `the load threads queued for a core while ${others ? 'other work' : "the run's own processes"} used the ` +
        `machine (${machine.reason}): latency includes that wait${others ? '; run again on a quiet machine' : ''}`,
    ];
  if (others)
    return [
      `the machine was busy with other work (${machine.reason}): figures include waiting for a core and are not ` +
        "the target's alone; run again on a quiet machine",
    ];
  return [
    `this machine was full with the run's own processes (${machine.reason}): figures include waiting for a core; ` +
      "they are this setup's (generator, target and watched processes sharing its cores), not the target's alone; " +
      'put the generator on another host (shards) to measure the target',
  ];
}

/**
 * A quiet run whose watched processes (a loopback target's, --watch-pid) queued for a core: the target's answers
 * include that wait, which a latency figure cannot tell from the target's own (find's whose-limit reads it too).
 */
function watchedQueuedWarning(machine: MachineSection, others: boolean): string[] {
  if (!watchedQueued(machine)) return [];
  const wait = machine.watchedThreadWait?.busiest?.wait ?? 0;
  return [
    `the watched processes' busiest thread waited ${Math.round(wait * 100)}% of the window for a core while ` +
      `${others ? 'other work' : "the run's own processes"} used the machine (${machineFigures(machine)}): the ` +
      `target's latency includes that wait${others ? '; run again on a quiet machine' : ''}`,
  ];
}

/**
 * The watched processes' busiest thread (a loopback target's worker) queued for a core: it waited WAIT_SHARE of the
 * window or more, or, on saturated cores (BUSY_PERCENT), at least as long as it ran (and WATCHED_MIN_WAIT of the
 * window): a target that mostly sleeps waits at every wake-up when no core is idle, so its answers took at least
 * twice its own CPU time, and its latency is the machine's as much as its own (serve --service-time 1ms beside
 * others' work on both cores ran 1-3% of the window and waited 2-9%, its p99 27-115 ms at 8-20% of its capacity).
 */
export function watchedQueued(m: Pick<MachineSection, 'watchedThreadWait' | 'busyPercentMean'>): boolean {
  const b = m.watchedThreadWait?.busiest;
  if (!b) return false;
  if (b.wait >= WAIT_SHARE) return true;
  return (m.busyPercentMean ?? 0) >= BUSY_PERCENT && b.wait >= WATCHED_MIN_WAIT && b.wait >= b.run;
}

/**
 * The target starved for a core: the watched (or embedded) target's busiest thread was runnable (running or waiting)
 * STARVED_RUNNABLE of the window or more and waited at least as long as it ran (a quarter of the window at least): it
 * had work half the window and got a core for at most half of that, so what it did not do (connects and handshakes
 * timed out, a load not carried) the wait held back as much as its own limit. A limiter holding load back (a rate
 * limit, a connection cap) mostly sleeps, however long each wake-up waits: HAProxy's `rate-limit sessions 500` beside
 * a busy loop per core, others at 1.8 cores, ran 6-8% and waited 13-40% of the window (runnable 19-47%; 58% twice at
 * a load average of 11, where it carried 465-468/s, below its own 500), where HAProxy terminating TLS ran 4-9% and
 * waited 43-82% (runnable 50-90%). The load threads' own starvation is the verdict's (`heldBack`, RUNNABLE_SHARE).
 * In words; null when the target did not starve.
 */
export function targetStarved(m: Pick<MachineSection, 'targetThreadWait' | 'watchedThreadWait'>): string | null {
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  const sides: [string, ThreadWait['busiest'] | undefined][] = [
    ["the watched target's busiest thread", m.watchedThreadWait?.busiest],
    ["the embedded target's busiest thread", m.targetThreadWait?.busiest],
  ];
  for (const [who, b] of sides)
    if (b && b.wait >= b.run && b.run + b.wait >= STARVED_RUNNABLE)
      return `${who} starved: runnable ${pct(b.run + b.wait)} of the window, it waited ${pct(b.wait)} for a core`;
  return null;
}

/** The machine limited the run, or its load threads queued for a core: every reader says so. */
export function limitedOrQueued(m: Pick<MachineSection, 'verdict' | 'queued'>): boolean {
  return m.verdict !== 'quiet' || m.queued === true;
}

/** The verdict as people read it: quiet, ours, others, or "kept up, queued". */
export function verdictWord(m: Pick<MachineSection, 'verdict' | 'queued'>): string {
  return m.verdict === 'quiet' && m.queued ? 'kept up, queued' : m.verdict;
}

/** Worst first: others took the cores, ours filled them, quiet but queued, quiet. */
const rank = (m: MachineSection): number => (m.verdict === 'others' ? 0 : m.verdict === 'ours' ? 1 : m.queued ? 2 : 3);

/**
 * Shards ran on machines of their own: the merged result keeps the shard whose machine limited it most (others,
 * then ours, then queued), since one shard's starved generator colours every merged figure; absent when none has one.
 */
export function mergeMachine(sections: (MachineSection | undefined)[]): MachineSection | undefined {
  const known = sections.filter((m): m is MachineSection => m !== undefined);
  return known.length === 0 ? undefined : known.reduce((worst, m) => (rank(m) < rank(worst) ? m : worst));
}

/**
 * The machine over the measured window, and its verdict: `machine      2 cores 97% busy (98%, 96%); ours 1.80
 * cores, others 0.10; CPU pressure 41%; load threads waited 38% (ran 55%); verdict ours`.
 */
export function machineLine(m: MachineSection): string {
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  const perCore = m.coreBusyPercentMean.map((c) => `${Math.round(c)}%`).join(', ');
  const parts = [
    m.busyPercentMean === null
      ? `${m.cores} cores`
      : `${m.cores} cores ${Math.round(m.busyPercentMean)}% busy (${perCore})`,
    ...(m.oursCoresMean === null
      ? []
      : [`ours ${m.oursCoresMean.toFixed(2)} cores, others ${m.othersCoresMean?.toFixed(2)}`]),
    ...(m.stealPercentMean ? [`steal ${m.stealPercentMean}%`] : []),
    m.cpuPressure === null ? 'CPU pressure -' : `CPU pressure ${pct(m.cpuPressure)}`,
    ...(m.loadThreadWait
      ? [`load threads waited ${pct(m.loadThreadWait.mean)} (ran ${pct(m.loadThreadWait.runMean ?? 0)})`]
      : []),
    ...(m.targetThreadWait?.busiest ? [`target's busiest thread waited ${pct(m.targetThreadWait.busiest.wait)}`] : []),
    `verdict ${verdictWord(m)}`,
  ];
  return `machine      ${parts.join('; ')}${m.unavailable.length ? ` (unavailable: ${m.unavailable.join('; ')})` : ''}`;
}

/** One line per figure and run, as % of the second (others as % of the machine's cores). */
function machineChart(runs: LabelledRun[]): WitnessChart | null {
  const points = runs.flatMap(({ label, result }) => {
    const cores = result.machine?.cores ?? result.environment.cores;
    const name = (what: string): string => `${label} ${what}`.trim();
    return result.timeline.flatMap((row) => {
      const m = row.machine;
      if (!m) return [];
      const figures: [string, number | null][] = [
        ['cores busy', m.busyPercent],
        ['others', m.othersCores === null ? null : (m.othersCores / cores) * 100],
        ['CPU pressure', m.cpuPressure === null ? null : m.cpuPressure * 100],
        ['load threads waited', m.loadThreadWait === null ? null : m.loadThreadWait.mean * 100],
      ];
      return figures.flatMap(([what, value]) => (value === null ? [] : [{ series: name(what), t: row.t, value }]));
    });
  });
  if (points.length === 0) return null;
  return {
    title: 'The machine',
    note:
      'each second: all cores busy, others (processes none of ours) as a share of the cores, CPU pressure (PSI ' +
      'some), and the run-queue wait of the load threads',
    yLabel: '% of the second',
    points,
  };
}

/** Each run's measured window: busy, ours and others, pressure, waits, and the verdict with its reason. */
function machineTable(runs: LabelledRun[]): WitnessTable | null {
  const withMachine = runs.filter(({ result }) => result.machine);
  if (withMachine.length === 0) return null;
  const pct = (v: number | null | undefined): string =>
    v === null || v === undefined ? '-' : `${Math.round(v * 100)}%`;
  return {
    title: 'The machine',
    header: ['run', 'cores busy', 'ours', 'others', 'CPU pressure', 'load threads waited', 'verdict'],
    rows: withMachine.map(({ label, result }) => {
      const m = result.machine as NonNullable<RunResult['machine']>;
      return [
        label,
        m.busyPercentMean === null ? '-' : `${Math.round(m.busyPercentMean)}% of ${m.cores}`,
        m.oursCoresMean === null ? '-' : `${m.oursCoresMean} cores`,
        m.othersCoresMean === null ? '-' : `${m.othersCoresMean} cores`,
        pct(m.cpuPressure),
        pct(m.loadThreadWait?.mean),
        `${verdictWord(m)}${m.reason ? `: ${m.reason}` : ''}`,
      ];
    }),
  };
}

/** The machine over a probe's window: `97% busy, others 0.9, wait 38%` (cores busy, others' cores, load wait). */
export function machineCell(p: ProbeRecord): string {
  const m = p.machine;
  if (!m) return '-';
  const parts = [
    ...(m.busyPercentMean === null ? [] : [`${Math.round(m.busyPercentMean)}% busy`]),
    ...(m.othersCoresMean === null ? [] : [`others ${m.othersCoresMean.toFixed(1)}`]),
    ...(m.loadThreadWait === null ? [] : [`wait ${Math.round(m.loadThreadWait.mean * 100)}%`]),
  ];
  return parts.length ? parts.join(', ') : '-';
}
