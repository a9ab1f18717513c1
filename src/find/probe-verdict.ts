/**
 * One probe judged from its run result: did every SLO hold, was the load asked carried, and if it failed, did the
 * generator give out rather than the target? Pure: a result in, a verdict out, so each rule is tested on built
 * results. A generator that gives out must never pass for the target's capacity: its own signs are read first.
 */

import { formatCount, formatMicros } from '../core/units.js';
import type { RunResult } from '../documents/result.js';
import { METRICS, stepMetrics } from '../gates/metrics.js';
import { evaluateThreshold, type Threshold, type ThresholdVerdict } from '../gates/thresholds.js';
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
}

export function judgeProbe(r: RunResult, load: number, def: DimensionDef, slo: Threshold[]): ProbeVerdict {
  const slos = slo.map((t) => evaluateThreshold(t, [stepMetrics(r)]));
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
          `of ${formatCount(load)} asked`
        : null;
  return {
    pass: failure === null,
    achieved,
    carried,
    slo: slos,
    failure,
    generatorLimit: failure === null || interrupted ? null : generatorLimit(r),
  };
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
  const failed = r.connections.failed.byKind;
  const ports = (failed.EADDRNOTAVAIL ?? 0) + (failed.EADDRINUSE ?? 0);
  if (ports > 0) return `${formatCount(ports)} connects found no free ephemeral port (EADDRNOTAVAIL)`;
  const fds = (failed.EMFILE ?? 0) + (failed.ENFILE ?? 0);
  if (fds > 0) return `${formatCount(fds)} connects found no free file descriptor (EMFILE)`;
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

/** A threshold's measured value as people read it: times with their unit, counts with separators. */
function figure(metric: string, actual: number | null): string {
  if (actual === null) return 'no samples';
  const unit = (METRICS as Record<string, { unit: string } | undefined>)[metric]?.unit;
  return unit === 'us' ? formatMicros(actual) : unit === 'cpu-us' ? `${actual} µs` : formatCount(actual);
}
