/**
 * One probe judged from its run result: did every SLO hold, was the load asked carried, and if it failed, whose
 * limit was it? Pure: a result in, a verdict out, so each rule is tested on built results (find-verdict.test.ts
 * proves each sign against every later one on test/fixtures/result.ts; machine.test.ts the machine's side). In order:
 * 1. a target that refused or reset most connects is the target's (unreachable or refusing), never the generator's;
 * 2. this host's limits, the generator's: ephemeral ports (TIME_WAIT holding them named), file descriptors;
 * 3. others took the machine's cores while our threads waited for one (witnesses/machine.ts): inconclusive (a
 *    starved generator falls behind its schedule too, and overflows its receive buffers, and that is not its own
 *    limit); a latency SLO broken on a carried load while the load threads or a watched target's busiest thread
 *    queued for a core is too; and any failure (errors, a load not carried) while the target's busiest thread
 *    starved for a core (runnable half the window, waiting at least as long as it ran), unless it answered as a
 *    limiter (most failed connects refused or reset).
 *    A limiter that held the load back while its threads mostly slept (a rate limit, a connection cap) stays the
 *    target's however long each wake-up waited;
 * 4. a UDP probe during which this host's socket buffers dropped datagrams (witnesses/udp.ts): the generator's host,
 *    not the target (a loss there is this host's);
 * 5. the generator's own signs: its schedule, its connects, its datagrams not sent, its load threads busy;
 * 6. our own processes starved or saturated the machine: the machine's limit (the figure is this setup's). With
 *    the embedded target, which shares the generator's cores by design, a failure is never the target's;
 * 7. otherwise the target's.
 * A generator or a machine that gives out must never pass for the target's capacity.
 */

import { formatCount, formatMicros, formatPercent } from '../core/units.js';
import type { FindLimit } from '../core/vocabulary.js';
import type { RunResult } from '../documents/result.js';
import { METRICS, type StepMetrics, stepMetrics } from '../gates/metric-table.js';
import { evaluateThreshold, type Threshold, type ThresholdVerdict } from '../gates/thresholds.js';
import { REFUSED_SHARE, targetRefusals } from '../result/connect-verdict.js';
import { machineFigures, othersTookCores, targetStarved, watchedQueued } from '../witnesses/machine.js';
import { hostBufferDrops } from '../witnesses/udp.js';
import type { DimensionDef } from './dimensions.js';

/** A generator thread this busy over the measured window is the limit (its own queuing is in every figure). */
export const GENERATOR_BUSY_SHARE = 0.9;

export interface ProbeVerdict {
  pass: boolean;
  achieved: number | null;
  carried: boolean;
  slo: ThresholdVerdict[];
  /** Why it failed, in words; null for a pass. */
  failure: string | null;
  /** What gave out in the generator, when it did; null otherwise. */
  generatorLimit: string | null;
  /** Whose limit a failure was; null for a pass or an interruption. */
  limitOf: FindLimit | null;
  /** The machine's figures when it bounded the probe (limitOf machine or inconclusive); null otherwise. */
  machineLimit: string | null;
}

export function judgeProbe(r: RunResult, load: number, def: DimensionDef, slo: Threshold[]): ProbeVerdict {
  const slos = slo.map((t) => evaluateThreshold(t, [probeMetrics(r)]));
  const achieved = def.achieved(r);
  const carried = achieved !== null && achieved >= def.carriedShare * load;
  const brokenAt = slos.findIndex((v) => !v.pass);
  const broken = brokenAt >= 0 ? slos[brokenAt] : null;
  const interrupted = r.status === 'interrupted';
  const failure = interrupted
    ? 'interrupted'
    : broken
      ? `${broken.threshold} broke: ${figure(slo[brokenAt].metric, broken.actual)}`
      : !carried
        ? `the load was not carried: ${achieved === null ? '-' : formatCount(achieved)} ${def.unit} ` +
          `of ${formatCount(load)} asked${def.shortfall?.(r) ?? ''}`
        : null;
  const latencyBroke = broken !== null && metricUnit(slo[brokenAt].metric) === 'us';
  // A latency SLO broken while the load threads queued is the machine's doing only when the load was carried: one
  // the target held back (a rate limit, a connection cap) while our threads still idled is the target's.
  const whose =
    failure === null || interrupted
      ? null
      : whoseLimit(r, { latencyBroke: latencyBroke && carried, udp: def.transport === 'udp' });
  // A target that refused is the story of the failure, whatever SLO then had no samples.
  const refused = whose?.limitOf === 'target' && whose.why !== null;
  return {
    pass: failure === null,
    achieved,
    carried,
    slo: slos,
    failure: refused ? whose.why : failure,
    generatorLimit: whose?.limitOf === 'generator' ? whose.why : null,
    limitOf: whose?.limitOf ?? null,
    machineLimit: whose?.limitOf === 'machine' || whose?.limitOf === 'inconclusive' ? whose.why : null,
  };
}

