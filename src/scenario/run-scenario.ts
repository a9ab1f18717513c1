/**
 * `l4stress run --scenario FILE`: every expanded step × iteration as an ordinary run (its own result file), then
 * the thresholds, a scenario summary, a history line per step, and optionally a comparison with a baseline.
 *
 * Precedence of a step's options: command line > step (and its matrix) > profile > scenario defaults > l4stress
 * defaults. `--target` replaces the scenario's target. A command-line value for an option the matrix varies is
 * refused (it would silently make every matrix step the same).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defaultProfilePath, loadProfile } from '../calibration/hardware-profile.js';
import { resolveRunConfig } from '../config/resolve-run-config.js';
import { CouldNotRunError, DocumentNotSavedError, L4StressError, UsageError } from '../core/errors.js';
import { readSummary } from '../documents/readers.js';
import type { RunResult } from '../documents/result.js';
import type { StepOptions } from '../documents/scenario-file.js';
import { type ScenarioSummary, type StepSummary, SUMMARY_KIND, SUMMARY_SCHEMA_VERSION } from '../documents/summary.js';
import { environmentIdentity, gitInfo } from '../environment/environment.js';
import type { FindConfig } from '../find/find-config.js';
import { type CompareOptions, type ComparisonReport, refuseBaselineTransport } from '../gates/compare.js';
import { stepMetrics } from '../gates/metric-table.js';
import { parseThreshold, refuseUnmeasurable } from '../gates/thresholds.js';
import { assignRawOptions } from '../options/raw-options.js';
import { flagOf, type RawRunOptions, RUN_DEFAULTS, type RunOptionKey } from '../options/run-options.js';
import { checkOutputs } from '../preflight/outputs.js';
import { iterationLine } from '../reporters/scenario.js';
import { executeRun, installSignalHandlers } from '../run/execute.js';
import { runFindIteration, stepFindConfig } from './find-step.js';
import { judgeScenario, type Progress, saveSummaries } from './finish.js';
import { historyDir } from './history.js';
import type { Scenario } from './load.js';
import { runBuild, THIS_CLI } from './reference.js';
import { stepVerdicts } from './step-verdicts.js';

export interface ScenarioRunOptions {
  resultsDir: string;
  iterations: number | null;
  baseline: string | null;
  compare: CompareOptions;
  /** Run options given on the command line: they override every step. */
  overrides: Partial<RawRunOptions>;
  log: (line: string) => void;
  /** Printed even when quiet: something went wrong that the user must know. */
  warn?: (line: string) => void;
  /** Files written after the steps (a Markdown report), checked with the rest before anything runs. */
  extraOutputs?: { path: string; what: string }[];
  /** Quiet: the Ctrl-C notice is not printed. */
  quiet?: boolean;
  /** Another build's bin/l4stress.js: every iteration also runs with it, interleaved, and the gate compares the two. */
  referenceCli?: string | null;
}

export interface ScenarioOutcome {
  summary: ScenarioSummary;
  summaryFile: string;
  comparison: ComparisonReport | null;
  exitCode: number;
}

