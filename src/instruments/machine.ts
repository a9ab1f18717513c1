/**
 * The machine, read once a second from /proc: every core's busy share (/proc/stat), the kernel's CPU pressure
 * (/proc/pressure/cpu, "some": the share of time in which some runnable task waited for a CPU) and the run-queue wait
 * of chosen threads (/proc/PID/task/TID/schedstat, second field: ns runnable but not running). A load thread that is
 * starved shows a low CPU share *because* it waits: only its wait says so. Per host, not per network namespace.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { MachineSample, ThreadWait } from '../documents/machine.js';

export type { MachineSample, ThreadWait };

/** One core's (or the machine's) /proc/stat ticks: busy, steal and all of them. */
export interface CoreTicks {
  busy: number;
  steal: number;
  irq: number;
  total: number;
}

/** /proc/stat's `cpuN` lines: user nice system idle iowait irq softirq steal (guest time is inside user). */
export function parseProcStat(text: string): CoreTicks[] {
  const cores: CoreTicks[] = [];
  for (const line of text.split('\n')) {
    if (!/^cpu\d+ /.test(line)) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const irqs = (irq ?? 0) + (softirq ?? 0);
    cores.push({
      busy: user + nice + system + irqs,
      steal: steal ?? 0,
      irq: irqs,
      total: user + nice + system + idle + (iowait ?? 0) + irqs + (steal ?? 0),
    });
  }
  return cores;
}

