/**
 * CPU % and RSS of other processes (--watch-pid, and the embedded target), once a second from /proc. A process
 * that exits mid-run stops being sampled and is reported as exited, with when.
 */
import { readFileSync } from 'node:fs';
import type { WatchedSample, WatchedSummary, WatchRole } from '../documents/result.js';

/** Kernel clock ticks per second for /proc/PID/stat times; 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

export type { WatchedSample, WatchedSummary, WatchRole };

interface State {
  pid: number;
  role: WatchRole;
  name: string;
  lastTicks: number;
  lastAt: number;
  cpuSum: number;
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

/** A watched process at one moment: its RSS and the CPU it has used so far (ms). */
export interface WatchMark {
  rssBytes: number;
  cpuMs: number;
}
/** Every live watched process at one moment, by PID. */
export type WatchMarks = Record<number, WatchMark>;

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
          cpuSum: 0,
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
      const cpuPercent = now > s.lastAt ? ((((ticks - s.lastTicks) / CLOCK_TICKS) * 1000) / (now - s.lastAt)) * 100 : 0;
      s.lastTicks = ticks;
      s.lastAt = now;
      s.cpuSum += cpuPercent;
      s.cpuMax = Math.max(s.cpuMax, cpuPercent);
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
      cpuPercentMean: s.samples ? Math.round((s.cpuSum / s.samples) * 10) / 10 : null,
      cpuPercentMax: s.samples ? Math.round(s.cpuMax * 10) / 10 : null,
      maxRssBytes: s.samples ? s.rssMax : null,
      exited: s.exited,
      exitedAfterS: s.exitedAfterS,
    }));
  }
}