export async function runScenario(sc: Scenario, o: ScenarioRunOptions): Promise<ScenarioOutcome> {
  // Everything is checked before anything runs: a typo is invalid input, not a failed gate an hour later.
  // Errors in a step's values name the file and the step.
  const inStep = <T>(st: { name: string }, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof UsageError)
        throw new UsageError(`${path.basename(sc.file)}: step '${st.name}': ${e.message}`, e.hint);
      throw e;
    }
  };
  const search = o.referenceCli ? sc.steps.find((st) => st.find) : undefined;
  if (search)
    throw new UsageError(
      `--reference-cli: step '${search.name}' is a find step, which a reference build does not run`,
      'gate its capacity with thresholds (capacity >= N) or against a --baseline',
    );
  const thresholds = new Map(sc.steps.map((st) => [st.name, inStep(st, () => st.thresholds.map(parseThreshold))]));
  const configs = sc.steps.map((st) => {
    for (const key of st.matrixKeys) {
      if (key in o.overrides) {
        throw new UsageError(
          `${flagOf(key as RunOptionKey)}: step '${st.baseName}' of ${path.basename(sc.file)} varies it in its matrix`,
          'leave it off the command line, or edit the matrix',
        );
      }
    }
    const raw = stepRawOptions(sc, st.options, st.name, o);
    const find = st.find ? inStep(st, () => stepFindConfig(st, raw, o)) : null;
    const config = find ? find.first : inStep(st, () => resolveRunConfig(raw));
    const label = (t: { text: string }): string => `threshold '${t.text}'`;
    inStep(st, () => refuseUnmeasurable(thresholds.get(st.name)!, config, label, find ? 'search' : 'run'));
    return { step: st, raw, config, find };
  });
  const baseline = o.baseline ? readSummary(o.baseline, 'baseline') : null;
  // A UDP step against a TCP baseline step (or the other way) has no verdict: said now, not after the steps ran.
  if (baseline) for (const c of configs) refuseBaselineTransport(baseline, c.step.name, c.config.transport ?? 'tcp');
  const startedAt = new Date();
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  const runDir = path.join(o.resultsDir, 'scenarios', sc.name, stamp);
  checkOutputs({
    folders: [
      { path: runDir, what: 'the scenario results folder' },
      { path: historyDir(o.resultsDir), what: 'the history folder' },
    ],
    files: o.extraOutputs ?? [],
  });
  mkdirSync(runDir, { recursive: true });
  // One handler for the whole scenario: Ctrl-C at any moment (between iterations, during a start-up) ends the
  // current iteration gracefully and writes the summary of what finished.
  const signals = installSignalHandlers(o.quiet === true);
  try {
    return await runSteps(sc, o, { configs, thresholds, baseline, startedAt, runDir, signal: signals.signal });
  } finally {
    signals.remove();
  }
}

interface StepRun {
  step: Scenario['steps'][number];
  raw: RawRunOptions;
  config: ReturnType<typeof resolveRunConfig>;
  /** A `find:` step's search; null for a run. */
  find: FindConfig | null;
}

/** The steps, each iterated, then the summary saved and judged. */
async function runSteps(
  sc: Scenario,
  o: ScenarioRunOptions,
  r: {
    configs: StepRun[];
    thresholds: Map<string, ReturnType<typeof parseThreshold>[]>;
    baseline: ScenarioSummary | null;
    startedAt: Date;
    runDir: string;
    signal: AbortSignal;
  },
): Promise<ScenarioOutcome> {
  const summary = startSummary(sc, o, r.startedAt);
  const p: Progress = {
    summary,
    reference: o.referenceCli ? { ...summary, git: null, steps: {} } : null,
    referenceErrors: [],
    interrupted: false,
    stopped: null,
  };
  const iterations = o.iterations ?? sc.iterations;
  for (const run of r.configs) {
    const entry: StepSummary = {
      baseName: run.step.baseName,
      options: { ...run.step.options },
      iterations: [],
      thresholds: [],
      pass: true,
    };
    summary.steps[run.step.name] = entry;
    if (p.reference) p.reference.steps[run.step.name] = { ...entry, iterations: [], thresholds: [] };
    for (let i = 1; i <= iterations && !p.interrupted; i++) await runIteration(o, run, i, iterations, r, p);
    const where = run.config.target ? `${run.config.target.host}:${run.config.target.port}` : 'embedded target';
    const own = stepVerdicts(r.thresholds.get(run.step.name)!, entry.iterations, where);
    entry.thresholds = [...own, ...entry.thresholds]; // a find step's expect verdicts came first (find-step.ts)
    entry.pass = entry.thresholds.every((v) => v.pass);
    summary.pass &&= entry.pass;
    if (p.interrupted) break;
  }
  summary.endedAt = new Date().toISOString();
  const warn = o.warn ?? ((line: string) => process.stderr.write(`l4stress: warning: ${line}\n`));
  if (p.stopped) warn(`${p.stopped}; the scenario stopped there and kept what finished`);
  const saved = saveSummaries(o, r.runDir, p, warn);
  return { summary, summaryFile: saved.summaryFile, ...judgeScenario(o, r.baseline, p, saved.notSaved) };
}

