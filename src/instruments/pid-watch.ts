/**
 * CPU % and RSS of other processes (--watch-pid, and the embedded target), once a second from /proc. A process
 * that exits mid-run stops being sampled and is reported as exited, with when.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { WatchedSample, WatchedSummary, WatchRole } from '../documents/result.js';
import { MACHINE_PERCENT, MIN_PEAK_INTERVAL_MS } from './process-usage.js';

/** Kernel clock ticks per second for /proc/PID/stat times; 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

export type { WatchedSample, WatchedSummary, WatchRole };

interface State {
  pid: number;
  role: WatchRole;
  name: string;
  lastTicks: number;
  lastAt: number;
  /** Where sampling began: the mean is all CPU time over all wall time, whatever the samples' lengths. */
  firstTicks: number;
  firstAt: number;
  cpuMax: number;
  rssMax: number;
  samples: number;
  exited: boolean;
  exitedAfterS: number | null;
}

function readTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  } catch {
    return null;
  }
}

/** Resident memory of `pid` in bytes (VmRSS); null when it is gone. */
export function readRss(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return null;
  }
}

export function processName(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * The watched processes with their children (an nginx or HAProxy master's workers, which do the work), each child
 * in its parent's role, read once at the start from /proc/PID/task/TID/children of each of its threads; a process
 * without children, or a kernel without that file, is watched alone.
 */
export function withChildren(
  watch: { pid: number; role: WatchRole }[],
  ours: number[] = [],
): { pid: number; role: WatchRole }[] {
  const out = [...watch];
  // The generator's own processes are never a watched process's children (a --watch-pid of l4stress's own shell).
  const seen = new Set([...watch.map((w) => w.pid), ...ours]);
  for (const w of watch) {
    if (w.role !== 'watched') continue;
    for (const child of childPids(w.pid))
      if (!seen.has(child)) {
        seen.add(child);
        out.push({ pid: child, role: w.role });
      }
  }
  return out;
}

function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** A watched process at one moment: its RSS and the CPU it has used so far (ms). */
export interface WatchMark {
  rssBytes: number;
  cpuMs: number;
}
/** Every live watched process at one moment, by PID. */
export type WatchMarks = Record<number, WatchMark>;

/** All CPU time over all wall time since sampling began, % of one core; null before a second sample. */
function meanOf(s: State): number | null {
  if (!s.samples || s.lastAt <= s.firstAt) return null;
  return Math.min(
    MACHINE_PERCENT,
    ((((s.lastTicks - s.firstTicks) / CLOCK_TICKS) * 1000) / (s.lastAt - s.firstAt)) * 100,
  );
}

export class PidWatcher {
  private readonly states: State[];
  private readonly startedAt = performance.now();

  /** Throws nothing: a PID that is already gone is reported as exited from the start. */
  constructor(watch: { pid: number; role: WatchRole }[]) {
    const seen = new Set<number>();
    this.states = watch
      .filter((w) => !seen.has(w.pid) && seen.add(w.pid))
      .map(({ pid, role }) => {
        const ticks = readTicks(pid);
        return {
          pid,
          role,
          name: processName(pid) ?? '?',
          lastTicks: ticks ?? 0,
          lastAt: performance.now(),
          firstTicks: ticks ?? 0,
          firstAt: performance.now(),
          cpuMax: 0,
          rssMax: 0,
          samples: 0,
          exited: ticks === null,
          exitedAfterS: ticks === null ? 0 : null,
        };
      });
  }

  sample(): WatchedSample[] {
    const out: WatchedSample[] = [];
    const now = performance.now();
    for (const s of this.states) {
      if (s.exited) continue;
      const ticks = readTicks(s.pid);
      const rss = readRss(s.pid);
      if (ticks === null || rss === null) {
        s.exited = true;
        s.exitedAfterS = Math.round((now - this.startedAt) / 100) / 10;
        continue;
      }
      const intervalMs = now - s.lastAt;
      const raw = intervalMs > 0 ? ((((ticks - s.lastTicks) / CLOCK_TICKS) * 1000) / intervalMs) * 100 : 0;
      const cpuPercent = Math.min(MACHINE_PERCENT, raw);
      s.lastTicks = ticks;
      s.lastAt = now;
      // A short interval is a few clock ticks: no busiest-second figure from it (it still counts in the mean).
      if (intervalMs >= MIN_PEAK_INTERVAL_MS) s.cpuMax = Math.max(s.cpuMax, cpuPercent);
      s.rssMax = Math.max(s.rssMax, rss);
      s.samples++;
      out.push({ pid: s.pid, cpuPercent: Math.round(cpuPercent * 10) / 10, rssBytes: rss });
    }
    return out;
  }

  /** Every live watched process now (a moment the run marks: before the ramp, after it, the measured phase). */
  mark(): WatchMarks {
    const out: WatchMarks = {};
    for (const s of this.states) {
      const ticks = readTicks(s.pid);
      const rss = readRss(s.pid);
      if (ticks !== null && rss !== null) out[s.pid] = { rssBytes: rss, cpuMs: (ticks * 1000) / CLOCK_TICKS };
    }
    return out;
  }

  summaries(): WatchedSummary[] {
    return this.states.map((s) => ({
      pid: s.pid,
      role: s.role,
      name: s.name,
      samples: s.samples,
      cpuPercentMean:
        s.samples && s.lastAt > s.firstAt
          ? Math.round(
              Math.min(
                MACHINE_PERCENT,
                ((((s.lastTicks - s.firstTicks) / CLOCK_TICKS) * 1000) / (s.lastAt - s.firstAt)) * 100,
              ) * 10,
            ) / 10
          : null,
      // The busiest second is at least the mean (every sample may have been too short to count as a peak).
      cpuPercentMax: s.samples ? Math.round(Math.max(s.cpuMax, meanOf(s) ?? 0) * 10) / 10 : null,
      maxRssBytes: s.samples ? s.rssMax : null,
      exited: s.exited,
      exitedAfterS: s.exitedAfterS,
    }));
  }
}
