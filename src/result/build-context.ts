/**
 * The facts every section of a built result reads, worked out once from what the generator and the target
 * reported: totals, merged histograms, the peak, the mode's statistics, the schedule verdicts and the run's status.
 */
import type { HardwareProfile } from '../calibration/hardware-profile.js';
import type { RunConfig } from '../config/run-config.js';
import type { TargetKind } from '../core/vocabulary.js';
import type { UdpTargetStatsDoc } from '../documents/datagrams.js';
import type { ProxyVerification, RunResult, RunStatus, TargetWatch } from '../documents/result.js';
import type { Environment, GitInfo } from '../environment/environment.js';
import { addCounters, emptyCounters, type LoadCounters } from '../instruments/counters.js';
import { totalErrors } from '../instruments/errors.js';
import { type Histogram, mergeEncoded, summarize } from '../instruments/histogram.js';
import { counterDeltas } from '../instruments/kernel-tcp.js';
import { peakOpen } from '../instruments/peak.js';
import type { TargetStats } from '../serve/stats.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';
import type { WorkerReport } from '../worker-contract/protocol.js';
import { type ModeTraits, modeTraits } from '../worker-contract/traits.js';
import { type ConnectVerdict, connectVerdict } from './connect-verdict.js';
import { errorTotal } from './error-total.js';
import { buildModeStats } from './mode-stats.js';
import { partialOf, runStatus } from './run-status.js';
import { type ScheduleVerdict, scheduleVerdict } from './schedule-verdict.js';

export interface ResultInputs {
  config: RunConfig;
  outcome: LoadOutcome;
  target: {
    kind: TargetKind;
    host: string;
    port: number;
    pid: number | null;
    stats: TargetStats | null;
    /** An external loopback target's processes, watched (run/target-watch.ts); null or absent otherwise. */
    watched?: TargetWatch | null;
    /** An embedded UDP target's figures (--udp); absent or null otherwise. */
    udpStats?: UdpTargetStatsDoc | null;
  };
  environment: Environment;
  git: GitInfo | null;
  command: string[];
  version: string;
  verify: ProxyVerification | null;
  /** The hardware profile to compare with, if any. */
  profile: { file: string; profile: HardwareProfile } | null;
}

/** What the sections read, worked out once. */
export interface BuildContext {
  inputs: ResultInputs;
  config: RunConfig;
  outcome: LoadOutcome;
  traits: ModeTraits;
  totals: LoadCounters;
  headerSizes: Record<string, number>;
  rtt: Histogram;
  service: Histogram;
  connect: Histogram;
  handshake: Histogram;
  failed: number;
  dropped: number;
  peak: number;
  measuredS: number;
  perS: (n: number) => number;
  modeStats: RunResult['modeStats'];
  partial: RunResult['partial'] | null;
  schedule: ScheduleVerdict;
  connectSchedule: ConnectVerdict;
  status: RunStatus;
}

export function buildContext(inputs: ResultInputs): BuildContext {
  const { config, outcome } = inputs;
  const traits = modeTraits(config);
  const totals = emptyCounters();
  const headerSizes: Record<string, number> = {};
  for (const r of outcome.reports) {
    addCounters(totals, r.counters);
    for (const [size, n] of Object.entries(r.headerSizes)) headerSizes[size] = (headerSizes[size] ?? 0) + n;
  }
  const merge = (pick: (r: WorkerReport) => string): Histogram => mergeEncoded(outcome.reports.map(pick));
  const rtt = merge((r) => r.rtt);
  const service = merge((r) => r.service);
  const connect = merge((r) => r.connect);
  const peak = peakOpen(
    outcome.reports.map((r) => r.counters.peakOpen),
    outcome.timeline.map((r) => r.open),
    totals.open,
  );
  totals.peakOpen = peak;
  const measuredS = outcome.phases.measuredMs / 1000;
  const modeStats = buildModeStats(
    config,
    outcome,
    totals,
    merge((r) => r.schedulerLag),
    measuredS,
  );
  const failed = totalErrors(totals.connectFailed);
  const dropped = totalErrors(totals.dropped);
  const schedule = modeStats.openLoop
    ? scheduleVerdict({
        intendedPerSecond: modeStats.openLoop.intendedPerSecond,
        conns: config.conns,
        pacedMs: outcome.phases.warmupMs + outcome.phases.measuredMs,
        missed: totals.missed,
        late: totals.late,
        roundTrips: rtt.totalCount,
        lagP99Us: modeStats.openLoop.schedulerLagUs.p99,
        serviceP50Us: summarize(service).p50,
        pacedSends: totals.pacedSends,
        leftLate: totals.leftLate,
        dueSends: totals.dueSends,
        toleranceMs: modeStats.openLoop.lateToleranceMs ?? 0,
        udp: config.transport === 'udp',
      })
    : { behind: false, generatorBehind: false, message: null };
  if (modeStats.openLoop) modeStats.openLoop.generatorBehind = schedule.generatorBehind;
  const cyclesPerSecond = modeStats.churn?.cyclesPerSecond ?? 0;
  const connectSchedule = connectVerdict(config, totals, cyclesPerSecond, summarize(connect).p50, acceptQueue(outcome));
  if (modeStats.churn)
    Object.assign(modeStats.churn, { askedPerSecond: config.connectRate, limit: connectSchedule.limit });
  const errors = errorTotal({
    failed,
    dropped,
    integrity: modeStats.integrity,
    verify: inputs.verify,
    stalled: modeStats.stream?.stalled?.count ?? 0,
    unserved: totals.unserved,
    corrupt: totals.datagramsCorrupt,
  });
  // A schedule not kept makes the figures the generator's: the run fails, whatever else went right.
  const shortfall = traits.longLived && totals.established < config.conns;
  const status = runStatus(
    outcome,
    !traits.longLived && totals.established === 0,
    shortfall || schedule.behind || connectSchedule.behind,
    errors,
  );
  return {
    inputs,
    config,
    outcome,
    traits,
    totals,
    headerSizes,
    rtt,
    service,
    connect,
    handshake: merge((r) => r.tlsHandshake),
    failed,
    dropped,
    peak,
    measuredS,
    perS: (n) => (measuredS > 0 ? Math.round(n / measuredS) : 0),
    modeStats,
    partial: partialOf(outcome, config.conns),
    schedule,
    connectSchedule,
    status,
  };
}

/** What the kernel said of the target's accept queue over the run: overflows and SYN retransmits; null off Linux. */
function acceptQueue(outcome: LoadOutcome): { listenOverflows: number; synRetrans: number } | null {
  const { before, after } = outcome.witnesses.kernel;
  return before && after ? counterDeltas(before.counters, after.counters) : null;
}
