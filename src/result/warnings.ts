/**
 * Every warning a result carries, each from one function here: how the run was set up, workers it lost, what the
 * target did, what the generator could not do. Each says what happened and what it means for the figures.
 *
 * Over 300 lines on purpose: one short function per warning, all in one place so none is said twice.
 */

import type { RunConfig } from '../config/run-config.js';
import { formatMicros } from '../core/units.js';
import type { TargetKind } from '../core/vocabulary.js';
import type { RunResult, TimelineRow } from '../documents/result.js';
import type { LoadCounters } from '../instruments/counters.js';
import { planV2Length } from '../proxy/header.js';
import { DEFAULT_MAX_V2_LENGTH } from '../proxy/parser.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';

export function lostWorkerWarnings(outcome: LoadOutcome, partial: RunResult['partial'], conns: number): string[] {
  const warnings: string[] = [];
  for (const w of outcome.lostWorkers)
    warnings.push(
      `worker ${w.worker} (process ${w.pid}) died: ${w.reason}; its ${w.conns} planned connections ` +
        `(${w.establishedAtLastSnapshot} established at its last snapshot) are missing from this result`,
    );
  if (partial)
    warnings.push(
      `partial result: ${partial.lostConnections} of ${conns} planned connections ` +
        `(${(partial.lostShare * 100).toFixed(1)}%) were lost with their workers; figures cover the survivors`,
    );
  return warnings;
}

export function settingWarnings(config: RunConfig, outcome: LoadOutcome, targetKind: TargetKind): string[] {
  const warnings: string[] = [];
  if (config.mode === 'connect' && config.sourceIps.length > 0 && config.closeStyle === 'fin') {
    warnings.push(
      'churn with --source-ips and FIN closes: the kernel does not reuse the TIME_WAIT ports of a bound address, ' +
        'so each address runs out after ip_local_port_range connections per TIME_WAIT period ' +
        '(EADDRNOTAVAIL); use --close rst',
    );
  }
  // Shards ramp together only if each starts on time: a late one says by how much.
  if (outcome.startLateByMs !== null && outcome.startLateByMs > 100)
    warnings.push(
      `started ${Math.round(outcome.startLateByMs)} ms after --start-at ${config.startAt} (not ready in time, or ` +
        'the clock here is behind): this shard ramped late',
    );
  const v2Length = planV2Length(config.proxy);
  if (targetKind === 'external' && v2Length > DEFAULT_MAX_V2_LENGTH) {
    warnings.push(
      `PROXY v2 headers carry ${v2Length} B of addresses and TLVs, over the ${DEFAULT_MAX_V2_LENGTH} B that ` +
        'l4stress serve accepts by default (serve --max-header raises it); ingresses bound them too',
    );
  }
  if (targetKind === 'embedded') {
    warnings.push("the embedded target shares this machine's CPUs with the generator: figures measure both together");
  }
  return warnings;
}

/** How the ramp ended when it did not finish: stalled, cut by --ramp-timeout, or interrupted (Ctrl-C). */
export function rampWarnings(config: RunConfig, outcome: LoadOutcome, established: number): string[] {
  const of = `${established.toLocaleString('en-US')} of ${config.conns.toLocaleString('en-US')} established`;
  if (outcome.interruptedDuring === 'start-up')
    return ['interrupted while the generator started (its workers not all up): no load was applied'];
  if (outcome.interruptedDuring === 'start-wait')
    return [`interrupted while waiting for --start-at ${config.startAt}: no load was applied`];
  if (outcome.interruptedDuring === 'ramp') return [`interrupted during the ramp-up (${of}): nothing was measured`];
  if (outcome.rampStalled)
    return [
      `ramp-up stalled: no connection made progress for ${Math.round((config.rampStallMs ?? 0) / 1000)} s ` +
        `(${of}); measured with the connections established by then`,
    ];
  if (outcome.rampTimedOut)
    return [
      `ramp-up did not finish within --ramp-timeout ${config.rampTimeoutMs} ms (${of}); measured with the ` +
        'connections established by then',
    ];
  return [];
}

/**
 * Connect failures whose cause is on this machine, named as such: without it, a run short of local ports read like
 * a target that refused, or (through the sends those sessions never made) like a generator behind its schedule.
 */
