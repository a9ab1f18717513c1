/**
 * Checks, before any socket opens, that the run fits the machine: file descriptors in the generator process and
 * in the embedded target's process, and ephemeral ports towards one destination. Says what to change when it
 * does not, instead of failing half-way with EMFILE or EADDRNOTAVAIL.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { CouldNotRunError } from '../cli/errors.js';
import { formatCount } from '../config/units.js';

export interface SystemLimits {
  /** RLIMIT_NOFILE of this process (children inherit it); null where /proc is unavailable. */
  fdSoft: number | null;
  fdHard: number | null;
  /** Descriptors already open in this process. */
  fdOpen: number | null;
  /** net.ipv4.ip_local_port_range, inclusive. */
  portRange: [number, number] | null;
}

/** Descriptors a process needs beyond its sockets: stdio, worker threads' event loops, the pool, the IPC pipe. */
export const FD_RESERVE = 100;

export function readSystemLimits(): SystemLimits {
  return { ...readFdLimits(), fdOpen: countOpenFds(), portRange: readPortRange() };
}

function readFdLimits(): { fdSoft: number | null; fdHard: number | null } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const m = line && /Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (!m) return { fdSoft: null, fdHard: null };
    const n = (s: string): number => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
    return { fdSoft: n(m[1]), fdHard: n(m[2]) };
  } catch {
    return { fdSoft: null, fdHard: null };
  }
}

function countOpenFds(): number | null {
  try { return readdirSync('/proc/self/fd').length; } catch { return null; }
}

function readPortRange(): [number, number] | null {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
  } catch {
    return null;
  }
}

export interface PreflightInput {
  conns: number;
  /** True when the embedded target (a child with the same fd limit) must hold as many sockets. */
  embeddedTarget: boolean;
}

export interface PreflightReport {
  limits: SystemLimits;
  /** Most connections this process can hold, given its fd limit. */
  maxConnsByFds: number | null;
  /** Most connections from one source address to one destination. */
  maxConnsByPorts: number | null;
}

/** Throws CouldNotRunError naming the limit and the fix when the run cannot fit. */
export function preflight(input: PreflightInput, limits: SystemLimits = readSystemLimits()): PreflightReport {
  const used = limits.fdOpen ?? 0;
  const maxConnsByFds = limits.fdSoft === null ? null : Math.max(0, limits.fdSoft - used - FD_RESERVE);
  const maxConnsByPorts = limits.portRange ? limits.portRange[1] - limits.portRange[0] + 1 : null;
  const report = { limits, maxConnsByFds, maxConnsByPorts };

  if (maxConnsByFds !== null && input.conns > maxConnsByFds) {
    const raise = limits.fdHard !== null && limits.fdHard > limits.fdSoft!
      ? `raise the soft limit (ulimit -n ${limits.fdHard === Infinity ? input.conns + 1000 : Math.min(limits.fdHard, input.conns + 1000)})`
      : `the hard limit is ${formatCount(limits.fdHard ?? 0)}, so raise it as root (ulimit -Hn, /etc/security/limits.conf, LimitNOFILE=)`;
    throw new CouldNotRunError(
      `--conns ${formatCount(input.conns)} needs ${formatCount(input.conns + used + FD_RESERVE)} file descriptors in one process, ` +
        `but the limit (ulimit -n) is ${formatCount(limits.fdSoft!)}`,
      `lower --conns to ${formatCount(maxConnsByFds)} or less, or ${raise}` +
        (input.embeddedTarget ? '; the embedded target needs as many again in its own process' : ''),
    );
  }
  if (maxConnsByPorts !== null && input.conns > maxConnsByPorts) {
    throw new CouldNotRunError(
      `--conns ${formatCount(input.conns)} exceeds the ${formatCount(maxConnsByPorts)} ephemeral ports one source address ` +
        `has towards one destination (net.ipv4.ip_local_port_range = ${limits.portRange!.join('-')})`,
      `lower --conns to ${formatCount(maxConnsByPorts)} or less, or widen the range: sysctl -w net.ipv4.ip_local_port_range="1024 65535"`,
    );
  }
  return report;
}
