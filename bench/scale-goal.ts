/**
 * The scale goal: N long-lived sessions held on this machine (preflight splits them over generator and embedded
 * target processes under the fd and port limits), none dropped, each pinged, and a ramp the kernel took without
 * dropping or retransmitting a SYN: ListenOverflows, ListenDrops and TCPTimeouts from /proc/net/netstat,
 * unchanged across the run.
 */
import { readFileSync } from 'node:fs';
import { l4stress } from './run-cli.js';

const KERNEL_COUNTERS = ['ListenOverflows', 'ListenDrops', 'TCPTimeouts'] as const;
type KernelCounters = Record<(typeof KERNEL_COUNTERS)[number], number>;

/** The TcpExt counters named above, from /proc/net/netstat (a header line, then a values line). */
export function tcpExtCounters(netstat = readFileSync('/proc/net/netstat', 'utf8')): KernelCounters {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = (lines[0] ?? '').split(/\s+/).slice(1);
  const values = (lines[1] ?? '').split(/\s+/).slice(1).map(Number);
  const out = {} as KernelCounters;
  for (const k of KERNEL_COUNTERS) {
    const i = names.indexOf(k);
    out[k] = i >= 0 ? values[i] : Number.NaN;
  }
  return out;
}

export interface ScaleOutcome {
  held: number;
  /** Why the goal is not met (empty: met). */
  problems: string[];
  summary: string;
}

export async function holdAtScale(conns: number): Promise<ScaleOutcome> {
  const before = tcpExtCounters();
  const r = await l4stress(
    [
      '--mode',
      'hold',
      '-c',
      String(conns),
      '--ping-interval',
      '5s',
      '-d',
      '10s',
      '--warmup',
      '0s',
      '--ramp-timeout',
      '300s',
    ],
    600_000,
  );
  const after = tcpExtCounters();
  const hold = r.modeStats.hold;
  const integrity = r.modeStats.integrity;
  const missed = r.modeStats.openLoop?.missed ?? 0;
  const held = hold?.held ?? 0;
  const problems: string[] = [];
  if (held < conns) problems.push(`${conns - held} not held`);
  if (r.connections.dropped.total > 0) problems.push(`${r.connections.dropped.total} dropped`);
  // Every session's ping was sent (none skipped by the pacer) and came back (none missing): each was pinged.
  if (missed > 0 || integrity.missing > 0 || integrity.verified < held)
    problems.push(`pings missed ${missed}, missing ${integrity.missing}, answered ${integrity.verified}`);
  const moved = KERNEL_COUNTERS.filter((k) => after[k] !== before[k]).map((k) => `${k} +${after[k] - before[k]}`);
  if (moved.length) problems.push(`kernel ${moved.join(', ')}`);
  const g = r.resources.generator;
  const n = (x: number): string => x.toLocaleString('en-US');
  const summary =
    `${n(r.connections.established)} established in ${(r.phases.rampMs / 1000).toFixed(1)} s by ${g.processes} ` +
    `generator processes, ${n(integrity.verified)} pings answered, ` +
    `${moved.length ? `kernel ${moved.join(', ')}` : `${KERNEL_COUNTERS.join(', ')} unchanged`}, ` +
    `${n(g.memoryPerConnectionBytes ?? 0)} B generator RSS per session`;
  return { held, problems, summary };
}