/** What a failed probe's whose-limit needs beside its result. */
export interface LimitFacts {
  /** The failure was a latency SLO, which the load threads' queueing for a core inflates even when they kept up. */
  latencyBroke?: boolean;
  /** The probe sent UDP: drops in this host's socket buffers are then its loss (a TCP probe's is others'). */
  udp?: boolean;
}

/**
 * A probe's metrics, judged over its measured window: as a run's, but UDP's `loss` is the window's (the datagrams
 * sent in it less those back in it, in percent of those sent), where a run's counts the whole run, ramp and warm-up
 * included (a probe's warm-up is there to leave start-up out: one run here lost 115 datagrams at its start and none
 * in its window).
 */
export function probeMetrics(r: RunResult): StepMetrics {
  const m = stepMetrics(r);
  const loss = measuredLossPercent(r);
  return loss === undefined ? m : { ...m, loss };
}

/** UDP's loss over the measured window, percent (null: nothing sent in it); undefined for a run without datagrams. */
export function measuredLossPercent(r: RunResult): number | null | undefined {
  const d = r.datagrams?.measured;
  if (!d) return undefined;
  // Answers to datagrams sent before the window come back in it, as some sent in it come back after: at a steady
  // rate the two ends cancel; a window that got back more than it sent lost none.
  return d.sent > 0 ? (Math.max(0, d.sent - d.received) / d.sent) * 100 : null;
}

/** A failed probe's whose-limit, in the header's order, with what decided it. */
export function whoseLimit(r: RunResult, facts: LimitFacts = {}): { limitOf: FindLimit; why: string | null } {
  const latencyBroke = facts.latencyBroke === true;
  const refused = targetRefused(r);
  if (refused) return { limitOf: 'target', why: refused };
  const host = hostLimit(r);
  if (host) return { limitOf: 'generator', why: host };
  const buffers = facts.udp ? hostBufferDrops(r.udp) : null;
  // Others' load first: a starved generator also falls behind its schedule, and that is not its own limit.
  const machine = r.machine;
  const behind = r.modeStats.openLoop?.generatorBehind === true || r.modeStats.churn?.limit === 'generator';
  // The load threads' queueing, or the watched target's (a loopback target is watched: run/target-watch.ts): a
  // carried load's latency then includes the wait for a core, on either side of the socket.
  const queued = (machine?.queued === true || (machine !== undefined && watchedQueued(machine))) && latencyBroke;
  // A schedule slipped, or a receive buffer overflowed, while others held the cores is no proof of our own limit.
  if (machine && (machine.verdict === 'others' || ((queued || behind || buffers) && othersTookCores(machine))))
    return { limitOf: 'inconclusive', why: machine.reason ?? machineFigures(machine) };
  // The target starved for a core beside others' work: its errors (connects and handshakes timed out) and the load
  // it did not carry are the wait's as much as its own, unless it answered as a limiter (refused or reset).
  const starved = machine && othersTookCores(machine) && !limiterAnswered(r) ? targetStarved(machine) : null;
  if (machine && starved) return { limitOf: 'inconclusive', why: `${starved}; ${machineFigures(machine)}` };
  if (buffers) return { limitOf: 'generator', why: buffers };
  const generator = generatorLimit(r);
  if (generator) return { limitOf: 'generator', why: generator };
  if (machine && (machine.verdict === 'ours' || (queued && latencyBroke)))
    return { limitOf: 'machine', why: machine.reason ?? machineFigures(machine) };
  if (r.target.kind === 'embedded')
    return {
      limitOf: 'machine',
      why:
        "the embedded target shares this machine's cores with the generator: its limit is this machine's" +
        (machine ? ` (${machineFiguresOrQuiet(machine)})` : ''),
    };
  return { limitOf: 'target', why: null };
}

function machineFiguresOrQuiet(machine: NonNullable<RunResult['machine']>): string {
  return machine.reason ?? `cores ${Math.round(machine.busyPercentMean ?? 0)}% busy of ${machine.cores}`;
}

/** Most connects refused, reset or unanswered (with SYNs retransmitted): the target's answer, with the counts. */
function targetRefused(r: RunResult): string | null {
  const refused = targetRefusals(
    r.connections.failed.byKind,
    r.connections.attempted,
    r.kernel?.counters.synRetrans ?? 0,
  );
  return refused ? `${refused}, not a capacity` : null;
}

/**
 * A limiter's crisp answer: the connects that failed were mostly refused or reset by the target (a connection cap,
 * a rate limit that refuses). A starved target refuses nothing: its connects and handshakes time out.
 */