export function connectFailureWarnings(
  config: RunConfig,
  failed: LoadCounters['connectFailed'],
  portRange: string | null,
): string[] {
  const warnings: string[] = [];
  const ports = failed.EADDRNOTAVAIL ?? 0;
  if (ports > 0) {
    const sources = config.sourceIps.length || 1;
    warnings.push(
      `${ports.toLocaleString('en-US')} connects failed with EADDRNOTAVAIL: this machine ran out of local ports ` +
        `toward the target (ip_local_port_range ${portRange?.replace(/\s+/g, '-') ?? 'unknown'} on ` +
        `${sources} source address${sources === 1 ? '' : 'es'}; ports in TIME_WAIT or bound by other sockets ` +
        "count too): not the target's doing; add --source-ips, widen net.ipv4.ip_local_port_range, or let " +
        'TIME_WAIT clear (ss -tan state time-wait | wc -l)',
    );
  }
  const bound = failed.EADDRINUSE ?? 0;
  if (bound > 0 && config.sourceIps.length > 0)
    warnings.push(
      `${bound.toLocaleString('en-US')} connects failed with EADDRINUSE: a --source-ips address had no free port ` +
        'left (a bound address loses every port a socket on it holds, TIME_WAIT included, whatever the ' +
        "destination): not the target's doing; add --source-ips, or use --close rst for churn",
    );
  const fds = (failed.EMFILE ?? 0) + (failed.ENFILE ?? 0);
  if (fds > 0)
    warnings.push(
      `${fds.toLocaleString('en-US')} connects failed with EMFILE/ENFILE: the generator ran out of file ` +
        "descriptors (not the target's doing): use --processes to spread the sessions, or raise ulimit -n",
    );
  return warnings;
}

/**
 * Connects that timed out while this namespace's kernel lost no SYN (no SYN retransmit, no accept-queue overflow or
 * drop): the handshakes completed, the generator read them late. A starved machine does that (100,000 sessions beside
 * other work: 157 ETIMEDOUT, connect p99 4.8 s, no SYN retransmitted); the target had no part in it.
 */
export function connectTimeoutWarnings(
  timedOut: number,
  kernel: RunResult['kernel'],
  connectTimeoutMs: number,
  connectP99Us: number | null,
): string[] {
  if (timedOut === 0 || !kernel) return [];
  const { synRetrans, listenOverflows, listenDrops } = kernel.counters;
  if (synRetrans > 0 || listenOverflows > 0 || listenDrops > 0) return [];
  return [
    `${timedOut.toLocaleString('en-US')} connect${timedOut === 1 ? '' : 's'} timed out (--connect-timeout ` +
      `${connectTimeoutMs} ms) while the kernel retransmitted no SYN and no accept queue overflowed: the ` +
      `handshakes completed, the generator got to them late${
        connectP99Us === null ? '' : ` (connect p99 ${formatMicros(connectP99Us)})`
      }: this machine's CPU, not the target's doing; run beside less work, or raise --connect-timeout`,
  ];
}

