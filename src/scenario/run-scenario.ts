/**
 * `l4stress run --scenario FILE`: every expanded step × iteration as an ordinary run (its own result file), then
 * the thresholds, a scenario summary, a history line per step, and optionally a comparison with a baseline.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode } from '../core/errors.js';
import { RUN_DEFAULTS, resolveRunConfig, type RawRunOptions } from '../config/options.js';
import { executeRun } from '../run/execute.js';
import { loadProfile, defaultProfilePath } from '../calibration/profile.js';
import { compareSummaries, type CompareOptions, type ComparisonReport } from '../gates/compare.js';
import { stepMetrics } from '../gates/metrics.js';
import { evaluateThreshold, parseThreshold } from '../gates/thresholds.js';
import { gitInfo } from '../environment/environment.js';
import { median } from '../calibration/stats.js';
import { writeJsonAtomically } from '../result/write.js';
import type { Scenario } from './load.js';
import { SUMMARY_KIND, loadSummary, type ScenarioSummary } from './summary.js';

export interface ScenarioRunOptions {
  resultsDir: string;
  iterations: number | null;
  baseline: string | null;
  compare: CompareOptions;
  log: (line: string) => void;
}

export interface ScenarioOutcome {
  summary: ScenarioSummary;
  summaryFile: string;
  comparison: ComparisonReport | null;
  exitCode: number;
}

export async function runScenario(sc: Scenario, o: ScenarioRunOptions): Promise<ScenarioOutcome> {
  // Every threshold is parsed before anything runs: a typo is invalid input, not a failed gate an hour later.
  const thresholds = new Map(sc.steps.map((st) => [st.name, st.thresholds.map(parseThreshold)]));
  const configs = sc.steps.map((st) => ({ step: st, config: resolveRunConfig(rawOptions(sc, st.options, st.name, o.resultsDir)) }));
  const baseline = o.baseline ? loadSummary(o.baseline) : null;
  const iterations = o.iterations ?? sc.iterations;
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  const runDir = path.join(o.resultsDir, 'scenarios', sc.name, stamp);
  mkdirSync(runDir, { recursive: true });
  const profile = loadProfile(defaultProfilePath(o.resultsDir), false);
  const summary: ScenarioSummary = {
    kind: SUMMARY_KIND, schemaVersion: 1, scenario: sc.name, file: sc.file, profile: sc.profile,
    startedAt: startedAt.toISOString(), endedAt: '', git: gitInfo(),
    environment: { hostname: os.hostname(), cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.availableParallelism(), kernel: os.release() },
    tcpRrP50Us: profile?.profile.measurements.tcpRrSize.p50LatencyUs.median ?? null,
    steps: {}, pass: true,
  };
  let interrupted = false;
  for (const { step, config } of configs) {
    const entry: ScenarioSummary['steps'][string] = { baseName: step.baseName, options: { ...step.options }, iterations: [], thresholds: [], pass: true };
    summary.steps[step.name] = entry;
    for (let i = 1; i <= iterations && !interrupted; i++) {
      const file = path.join(runDir, `${safe(step.name)}-i${i}.json`);
      const { result } = await executeRun({ ...config, out: file, quiet: true, json: false }, process.argv.slice(2));
      const metrics = stepMetrics(result);
      entry.iterations.push({ resultFile: file, status: result.status, metrics, maxRssBytes: result.resources.generator.maxRssBytes, cpuPercentMax: result.resources.generator.cpuPercentMax });
      o.log(`${step.name} ${i}/${iterations}: ${result.status}, p50 ${fmt(metrics.p50)} p95 ${fmt(metrics.p95)} p99 ${fmt(metrics.p99)}, ` +
        `${metrics.cps !== null ? `${metrics.cps} conn/s` : `${metrics.rps} rt/s`}, errors ${metrics.errors}`);
      if (result.status === 'interrupted') interrupted = true;
    }
    entry.thresholds = thresholds.get(step.name)!.map((t) => evaluateThreshold(t, entry.iterations.map((it) => it.metrics)));
    entry.pass = entry.thresholds.every((v) => v.pass);
    summary.pass &&= entry.pass;
    if (interrupted) break;
  }
  summary.endedAt = new Date().toISOString();
  const summaryFile = writeJsonAtomically(path.join(runDir, 'summary.json'), summary);
  appendHistory(o.resultsDir, summary, summaryFile);
  const comparison = baseline ? compareSummaries(baseline, summary, o.compare) : null;
  const exitCode = interrupted ? ExitCode.interrupted : !summary.pass || comparison?.regressed ? ExitCode.gateFailed : ExitCode.ok;
  return { summary, summaryFile, comparison, exitCode };
}

/** One history line per step: enough for a trend without opening result files. */
function appendHistory(resultsDir: string, s: ScenarioSummary, summaryFile: string): void {
  const dir = path.join(resultsDir, 'history');
  mkdirSync(dir, { recursive: true });
  const lines = Object.entries(s.steps).map(([step, e]) => {
    const med = (k: 'p50' | 'p95' | 'p99' | 'rps'): number | null => {
      const v = e.iterations.map((it) => it.metrics[k]).filter((x): x is number => x !== null);
      return v.length ? median(v) : null;
    };
    return JSON.stringify({
      date: s.startedAt, scenario: s.scenario, profile: s.profile, step, sha: s.git?.sha ?? null, dirty: s.git?.dirty ?? null,
      host: s.environment.hostname, iterations: e.iterations.length, p50: med('p50'), p95: med('p95'), p99: med('p99'), rps: med('rps'),
      cps: e.iterations[0]?.metrics.cps ?? null, errors: Math.max(0, ...e.iterations.map((it) => it.metrics.errors)), pass: e.pass, summary: summaryFile,
    });
  });
  appendFileSync(path.join(dir, `${safe(s.scenario)}.jsonl`), `${lines.join('\n')}\n`);
}

/** A step's options as the command line would give them. */
function rawOptions(sc: Scenario, opts: Record<string, unknown>, stepName: string, resultsDir: string): RawRunOptions {
  const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
  const raw: RawRunOptions = { ...RUN_DEFAULTS, resultsDir, name: safe(`${sc.name}-${stepName}`).slice(0, 80), quiet: true };
  for (const [k, v] of Object.entries(opts)) {
    if (k === 'proxyTlv') raw.proxyTlv = v as string[];
    else if (k === 'churnEcho') raw.churnEcho = v === true || v === 'true';
    else (raw as unknown as Record<string, unknown>)[k] = str(v);
  }
  if (sc.target !== 'embedded') raw.target = sc.target;
  return raw;
}

const safe = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+$/, '');
const fmt = (us: number | null): string => (us === null ? '-' : us < 1000 ? `${us}µs` : `${(us / 1000).toFixed(2)}ms`);
