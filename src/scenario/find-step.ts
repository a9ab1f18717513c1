/**
 * A scenario step that is a capacity search (`find:`): its options checked like the command line's, and one
 * iteration run, its document written beside the step's results and its answer kept as the `capacity` metric.
 */
import { notSavedMessage } from '../core/files.js';
import { findDocumentSchema } from '../documents/find.js';
import { writeDocument } from '../documents/guard.js';
import { capacityMetrics } from '../find/answer.js';
import { type FindConfig, resolveFindConfig } from '../find/find-config.js';
import { runFind } from '../find/run-find.js';
import { rawFindOptions } from '../options/find-options.js';
import type { RawRunOptions } from '../options/run-options.js';
import type { Progress } from './finish.js';
import type { Scenario } from './load.js';
import type { ScenarioRunOptions } from './run-scenario.js';

/** A `find:` step's search, checked like the command line's: what the step itself gives counts as given. */
export function stepFindConfig(st: Scenario['steps'][number], raw: RawRunOptions, o: ScenarioRunOptions): FindConfig {
  const findRaw = rawFindOptions(st.find as Parameters<typeof rawFindOptions>[0], `step ${st.name}: `);
  const given = [...Object.keys(st.options), ...Object.keys(o.overrides), ...Object.keys(st.find ?? {})];
  return resolveFindConfig({ ...raw, ...findRaw }, given as Parameters<typeof resolveFindConfig>[1]);
}

/**
 * One capacity search as a step's iteration: its document written beside the results, its answer as the
 * `capacity` metric. A search is not run by a reference build: its capacity is compared with a baseline's.
 */
export async function runFindIteration(
  o: ScenarioRunOptions,
  name: string,
  find: FindConfig,
  file: string,
  signal: AbortSignal,
  p: Progress,
): Promise<void> {
  const doc = await runFind(find, { command: process.argv.slice(2), quiet: true, signal, log: o.log });
  const written = writeDocument(file, findDocumentSchema, doc);
  // No file at all: the document goes to stdout, so the search is not lost.
  if (written.file === null) process.stdout.write(`${JSON.stringify(written.doc)}\n`);
  p.stopped = notSavedMessage('find document', written) ?? p.stopped;
  p.summary.steps[name].iterations.push({
    resultFile: written.file ?? '(not saved)',
    status: `${doc.answer.end}: ${doc.answer.text}`,
    metrics: capacityMetrics(doc),
    maxRssBytes: 0,
    cpuPercentMax: Math.max(0, ...doc.probes.map((pr) => pr.cpu.generator ?? 0)),
  });
  if (signal.aborted || p.stopped) p.interrupted = true;
}