/** Established sessions the target closed: its doing (a connection limit, an idle timeout), said in words. */
export function dropWarnings(dropped: LoadCounters['dropped'], held: boolean): string[] {
  const total = Object.values(dropped).reduce((n, v) => n + (v ?? 0), 0);
  if (total === 0) return [];
  const kinds = Object.entries(dropped)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k === 'EOF' ? 'closed (EOF)' : k === 'ECONNRESET' ? 'reset (RST)' : k} ${n}`)
    .join(', ');
  return [
    `the target ended ${total.toLocaleString('en-US')} established session${total === 1 ? '' : 's'} (${kinds}): ` +
      "the target's doing, not the generator's" +
      (held ? ' (an ingress at its connection limit: nginx worker_connections, HAProxy maxconn; or a timeout)' : ''),
  ];
}

/** Established sessions never answered: an ingress at its connection limit accepted them into a queue. */
export function unservedWarnings(unserved: number, udp: { corrupt: number; refused: number } | null = null): string[] {
  if (unserved === 0) return [];
  const n = unserved.toLocaleString('en-US');
  // Over UDP the causes the figures show, each only when they do: ICMP refusals, answers that were not ours.
  if (udp) {
    const causes = [
      udp.refused > 0
        ? `nothing answers on that port (ECONNREFUSED ${udp.refused.toLocaleString('en-US')}: ICMP port unreachable)`
        : null,
      udp.corrupt > 0
        ? `what came back was not the datagram sent (${udp.corrupt.toLocaleString('en-US')} corrupt: ` +
          'not an echo, or one cut short)'
        : null,
      'the ingress dropped the flows (a full session table, a refused source)',
    ].filter((c) => c !== null);
    return [
      `${n} flow${unserved === 1 ? ' was' : 's were'} never answered (every datagram lost): ${causes.join(', or ')}; ` +
        'they are not counted as held',
    ];
  }
  return [
    `${n} session${unserved === 1 ? ' was' : 's were'} established but never answered: an ingress at its ` +
      'connection limit queues them (HAProxy maxconn, nginx worker_connections); they are not counted as held',
  ];
}

/** Stream connections that moved nothing in the whole measured phase, named by id. */
export function stalledStreamWarnings(stalled: number, examples: number[]): string[] {
  if (stalled === 0) return [];
  return [
    `${stalled} stream connection${stalled === 1 ? '' : 's'} moved no byte in the whole measured phase ` +
      `(e.g. connection ${examples.join(', ')}): the target stopped reading or writing`,
  ];
}

/** Echo integrity errors by kind. */
export function integrityWarnings(i: RunResult['modeStats']['integrity'], errors: number): string[] {
  if (errors === 0) return [];
  return [
    `echo integrity failed: ${i.corrupted} corrupted, ${i.duplicated} duplicated, ${i.outOfOrder} out of ` +
      `order, ${i.missing} missing, ${i.bytesLostAtClose} bytes lost at close`,
  ];
}

/** Fewer sessions up than asked (long-lived modes; workers lost and an interruption say so themselves). */
export function shortfallWarnings(
  established: number,
  expected: number,
  conns: number,
  interrupted: boolean,
): string[] {
  return established < expected && !interrupted ? [`established ${established} of ${conns} connections`] : [];
}

/**
 * The generator's load threads busy over the measured window (the mean of its seconds, not its busiest: one short
 * sample is no saturation): its own queuing is in the latency.
 */
export function saturationWarnings(timeline: TimelineRow[], loadThreads: number, children: number[]): string[] {
  const rows = timeline.filter((r) => r.phase === 'measure' && r.intervalMs >= 500);
  const ms = rows.reduce((n, r) => n + r.intervalMs, 0);
  if (ms === 0) return [];
  // The main process and its generator children (--processes), weighted by each second's length.
  const cpuOf = (r: TimelineRow): number =>
    r.cpuPercent + r.watched.filter((w) => children.includes(w.pid)).reduce((n, w) => n + w.cpuPercent, 0);
  const mean = rows.reduce((n, r) => n + cpuOf(r) * r.intervalMs, 0) / ms;
  if (mean < 90 * loadThreads) return [];
  return [
    `the generator used ${Math.round(mean)}% CPU over the measured window (its ${loadThreads} load ` +
      `thread${loadThreads === 1 ? '' : 's'} at most ${loadThreads * 100}%): it was saturated, so latency includes ` +
      'its own queuing',
  ];
}

/** --verify-proxy found claimed sources missing at the backend, or strangers. */
export function verifyWarnings(verify: RunResult['proxy']['verify']): string[] {
  if (verify === null || verify.ok) return [];
  return [
    `address preservation failed: ${verify.missing} claimed sources missing at the backend, ` +
      `${verify.unexpected} unexpected`,
  ];
}

/** A merged run: the shards it lacks (--partial), then every shard's own warnings, each named by its shard. */
export function mergeWarnings(missing: number[], count: number, shards: RunResult[]): string[] {
  const lacking =
    missing.length > 0
      ? [`merged without shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} (--partial)`]
      : [];
  return [...lacking, ...shards.flatMap((r) => r.warnings.map((w) => `shard ${r.config.shard!.index}: ${w}`))];
}
