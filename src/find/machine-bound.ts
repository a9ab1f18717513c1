/**
 * How many sessions this machine can hold for a `--vary conns` search, worked out before anything is spawned: the
 * memory the generator's and the embedded target's processes (as many as the run's preflight would start) and the
 * kernel need for them. A search asked past it (`--to 10000000` once started 51 target processes, 2.4 GiB, and died
 * at start-up with no document) is clamped to it, and says so. File descriptors and ephemeral ports are not this
 * bound: a probe past them is refused by the run's preflight and ends the search as the generator's limit.
 */

import { readFileSync } from 'node:fs';
import { MAX_CONNS } from '../config/resolve-run-config.js';
import type { RunConfig } from '../config/run-config.js';
import { CouldNotRunError } from '../core/errors.js';
import { formatBytes, formatCount } from '../core/units.js';
import { preflight, readSystemLimits, type SystemLimits } from '../preflight/limits.js';

/** Resident memory of one Node process (a generator or an embedded target process) before its sessions. */
export const PROCESS_BYTES = 64 * 1024 * 1024;
/**
 * Per session, rounded up from docs/performance.md: the generator's (about 1.7 KB plain, 35 KB with TLS), the
 * embedded target's (a bare Node socket is 6.9 KB; serve --tls 27 KB) and the kernel's two sockets.
 */
const SESSION_BYTES = { generator: 2048, generatorTls: 40 * 1024, target: 8192, targetTls: 32 * 1024, kernel: 6144 };
/** The share of the memory available at the start a search may plan to use: the machine is not ours alone. */
export const MEMORY_SHARE = 0.5;
/** The embedded target is sized for this many sessions when --to is not given (it starts once, for the search). */
export const UNBOUNDED_EMBEDDED_SESSIONS = 100_000;

export interface SessionBound {
  /** The most sessions the search may ask. */
  max: number;
  /** What sets it, with the figures. */
  why: string;
}

/** /proc/meminfo's MemAvailable, in bytes; null where it cannot be read. */
export function readMemAvailable(): number | null {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * What `conns` sessions cost this machine: every process's base (as many generator and embedded target processes as
 * the run's preflight would start for them) and each session's share on both sides.
 */
export function sessionsBytes(config: RunConfig, conns: number, limits: SystemLimits): number {
  // The process count alone: ports and a fixed --processes are each probe's preflight, not this bound.
  const plan = preflight(
    { conns, embeddedTarget: config.target === null, processes: 0, sourceIps: config.sourceIps.length },
    { ...limits, portRange: null },
  );
  const generators = config.processes > 0 ? config.processes : plan.processes;
  const embedded = config.target === null;
  const tls = config.tls !== null;
  const perSession =
    (tls ? SESSION_BYTES.generatorTls : SESSION_BYTES.generator) +
    SESSION_BYTES.kernel +
    (embedded ? (tls ? SESSION_BYTES.targetTls : SESSION_BYTES.target) : 0);
  return (generators + plan.targetProcesses) * PROCESS_BYTES + conns * perSession;
}

/** The largest n in [1, hi] with fits(n) (fits falls from true to false as n grows); 0 when fits(1) is false. */
function largest(hi: number, fits: (n: number) => boolean): number {
  if (!fits(1)) return 0;
  if (fits(hi)) return hi;
  let lo = 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The most sessions a conns search with these settings may ask, up to `ceiling`, by memory: null when the ceiling
 * fits (or the memory available cannot be read). The generator's fds and ports stay each probe's preflight: a probe
 * past them ends the search as the generator's limit, with its fix (run-find.ts).
 */
export function machineSessionBound(
  config: RunConfig,
  ceiling: number,
  limits: SystemLimits = readSystemLimits(),
  available: number | null = readMemAvailable(),
): SessionBound | null {
  if (available === null) return null;
  const budget = available * MEMORY_SHARE;
  const max = largest(ceiling, (n) => sessionsBytes(config, n, limits) <= budget);
  if (max >= ceiling) return null;
  const bytes = sessionsBytes(config, Math.max(1, max), limits);
  return {
    max,
    why:
      `${formatCount(max)} sessions take ~${formatBytes(bytes)} (about ${formatBytes(bytes / Math.max(1, max))} ` +
      `each with the generator's and target's processes), ${Math.round(MEMORY_SHARE * 100)}% of the ` +
      `${formatBytes(available)} this machine has available`,
  };
}

/** A conns search's --to brought down to what this machine holds: what was asked (null: no --to) and why. */
export interface SearchClamp {
  asked: number | null;
  to: number;
  why: string;
}

/**
 * The --to a conns search may use here, or null when the asked one fits. Refuses (exit 3, the figures) a --from this
 * machine cannot hold. Without --to, an embedded target (started once, before the first probe) is sized for
 * UNBOUNDED_EMBEDDED_SESSIONS (or --from, when above it), so the search goes no further than that either.
 */
export function clampConnsSearch(
  config: RunConfig,
  from: number,
  to: number,
  bound = machineSessionBound,
): SearchClamp | null {
  const asked = Number.isFinite(to) ? to : null;
  const unsized = config.target === null && asked === null;
  // Unsized: room for --from at least (a search from past it would ask more than the target holds).
  const sized = unsized ? Math.max(UNBOUNDED_EMBEDDED_SESSIONS, from) : Number.POSITIVE_INFINITY;
  const ceiling = Math.min(to, MAX_CONNS, sized);
  const machine = bound(config, ceiling);
  if (machine !== null && from > machine.max)
    throw new CouldNotRunError(
      `--from ${formatCount(from)}: this machine can hold ${formatCount(machine.max)} sessions: ${machine.why}`,
      'start lower (--from), or run the generator and the target on machines with the memory (shards)',
    );
  if (machine !== null) return { asked, to: machine.max, why: `what this machine can hold: ${machine.why}` };
  if (ceiling < to)
    return {
      asked,
      to: ceiling,
      why: unsized
        ? `the embedded target starts once, sized for ${formatCount(ceiling)} sessions when --to is not given ` +
          '(give --to for more)'
        : `a probe is a run, and a run holds at most ${formatCount(MAX_CONNS)} sessions (--conns)`,
    };
  return null;
}

/** The line a clamped search prints before it starts. */
export function clampLine(c: SearchClamp): string {
  const asked = c.asked === null ? 'the search (no --to)' : `--to ${formatCount(c.asked)}`;
  return `l4stress: ${asked} goes up to ${formatCount(c.to)} sessions: ${c.why}`;
}
