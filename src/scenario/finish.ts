/** The end of a scenario run: its summaries saved (never lost), history appended, compared and judged. */
import path from 'node:path';

import { ExitCode } from '../core/errors.js';
import { errorReason, notSavedMessage } from '../core/files.js';
import { writeDocument } from '../documents/guard.js';
import { type ScenarioSummary, scenarioSummarySchema } from '../documents/summary.js';
import { type ComparisonReport, compareSummaries } from '../gates/compare.js';
import { limitedOrQueued, othersTookCores } from '../witnesses/machine.js';
import { appendHistory } from './history.js';
import type { ScenarioRunOptions } from './run-scenario.js';

/** Where a scenario's iterations stand: the summaries filled in, and why it stopped early, if it did. */
export interface Progress {
  summary: ScenarioSummary;
  /** With a reference build: its iterations, in a summary of the same shape, compared with ours at the end. */
  reference: ScenarioSummary | null;
  referenceErrors: string[];
  interrupted: boolean;
  /** The tool's own failure that ended the scenario (a full disk, a target that will not start). */
  stopped: string | null;
}

/**
 * The summary is never lost: a full disk sends it to a fallback file (or stdout), and the run ends with exit 3.
 * History is a convenience beside it: an append that fails is a warning, never the end of the run.
 */
export function saveSummaries(
  o: ScenarioRunOptions,
  runDir: string,
  p: Progress,
  warn: (line: string) => void,
): { summaryFile: string; notSaved: string | null } {
  const written = writeDocument(path.join(runDir, 'summary.json'), scenarioSummarySchema, p.summary);
  for (const note of written.notes) warn(`summary: ${note}`);
  if (written.file === null) process.stdout.write(`${JSON.stringify(written.doc)}\n`);
  const summaryFile = written.file ?? '(stdout)';
  const notSaved = notSavedMessage('summary', written);
  if (notSaved) warn(notSaved);
  if (p.reference) {
    p.reference.endedAt = p.summary.endedAt;
    const ref = writeDocument(path.join(runDir, 'reference-summary.json'), scenarioSummarySchema, p.reference);
    if (ref.failure) warn(`could not write the reference summary (${ref.failure.reason})`);
    for (const e of p.referenceErrors) o.log(`reference: ${e}`);
  }
  try {
    if (!notSaved) appendHistory(o.resultsDir, written.doc, summaryFile);
  } catch (e) {
    warn(`could not append to the history (${errorReason(e)}); the summary has every number`);
  }
  return { summaryFile, notSaved };
}

/**
 * Iterations the machine limited or queued (their result's machine section), said beside the comparison: against an
 * interleaved reference they share the same moments, against a stored baseline they do not.
 */
function busyMachineNotes(summary: ScenarioSummary, against: 'reference' | null): string[] {
  const all = Object.values(summary.steps).flatMap((s) => s.iterations);
  const busy = all.filter((i) => i.machine && limitedOrQueued(i.machine));
  if (busy.length === 0) return [];
  const others = busy.filter((i) => i.machine && othersTookCores(i.machine)).length;
  return [
    `${busy.length} of ${all.length} iterations ran on a machine that limited or queued their load (${others} with ` +
      `others taking cores): ${
        against === 'reference'
          ? 'the interleaved reference ran in the same minutes, so the comparison is fair to both'
          : 'a stored baseline did not share those moments, so a difference may be the machine'
      }`,
  ];
}

/** The comparison (with the reference build, else the baseline) and the scenario's exit code. */
export function judgeScenario(
  o: ScenarioRunOptions,
  baseline: ScenarioSummary | null,
  p: Progress,
  notSaved: string | null,
): { comparison: ComparisonReport | null; exitCode: number } {
  const { reference, summary } = p;
  const against = reference ?? baseline;
  const comparison = against ? compareSummaries(against, summary, o.compare) : null;
  // A reference that ran no step at all compared nothing: that is a broken gate, never a pass.
  const nothingCompared =
    reference !== null && !p.interrupted && Object.values(reference.steps).every((e) => e.iterations.length === 0);
  if (comparison) comparison.warnings.push(...busyMachineNotes(summary, reference ? 'reference' : null));
  if (comparison && reference) {
    comparison.against = `the reference build ${o.referenceCli} (same machine, interleaved)`;
    comparison.warnings.push(...p.referenceErrors.map((e) => `reference: ${e}`));
    if (nothingCompared) {
      comparison.regressed = true;
      comparison.warnings.unshift('the reference build ran no step: nothing was compared, so the gate fails');
    }
  }
  const exitCode =
    notSaved || p.stopped
      ? ExitCode.couldNotRun
      : p.interrupted
        ? ExitCode.interrupted
        : !summary.pass || comparison?.regressed
          ? ExitCode.gateFailed
          : ExitCode.ok;
  return { comparison, exitCode };
}