/** /proc/pressure/cpu's "some" total (µs of the host's life in which some task waited for a CPU); null if absent. */
export function parsePressureTotal(text: string): number | null {
  const m = /^some .*total=(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** A thread's schedstat: ns on a CPU and ns runnable on a run queue; null when it is gone. */
export function parseSchedstat(text: string): { runNs: number; waitNs: number } | null {
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  return Number.isFinite(run) && Number.isFinite(wait) ? { runNs: run, waitNs: wait } : null;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The OS thread id of the calling thread (a worker's own), from /proc/thread-self; null off Linux. */
export function currentThread(): { pid: number; tid: number } | null {
  try {
    const m = /^(\d+)\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
    return m ? { pid: Number(m[1]), tid: Number(m[2]) } : null;
  } catch {
    return null;
  }
}

/** Which threads to watch: the load threads by id, the target's and watched processes' threads all. */
export interface MachineThreads {
  load: { pid: number; tid: number }[];
  targetPids: number[];
  watchedPids: number[];
}

type ThreadMarks = Map<string, { runNs: number; waitNs: number }>;

/** Consecutive readings of the machine, each turned into one interval's sample. */
export class MachineSampler {
  /** Why a source is missing (its figures are null), said once each. */
  readonly unavailable: string[] = [];
  private lastAt = performance.now();
  private lastCores = this.readCores();
  private lastPressure = this.readPressure();
  private readonly lastThreads = new Map<string, ThreadMarks>();

  constructor(private readonly threads: () => MachineThreads) {
    this.sampleThreads('load', 0);
    this.sampleThreads('target', 0);
    this.sampleThreads('watched', 0);
  }

  /** Restarts the interval (the load's start): the next sample covers only what follows. */
  restart(): void {
    this.lastAt = performance.now();
    this.lastCores = this.readCores();
    this.lastPressure = this.readPressure();
    for (const group of ['load', 'target', 'watched'] as const) this.sampleThreads(group, 0);
  }

  /** The interval since the previous sample; `oursCores` is the CPU the run's own processes took in it. */
  sample(oursCores: number | null): MachineSample {
    const now = performance.now();
    const intervalNs = (now - this.lastAt) * 1e6;
    this.lastAt = now;
    const cores = this.readCores();
    const pressure = this.readPressure();
    const sample = coreFigures(this.lastCores, cores, oursCores);
    this.lastCores = cores;
    const pressureShare =
      pressure !== null && this.lastPressure !== null && intervalNs > 0
        ? round3(clampShare(((pressure - this.lastPressure) * 1000) / intervalNs))
        : null;
    this.lastPressure = pressure;
    return {
      ...sample,
      cpuPressure: pressureShare,
      loadThreadWait: this.sampleThreads('load', intervalNs),
      targetThreadWait: this.sampleThreads('target', intervalNs),
      watchedThreadWait: this.sampleThreads('watched', intervalNs),
    };
  }

  private readCores(): CoreTicks[] | null {
    const text = read('/proc/stat');
    if (text === null) this.note('cores: /proc/stat is not readable (not Linux?)');
    return text === null ? null : parseProcStat(text);
  }

  private readPressure(): number | null {
    const text = read('/proc/pressure/cpu');
    const total = text === null ? null : parsePressureTotal(text);
    if (total === null) this.note('CPU pressure: /proc/pressure/cpu is missing (a kernel without PSI, or psi=0)');
    return total;
  }

  /** The group's wait share over `intervalNs` (0: only take the marks); null when no thread of it is readable. */
  private sampleThreads(group: 'load' | 'target' | 'watched', intervalNs: number): ThreadWait | null {
    const marks: ThreadMarks = new Map();
    for (const key of this.threadKeys(group)) {
      const stat = read(`/proc/${key}/schedstat`);
      const parsed = stat === null ? null : parseSchedstat(stat);
      // All zeros is a kernel that keeps no run-queue accounting (no schedstats), not a thread that never waited.
      if (parsed && (parsed.runNs > 0 || parsed.waitNs > 0)) marks.set(key, parsed);
    }
    const last = this.lastThreads.get(group);
    this.lastThreads.set(group, marks);
    if (intervalNs <= 0 || !last) return null;
    const shares: number[] = [];
    const runs: number[] = [];
    let busiest = { run: 0, wait: 0 };
    for (const [key, now] of marks) {
      const before = last.get(key);
      if (!before) continue;
      const ran = now.runNs - before.runNs;
      const waited = now.waitNs - before.waitNs;
      // A thread that neither ran nor waited was asleep: not part of the work, not in the mean.
      if (ran + waited <= 0 && group !== 'load') continue;
      const thread = { run: clampShare(ran / intervalNs), wait: clampShare(waited / intervalNs) };
      shares.push(thread.wait);
      runs.push(thread.run);
      if (thread.run + thread.wait > busiest.run + busiest.wait) busiest = thread;
    }
    if (shares.length === 0) {
      if (marks.size === 0 && this.threadKeys(group).length > 0)
        this.note('run-queue wait: no /proc/PID/task/TID/schedstat to read (threads gone, or no schedstats)');
      return null;
    }
    return {
      threads: shares.length,
      mean: round3(shares.reduce((a, b) => a + b, 0) / shares.length),
      max: round3(Math.max(...shares)),
      runMean: round3(runs.reduce((a, b) => a + b, 0) / runs.length),
      busiest: { run: round3(busiest.run), wait: round3(busiest.wait) },
    };
  }

  private threadKeys(group: 'load' | 'target' | 'watched'): string[] {
    const t = this.threads();
    if (group === 'load') return t.load.map((l) => `${l.pid}/task/${l.tid}`);
    const pids = group === 'target' ? t.targetPids : t.watchedPids;
    return pids.flatMap((pid) => {
      try {
        return readdirSync(`/proc/${pid}/task`).map((tid) => `${pid}/task/${tid}`);
      } catch {
        return [];
      }
    });
  }

  private note(reason: string): void {
    if (!this.unavailable.includes(reason)) this.unavailable.push(reason);
  }
}

/** Busy, steal and others from two /proc/stat readings (`oursCores`: the run's processes over the same interval). */
export function coreFigures(
  before: CoreTicks[] | null,
  after: CoreTicks[] | null,
  oursCores: number | null,
): Pick<MachineSample, 'busyPercent' | 'coreBusyPercent' | 'stealPercent' | 'oursCores' | 'othersCores'> {
  if (!before || !after || before.length !== after.length || after.length === 0)
    return { busyPercent: null, coreBusyPercent: [], stealPercent: null, oursCores: null, othersCores: null };
  const d = after.map((a, i) => ({
    busy: a.busy - before[i].busy,
    steal: a.steal - before[i].steal,
    irq: a.irq - before[i].irq,
    total: a.total - before[i].total,
  }));
  const sum = (k: keyof CoreTicks): number => d.reduce((n, c) => n + c[k], 0);
  const total = sum('total');
  if (total <= 0)
    return { busyPercent: null, coreBusyPercent: [], stealPercent: null, oursCores: null, othersCores: null };
  const n = after.length;
  const busyCores = (sum('busy') / total) * n;
  const irqCores = (sum('irq') / total) * n;
  return {
    busyPercent: round1(clampPercent((sum('busy') / total) * 100)),
    coreBusyPercent: d.map((c) => round1(c.total > 0 ? clampPercent((c.busy / c.total) * 100) : 0)),
    stealPercent: round1(clampPercent((sum('steal') / total) * 100)),
    oursCores: oursCores === null ? null : round2(Math.min(n, oursCores)),
    othersCores: oursCores === null ? null : round2(Math.max(0, busyCores - irqCores - oursCores)),
  };
}

const clampShare = (v: number): number => Math.min(1, Math.max(0, v));
const clampPercent = (v: number): number => Math.min(100, Math.max(0, v));
const round1 = (v: number): number => Math.round(v * 10) / 10;
const round2 = (v: number): number => Math.round(v * 100) / 100;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;