function limiterAnswered(r: RunResult): boolean {
  const failed = r.connections.failed;
  const answered = (failed.byKind.ECONNREFUSED ?? 0) + (failed.byKind.ECONNRESET ?? 0);
  return failed.total > 0 && answered >= REFUSED_SHARE * failed.total;
}

/** The generator's own signs of giving out, most specific first; null when it kept up. */
export function generatorLimit(r: RunResult): string | null {
  const openLoop = r.modeStats.openLoop;
  if (openLoop?.generatorBehind)
    return (
      `the generator fell behind its own schedule (${openLoop.leftLate ?? 0} of ${openLoop.pacedSends ?? 0} ` +
      'measured sends left late)'
    );
  if (r.modeStats.churn?.limit === 'generator') return 'the generator did not get to its connects in time';
  const notSent = r.datagrams?.notSent ?? 0;
  if (notSent > 0)
    return (
      `the generator could not send ${formatCount(notSent)} datagram${notSent === 1 ? '' : 's'}: their flows' ` +
      'send buffers were all still queued in the kernel'
    );
  const host = hostLimit(r);
  if (host) return host;
  const cpu = measuredCpu(r).generator;
  const threads = Math.min(r.environment.cores, r.config.workers);
  if (cpu !== null && cpu >= GENERATOR_BUSY_SHARE * 100 * threads)
    return (
      `the generator's CPU was ${Math.round(cpu)}% of a core over the window: its ${threads} load ` +
      `thread${threads === 1 ? ' was' : 's were'} saturated`
    );
  return null;
}

export interface MeasuredCpu {
  /** % of one core, mean over the measured window: the generator's processes summed. */
  generator: number | null;
  target: number | null;
  watched: { pid: number; name: string; percent: number | null }[];
}

/** CPU over the measured window only (the timeline's measure rows), by role. */
export function measuredCpu(r: RunResult): MeasuredCpu {
  const rows = r.timeline.filter((row) => row.phase === 'measure');
  const mean = (values: number[]): number | null =>
    values.length === 0 ? null : Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;
  const perPid = (pid: number): number | null =>
    mean(rows.flatMap((row) => row.watched.filter((w) => w.pid === pid).map((w) => w.cpuPercent)));
  const byRole = (role: 'generator' | 'target'): number | null => {
    const values = r.resources.watched.filter((w) => w.role === role).map((w) => perPid(w.pid));
    return values.some((v) => v !== null) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : null;
  };
  const main = mean(rows.map((row) => row.cpuPercent));
  const children = byRole('generator');
  return {
    generator: main === null ? null : main + (children ?? 0),
    target: byRole('target'),
    watched: r.resources.watched
      .filter((w) => w.role === 'watched')
      .map((w) => ({ pid: w.pid, name: w.name, percent: perPid(w.pid) })),
  };
}

/**
 * This host's own limits: ephemeral ports (with the TIME_WAIT sockets holding them, and the fix), file descriptors.
 * TIME_WAIT alone is no evidence (loopback reuses those ports): only connects that failed for want of a port are.
 */
function hostLimit(r: RunResult): string | null {
  const failed = r.connections.failed.byKind;
  const ports = (failed.EADDRNOTAVAIL ?? 0) + (failed.EADDRINUSE ?? 0);
  if (ports > 0) {
    const timeWait = r.kernel ? Math.max(r.kernel.before.timeWait, r.kernel.after.timeWait) : null;
    const range = r.environment.tcp.ipLocalPortRange?.replace(/\s+/g, '-') ?? 'unknown';
    return (
      `${formatCount(ports)} connects found no free ephemeral port (EADDRNOTAVAIL; range ${range}` +
      `${timeWait === null ? '' : `, ${formatCount(timeWait)} sockets in TIME_WAIT`}): ` +
      `${r.config.mode === 'connect' ? 'close with --close rst, or ' : ''}spread over more --source-ips`
    );
  }
  const fds = (failed.EMFILE ?? 0) + (failed.ENFILE ?? 0);
  if (fds > 0) return `${formatCount(fds)} connects found no free file descriptor (EMFILE)`;
  return null;
}

function metricUnit(metric: string): string | undefined {
  return (METRICS as Record<string, { unit: string } | undefined>)[metric]?.unit;
}

/** A threshold's measured value as people read it: times with their unit, counts with separators. */
function figure(metric: string, actual: number | null): string {
  if (actual === null) return 'no samples';
  const unit = metricUnit(metric);
  if (unit === 'percent') return formatPercent(actual);
  return unit === 'us' ? formatMicros(actual) : unit === 'cpu-us' ? `${actual} µs` : formatCount(actual);
}
