/**
 * One probe of a capacity search: a run at one load (ramp, warm-up, the measured window, stop) against the target
 * the search started once, built into a full run result by the same builder a run uses, then judged. The result
 * itself is not written: the find document keeps what a probe is judged and drawn by, its histograms included.
 * A scout (growth, stepping down: search.ts) runs at most SCOUT's warm-up and window: it only steers the search.
 */

import type { HardwareProfile } from '../calibration/hardware-profile.js';
import type { RunConfig } from '../config/run-config.js';
import type { ProbeRecord } from '../documents/find.js';
import type { RunResult } from '../documents/result.js';
import type { Environment, GitInfo } from '../environment/environment.js';
import { buildResult } from '../result/build.js';
import { resultErrorTotal } from '../result/error-total.js';
import { type PreparedTarget, targetInputs } from '../run/prepare-target.js';
import { type LoadHooks, runLoad } from '../run/run-load.js';
import { probeFigures } from '../witnesses/list.js';
import { type FindConfig, probeRunConfig } from './find-config.js';
import { judgeProbe, measuredCpu, measuredLossPercent } from './probe-verdict.js';
import type { NextProbe } from './search.js';

/**
 * A scout's warm-up and window at most. Growth from 100 to 12,800 sessions is eight probes; at the full 2 s + 5 s
 * they were most of a search's time, and none of them is the answer's evidence (its confirmations and the failure
 * above it are full probes). The window stays over the 1 s below which the machine's verdict is not given.
 */
export const SCOUT = { warmupMs: 1000, windowMs: 2000 };

/** Whether a scout would be shorter than a full probe with these settings (else growth runs full probes). */
export function scoutsShorter(config: Pick<RunConfig, 'warmupMs' | 'durationMs'>): boolean {
  return config.warmupMs > SCOUT.warmupMs || config.durationMs > SCOUT.windowMs;
}

export interface ProbeContext {
  find: FindConfig;
  target: PreparedTarget;
  environment: Environment;
  git: GitInfo | null;
  profile: { file: string; profile: HardwareProfile } | null;
  command: string[];
  version: string;
  hooks: LoadHooks;
}

export async function runProbe(
  ctx: ProbeContext,
  index: number,
  next: NextProbe,
  processes: number,
): Promise<{ record: ProbeRecord; result: RunResult }> {
  const startedMs = performance.now();
  const full = { ...probeRunConfig(ctx.find, next.load), processes };
  const config = next.scout
    ? {
        ...full,
        warmupMs: Math.min(full.warmupMs, SCOUT.warmupMs),
        durationMs: Math.min(full.durationMs, SCOUT.windowMs),
      }
    : full;
  const t = ctx.target;
  const outcome = await runLoad({ ...config, tlsCaPem: t.tlsCaPem }, t.targets, ctx.hooks);
  const result = buildResult({
    config,
    outcome,
    environment: ctx.environment,
    git: ctx.git,
    command: ctx.command,
    version: ctx.version,
    verify: null,
    profile: ctx.profile,
    target: targetInputs(t, null),
  });
  return { record: probeRecord(ctx.find, index, next, result, Math.round(performance.now() - startedMs)), result };
}

/** A probe's record from its built result, judged: what the find document keeps of it. */
export function probeRecord(
  find: Pick<FindConfig, 'def' | 'slo'>,
  index: number,
  next: NextProbe,
  result: RunResult,
  elapsedMs: number,
): ProbeRecord {
  const verdict = judgeProbe(result, next.load, find.def, find.slo);
  return {
    index,
    load: next.load,
    purpose: next.purpose,
    ...(next.scout ? { scout: { warmupMs: result.config.warmupMs, windowMs: result.config.durationMs } } : {}),
    pass: verdict.pass,
    achieved: verdict.achieved,
    carried: verdict.carried,
    slo: verdict.slo,
    failure: verdict.failure,
    generatorLimit: verdict.generatorLimit,
    limitOf: verdict.limitOf,
    machineLimit: verdict.machineLimit,
    status: result.status,
    exitCode: result.exitCode,
    roundTripUs: result.latency.roundTripUs,
    connectUs: result.latency.connectUs,
    tlsHandshakeUs: result.latency.tlsHandshakeUs ?? null,
    errors: resultErrorTotal(result),
    ...(result.datagrams ? { loss: measuredLossPercent(result) ?? null } : {}),
    established: result.connections.established,
    opened: result.totals.opened,
    cpu: measuredCpu(result),
    // Each witness's view of the probe (witnesses/list.ts): the machine, the kernel's counters, the ingress's series.
    ...probeFigures(result),
    elapsedMs,
    histograms: { roundTripUs: result.histograms.roundTripUs, connectUs: result.histograms.connectUs },
    warnings: result.warnings,
  };
}
