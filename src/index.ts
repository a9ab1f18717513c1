/**
 * l4stress as a library: `import { run } from 'l4stress'` runs one load and resolves with the result document
 * (the same one `l4stress run` writes). Options are the command line's, in camelCase, with the same units
 * (`duration: '30s'`, `size: '4KiB'`, `connectRate: '5k/s'`); numbers and booleans are accepted too.
 *
 * Like the CLI, a run writes its result file (under `resultsDir`, default `results/`, or at `out`), and while it
 * runs it handles SIGINT/SIGTERM by stopping gracefully. Invalid options reject with a UsageError (exitCode 2).
 */
import type { RunResult } from './documents/result.js';
import { libraryRawOptions } from './options/raw-options.js';
import type { LibraryKey } from './options/run-options.js';

export { CouldNotRunError, ExitCode, L4StressError, UsageError } from './core/errors.js';
export type { Environment, LatencySummary } from './documents/common.js';
export type { HardwareProfile } from './documents/hardware-profile.js';
export { readHistory, readProfile, readResult, readSummary } from './documents/readers.js';
export type { LoadCounters, RunResult, RunStatus, TargetStats, TimelineRow } from './documents/result.js';
export type { ScenarioSummary } from './documents/summary.js';

/** The run options the library takes: the rows of the option table that apply to `library`. */
export type RunOptions = { [K in LibraryKey]?: string | number | boolean | string[] };

/** Runs one load and returns its result; the result file is written as by the CLI. */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const raw = libraryRawOptions(options);
  // Loaded on first use: importing the library stays cheap.
  const [{ resolveRunConfig }, { executeRun }, { parseThreshold }] = await Promise.all([
    import('./config/resolve-run-config.js'),
    import('./run/execute.js'),
    import('./gates/thresholds.js'),
  ]);
  const thresholds = (raw.threshold ?? []).map(parseThreshold);
  const { result } = await executeRun(resolveRunConfig(raw), ['(library)', 'run'], { thresholds });
  return result;
}
