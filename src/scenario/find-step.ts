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
import { refuseInapplicable } from '../options/applies.js';
import { rawFindOptions } from '../options/find-options.js';
import { type RawRunOptions, RUN_DEFAULTS, RUN_OPTIONS, type RunOptionKey } from '../options/run-options.js';
import type { Progress } from './finish.js';
import type { Scenario } from './load.js';
import type { ScenarioRunOptions } from './run-scenario.js';

/**
 * A `find:` step's search, checked like the command line's: what the step itself gives counts as given, the
 * scenario's defaults do not (they are defaults: a default `conns` must not refuse `vary: conns`, nor a default
 * `mode` override the dimension's). A run option of the step's own that does not apply to a find step is refused
 * (options/applies.ts), naming step and key; one the scenario's defaults or the command line give every step is
 * left out of the search (a default `duration` is the run steps'; a `shard` used to split the search's probes).
 */
export function stepFindConfig(st: Scenario['steps'][number], raw: RawRunOptions, o: ScenarioRunOptions): FindConfig {
  refuseInapplicable(RUN_OPTIONS, st.ownKeys, { path: 'find-step' });
  const notHere = (Object.keys(RUN_OPTIONS) as RunOptionKey[]).filter(
    (k) => RUN_OPTIONS[k].applies.includes('step') && !RUN_OPTIONS[k].applies.includes('find-step'),
  );
  const shared: RawRunOptions = { ...raw };
  for (const k of notHere) Object.assign(shared, { [k]: (RUN_DEFAULTS as Partial<RawRunOptions>)[k] });
  const findRaw = rawFindOptions(st.find as Parameters<typeof rawFindOptions>[0], `step ${st.name}: `);
  const overrides = Object.keys(o.overrides).filter((k) => !notHere.includes(k as RunOptionKey));
  const given = [...st.ownKeys, ...overrides, ...Object.keys(st.find ?? {})];
  return resolveFindConfig({ ...shared, ...findRaw }, given as Parameters<typeof resolveFindConfig>[1]);
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
    ...capacityMetrics(doc),
    maxRssBytes: 0,
    cpuPercentMax: Math.max(0, ...doc.probes.map((pr) => pr.cpu.generator ?? 0)),
  });
  // The step's `expect` is a gate like its thresholds (it was accepted and ignored once: a 500/s door passed
  // `capacity >= 5000`): each verdict joins the step's, and a failed one fails the step and the scenario.
  p.summary.steps[name].thresholds.push(...doc.expect.map((v) => ({ ...v, threshold: `expect ${v.threshold}` })));
  if (signal.aborted || p.stopped) p.interrupted = true;
}
