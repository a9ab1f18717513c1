/**
 * One probe of a capacity search: a run at one load (ramp, warm-up, the measured window, stop) against the target
 * the search started once, built into a full run result by the same builder a run uses, then judged. The result
 * itself is not written: the find document keeps what a probe is judged and drawn by, its histograms included.
 */

import type { HardwareProfile } from '../calibration/hardware-profile.js';
import type { ProbeRecord } from '../documents/find.js';
import type { RunResult } from '../documents/result.js';
import type { Environment, GitInfo } from '../environment/environment.js';
import { buildResult } from '../result/build.js';
import { resultErrorTotal } from '../result/error-total.js';
import { type PreparedTarget, targetInputs } from '../run/prepare-target.js';
import { type LoadHooks, runLoad } from '../run/run-load.js';
import { probeFigures } from '../witnesses/list.js';
import { type FindConfig, probeRunConfig } from './find-config.js';
import { judgeProbe, measuredCpu } from './probe-verdict.js';
import type { NextProbe } from './search.js';

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
  const config = { ...probeRunConfig(ctx.find, next.load), processes };
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
  const verdict = judgeProbe(result, next.load, ctx.find.def, ctx.find.slo);
  const record: ProbeRecord = {
    index,
    load: next.load,
    purpose: next.purpose,
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
    established: result.connections.established,
    opened: result.totals.opened,
    cpu: measuredCpu(result),
    // Each witness's view of the probe (witnesses/list.ts): the machine, the kernel's counters, the ingress's series.
    ...probeFigures(result),
    elapsedMs: Math.round(performance.now() - startedMs),
    histograms: { roundTripUs: result.histograms.roundTripUs, connectUs: result.histograms.connectUs },
    warnings: result.warnings,
  };
  return { record, result };
}
