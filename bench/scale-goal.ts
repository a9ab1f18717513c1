/**
 * The scale goal: N long-lived sessions held on this machine (preflight splits them over generator and embedded
 * target processes under the fd and port limits), none dropped, each pinged, and a ramp the kernel took without
 * dropping or retransmitting a SYN: ListenOverflows, ListenDrops, TCPTimeouts and TCPSynRetrans unchanged across the
 * run (the result's kernel section).
 */
import { l4stress } from './run-cli.js';

/** The kernel counters the goal holds unchanged: none of the accept queue's or a SYN's troubles. */
const KERNEL_WATCH = ['listenOverflows', 'listenDrops', 'timeouts', 'synRetrans'] as const;

export interface ScaleOutcome {
  held: number;
  /** Why the goal is not met (empty: met). */
  problems: string[];
  summary: string;
}

/** `tls`: every session a full TLS handshake first (the ramp then goes at the handshake rate). */
export async function holdAtScale(conns: number, tls = false): Promise<ScaleOutcome> {
  const r = await l4stress(
    [
      ...(tls ? ['--tls'] : []),
      '--mode',
      'hold',
      '-c',
      String(conns),
      '--ping-interval',
      tls ? '10s' : '5s',
      '-d',
      '10s',
      '--warmup',
      '0s',
      '--ramp-timeout',
      '300s',
    ],
    600_000,
  );
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
  // The result's own kernel witness (the generator's namespace: here the whole machine's loopback).
  const kernel = r.kernel?.counters;
  const moved = kernel ? KERNEL_WATCH.filter((k) => kernel[k] > 0).map((k) => `${k} +${kernel[k]}`) : ['no reading'];
  if (moved.length) problems.push(`kernel ${moved.join(', ')}`);
  const g = r.resources.generator;
  const n = (x: number): string => x.toLocaleString('en-US');
  const summary =
    `${n(r.connections.established)} established in ${(r.phases.rampMs / 1000).toFixed(1)} s by ${g.processes} ` +
    `generator processes, ${n(integrity.verified)} pings answered, ` +
    `${moved.length ? `kernel ${moved.join(', ')}` : `${KERNEL_WATCH.join(', ')} unchanged`}, ` +
    `${n(g.memoryPerConnectionBytes ?? 0)} B generator RSS per session` +
    (tls ? `, ${n(Math.round(conns / (r.phases.rampMs / 1000)))} full handshakes/s over the ramp` : '');
  return { held, problems, summary };
}