function startSummary(sc: Scenario, o: ScenarioRunOptions, startedAt: Date): ScenarioSummary {
  const profile = loadProfile(defaultProfilePath(o.resultsDir), false);
  return {
    kind: SUMMARY_KIND,
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    scenario: sc.name,
    file: sc.file,
    profile: sc.profile,
    startedAt: startedAt.toISOString(),
    endedAt: '',
    git: gitInfo(),
    environment: environmentIdentity(),
    tcpRrP50Us: profile?.profile.measurements.tcpRrSize.p50LatencyUs.median ?? null,
    steps: {},
    pass: true,
  };
}

/**
 * One iteration of a step, and of the reference build when there is one, interleaved ABBA: the reference goes
 * first every other iteration, so a drift in the machine weighs on both alike. An iteration that cannot run or
 * cannot save ends the scenario, never its summary: what finished is kept, a saved-elsewhere result too.
 */
async function runIteration(
  o: ScenarioRunOptions,
  { step, raw, config, find }: StepRun,
  i: number,
  iterations: number,
  r: { runDir: string; signal: AbortSignal },
  p: Progress,
): Promise<void> {
  const { runDir, signal } = r;
  const entry = p.summary.steps[step.name];
  if (find) {
    await runFindIteration(o, step.name, find, path.join(runDir, `${safe(step.name)}-i${i}.find.json`), signal, p);
    o.log(`${step.name} ${i}/${iterations}: ${entry.iterations.at(-1)?.status ?? 'not run'}`);
    return;
  }
  const refEntry = p.reference?.steps[step.name] ?? null;
  const runReferenceIteration = async (): Promise<void> => {
    if (!refEntry || signal.aborted) return;
    const refFile = path.join(runDir, `${safe(step.name)}-i${i}.reference.json`);
    const ref = await runBuild(o.referenceCli!, raw, refFile, signal);
    if (ref.result) refEntry.iterations.push(iterationOf(ref.result, refFile));
    else p.referenceErrors.push(`${step.name} iteration ${i}: ${ref.error}`);
  };
  if (i % 2 === 0) await runReferenceIteration();
  let result: RunResult;
  let resultFile = path.join(runDir, `${safe(step.name)}-i${i}.json`);
  try {
    result = refEntry
      ? await runCandidate(raw, resultFile, signal)
      : (await executeRun({ ...config, out: resultFile, quiet: true, json: false }, process.argv.slice(2), { signal }))
          .result;
  } catch (e) {
    if (!(e instanceof L4StressError)) throw e;
    p.stopped = e.message;
    p.interrupted = true;
    if (!(e instanceof DocumentNotSavedError)) return;
    result = e.document as RunResult;
    resultFile = e.savedAt ?? '(stdout)';
  }
  if (i % 2 === 1 && !p.stopped) await runReferenceIteration();
  entry.iterations.push(iterationOf(result, resultFile));
  o.log(iterationLine(step.name, i, iterations, result));
  if (result.status === 'interrupted' || signal.aborted || p.stopped) p.interrupted = true;
}

/** The candidate's side of an A/B gate: this build's CLI as a child process, exactly as the reference runs. */
async function runCandidate(raw: RawRunOptions, file: string, signal: AbortSignal): Promise<RunResult> {
  const run = await runBuild(THIS_CLI, raw, file, signal, true);
  if (!run.result) throw new CouldNotRunError(`the candidate could not run: ${run.error}`);
  return run.result;
}

function iterationOf(result: RunResult, file: string): StepSummary['iterations'][number] {
  return {
    resultFile: file,
    status: result.status,
    metrics: stepMetrics(result),
    maxRssBytes: result.resources.generator.maxRssBytes,
    cpuPercentMax: result.resources.generator.cpuPercentMax,
    machine: result.machine,
  };
}

/** A step's options as the command line would give them, with the command line's own values on top. */
export function stepRawOptions(
  sc: Scenario,
  opts: StepOptions,
  stepName: string,
  o: ScenarioRunOptions,
): RawRunOptions {
  const raw: RawRunOptions = {
    ...RUN_DEFAULTS,
    resultsDir: o.resultsDir,
    name: safe(`${sc.name}-${stepName}`).slice(0, 80),
    quiet: true,
  };
  assignRawOptions(raw, opts, `step ${stepName}: `);
  if (sc.target !== 'embedded') raw.target = sc.target;
  Object.assign(raw, o.overrides);
  return raw;
}

const safe = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+$/, '');
