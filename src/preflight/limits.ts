/**
 * Checks, before any socket opens, that the run fits the machine: file descriptors in the generator process and
 * in the embedded target's process, and ephemeral ports towards one destination. Says what to change when it
 * does not, instead of failing half-way with EMFILE or EADDRNOTAVAIL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { CouldNotRunError } from '../core/errors.js';
import { formatCount } from '../core/units.js';

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
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const m = line && /Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (!m) return { fdSoft: null, fdHard: null };
    const n = (s: string): number => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
    return { fdSoft: n(m[1]), fdHard: n(m[2]) };
  } catch {
    return { fdSoft: null, fdHard: null };
  }
}

function countOpenFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
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
  /** True when the embedded target (children with the same fd limit) must hold as many sockets. */
  embeddedTarget: boolean;
  /** Generator processes asked for; 0 = as many as the connections need. */
  processes?: number;
  /** Bound local addresses (--source-ips); none = the kernel picks the source address. */
  sourceIps?: number;
  /**
   * --udp: one socket per flow in the generator, as TCP (the same split into processes), but one socket in an
   * embedded UDP target whatever the flows; and a UDP port bound once per local address, whatever the destination.
   */
  udp?: boolean;
}

/**
 * Flows per embedded UDP target process: each serves on one socket, whose receive buffer must hold a datagram of
 * every flow at once (a closed loop keeps one in flight per flow; a small one takes about 1 KiB of buffer in the
 * kernel), and the 8 MiB the target asks for (capped by net.core.rmem_max) holds about 7,000. 10,000 flows
 * through one socket lost 0.7% of their datagrams to RcvbufErrors on a busy 2-core machine; through two, none.
 */
export const UDP_FLOWS_PER_TARGET = 5000;

export interface PreflightReport {
  limits: SystemLimits;
  /** Most connections one process can hold, given its fd limit. */
  maxConnsByFds: number | null;
  /** Most connections the port range allows with the chosen sources and targets. */
  maxConnsByPorts: number | null;
  /** Generator processes the run will use. */
  processes: number;
  /** Embedded target processes (each on its own port); 0 with --target. */
  targetProcesses: number;
}

/** Throws CouldNotRunError naming the limit and the fix when the run cannot fit; otherwise says how it will run. */
export function preflight(input: PreflightInput, limits: SystemLimits = readSystemLimits()): PreflightReport {
  const used = limits.fdOpen ?? 0;
  const maxConnsByFds = limits.fdSoft === null ? null : Math.max(0, limits.fdSoft - used - FD_RESERVE);
  const needed = maxConnsByFds === null || maxConnsByFds === 0 ? 1 : Math.ceil(input.conns / maxConnsByFds);
  const processes = input.processes && input.processes > 0 ? input.processes : needed;
  const targetProcesses = input.embeddedTarget
    ? input.udp
      ? Math.ceil(input.conns / UDP_FLOWS_PER_TARGET)
      : needed
    : 0;
  const perProcess = Math.ceil(input.conns / processes);
  const sources = input.sourceIps ?? 0;
  const range = limits.portRange ? limits.portRange[1] - limits.portRange[0] + 1 : null;
  // A bound source address owns its ports whatever the destination; an unbound one gets the range per destination.
  const perSource = input.udp ? 1 : Math.max(1, targetProcesses);
  const maxConnsByPorts = range === null ? null : range * (sources > 0 ? sources : perSource);

  if (maxConnsByFds !== null && perProcess > maxConnsByFds) {
    const raise =
      limits.fdHard !== null && limits.fdHard > limits.fdSoft!
        ? `raise the soft limit (ulimit -n ` +
          `${limits.fdHard === Infinity ? perProcess + 1000 : Math.min(limits.fdHard, perProcess + 1000)})`
        : `the hard limit is ${formatCount(limits.fdHard ?? 0)}, so raise it as root (ulimit -Hn, ` +
          `/etc/security/limits.conf, LimitNOFILE=)`;
    throw new CouldNotRunError(
      `--conns ${formatCount(input.conns)} over ${processes} process${processes === 1 ? '' : 'es'} needs ` +
        `${formatCount(perProcess + used + FD_RESERVE)} file descriptors in one process, ` +
        `but the limit (ulimit -n) is ${formatCount(limits.fdSoft!)}`,
      `use --processes ${needed} or more (or leave --processes out: it picks that), lower --conns, or ${raise}`,
    );
  }
  if (maxConnsByPorts !== null && input.conns > maxConnsByPorts) {
    throw new CouldNotRunError(
      `--conns ${formatCount(input.conns)} exceeds the ${formatCount(maxConnsByPorts)} ` +
        `${input.udp ? 'flows' : 'connections'} the ephemeral port range allows ` +
        `(net.ipv4.ip_local_port_range = ${limits.portRange!.join('-')}, ${formatCount(range!)} ports per ` +
        `${sources > 0 ? `source address, ${sources} given` : input.udp ? 'local address' : 'destination'})`,
      `spread connections over more local addresses (--source-ips ` +
        `127.0.0.1-127.0.0.${Math.min(254, Math.ceil(input.conns / range!) + 1)} on loopback), ` +
        `or widen the range: sysctl -w net.ipv4.ip_local_port_range="1024 65535"`,
    );
  }
  return { limits, maxConnsByFds, maxConnsByPorts, processes, targetProcesses };
}
