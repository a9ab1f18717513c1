/**
 * How many sessions this machine can hold for a `--vary conns` search, worked out before anything is spawned: the
 * generator's file descriptors and ephemeral ports (the run's own preflight, asked at each size) and the memory the
 * generator, the embedded target and the kernel need for them. A search asked past it (`--to 10000000` once started
 * 51 target processes, 2.4 GiB, and died at start-up with no document) is clamped to it, and says so.
 */

import { readFileSync } from 'node:fs';
import type { RunConfig } from '../config/run-config.js';
import { CouldNotRunError } from '../core/errors.js';
import { formatBytes, formatCount } from '../core/units.js';
import { preflight, readSystemLimits, type SystemLimits } from '../preflight/limits.js';
import { MAX_LOAD } from './find-config.js';

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

/** What `conns` sessions cost this machine: every process's base and each session's share on both sides. */
export function sessionsBytes(config: RunConfig, conns: number, limits: SystemLimits): number | null {
  const plan = planOf(config, conns, limits);
  if (plan === null) return null;
  const embedded = config.target === null;
  const tls = config.tls !== null;
  const perSession =
    (tls ? SESSION_BYTES.generatorTls : SESSION_BYTES.generator) +
    SESSION_BYTES.kernel +
    (embedded ? (tls ? SESSION_BYTES.targetTls : SESSION_BYTES.target) : 0);
  return (plan.processes + plan.targetProcesses) * PROCESS_BYTES + conns * perSession;
}

function planOf(config: RunConfig, conns: number, limits: SystemLimits) {
  try {
    return preflight(
      {
        conns,
        embeddedTarget: config.target === null,
        processes: config.processes,
        sourceIps: config.sourceIps.length,
      },
      limits,
    );
  } catch (e) {
    if (e instanceof CouldNotRunError) return null;
    throw e;
  }
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
 * The most sessions a conns search with these settings may ask, up to `ceiling`: null when the ceiling fits. The
 * generator's fds and ports (preflight: its message is the reason) and memory are each bounded; the lower wins.
 */
export function machineSessionBound(
  config: RunConfig,
  ceiling: number,
  limits: SystemLimits = readSystemLimits(),
  available: number | null = readMemAvailable(),
): SessionBound | null {
  const byLimits = largest(ceiling, (n) => planOf(config, n, limits) !== null);
  const budget = available === null ? Number.POSITIVE_INFINITY : available * MEMORY_SHARE;
  const byMemory = largest(ceiling, (n) => (sessionsBytes(config, n, limits) ?? 0) <= budget);
  if (byLimits >= ceiling && byMemory >= ceiling) return null;
  if (byLimits <= byMemory) {
    let why = 'the generator cannot hold one session';
    try {
      preflight({ conns: byLimits + 1, embeddedTarget: config.target === null, ...settings(config) }, limits);
    } catch (e) {
      if (e instanceof CouldNotRunError) why = e.message;
    }
    return { max: byLimits, why };
  }
  const each = sessionsBytes(config, byMemory, limits)! / byMemory;
  return {
    max: byMemory,
    why:
      `${formatCount(byMemory)} sessions take ~${formatBytes(sessionsBytes(config, byMemory, limits)!)} (about ` +
      `${formatBytes(each)} each with the generator's and target's processes), ${Math.round(MEMORY_SHARE * 100)}% ` +
      `of the ${formatBytes(available!)} this machine has available`,
  };
}

const settings = (config: RunConfig) => ({ processes: config.processes, sourceIps: config.sourceIps.length });

/** A conns search's --to brought down to what this machine holds: what was asked (null: no --to) and why. */
export interface SearchClamp {
  asked: number | null;
  to: number;
  why: string;
}

/**
 * The --to a conns search may use here, or null when the asked one fits. Refuses (exit 3, the figures) a --from this
 * machine cannot hold. Without --to, an embedded target (started once, before the first probe) is sized for
 * UNBOUNDED_EMBEDDED_SESSIONS, so the search goes no further than that either.
 */
export function clampConnsSearch(
  config: RunConfig,
  from: number,
  to: number,
  bound = machineSessionBound,
): SearchClamp | null {
  const asked = Number.isFinite(to) ? to : null;
  const unsized = config.target === null && asked === null;
  const ceiling = Math.min(to, MAX_LOAD, unsized ? UNBOUNDED_EMBEDDED_SESSIONS : Number.POSITIVE_INFINITY);
  const machine = bound(config, ceiling);
  if (machine !== null && from > machine.max)
    throw new CouldNotRunError(
      `--from ${formatCount(from)}: this machine can hold ${formatCount(machine.max)} sessions: ${machine.why}`,
      'start lower (--from), or give the generator more room (--source-ips, --processes, shards on other machines)',
    );
  if (machine !== null) return { asked, to: machine.max, why: `what this machine can hold: ${machine.why}` };
  if (ceiling < to)
    return {
      asked,
      to: ceiling,
      why:
        `the embedded target starts once, sized for ${formatCount(ceiling)} sessions when --to is not given ` +
        '(give --to for more)',
    };
  return null;
}

/** The line a clamped search prints before it starts. */
export function clampLine(c: SearchClamp): string {
  const asked = c.asked === null ? 'the search (no --to)' : `--to ${formatCount(c.asked)}`;
  return `l4stress: ${asked} goes up to ${formatCount(c.to)} sessions: ${c.why}`;
}
