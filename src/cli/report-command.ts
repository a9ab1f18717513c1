/**
 * `l4stress report`: reports as pure functions of stored documents. Inputs are results (a merged shard run is one
 * too), scenario summaries, or scenario run folders; a summary brings the iteration results it names when they
 * can be found (as written, or beside the summary).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { writeTextAtomically } from '../core/files.js';
import { printableLines } from '../core/printable.js';
import { readResult, readSummary } from '../documents/readers.js';
import { SUMMARY_KIND } from '../documents/summary.js';
import { checkOutputs } from '../preflight/outputs.js';
import { hgrmText, hlogText, storedHistograms } from '../reporters/hdr-export.js';
import type { ReportInput, ScenarioInput } from '../reporters/html/page.js';
import type { LabelledResult } from '../reporters/html/series.js';
import { renderResultsMarkdown } from '../reporters/result-markdown.js';
import { renderMarkdown } from '../reporters/scenario.js';
import { isFindIteration } from './find-steps.js';
import { anyFind, reportFindSteps, reportFinds } from './report-find.js';

export interface ReportOptions {
  html?: string;
  md?: string;
  hgrm?: string;
  hlog?: string;
  title?: string;
}

export async function reportCommand(files: string[], opts: ReportOptions): Promise<number> {
  if (anyFind(files)) {
    for (const line of await reportFinds(files, opts)) process.stdout.write(`${line}\n`);
    return 0;
  }
  const outputs = { ...opts };
  if (!outputs.html && !outputs.md && !outputs.hgrm && !outputs.hlog)
    outputs.html = `${files[0].replace(/\/+$/, '').replace(/(\/summary)?\.json$/, '')}.html`;
  const input = loadReportInput(files, outputs.title);
  const written = await writeReports(input, outputs);
  // A summary's find steps: each search on its own page (two summaries: before and after on the same charts).
  if (outputs.html) written.push(...(await reportFindSteps(files.map(summaryFileOf).filter(isSummary), outputs.html)));
  for (const w of written) process.stdout.write(`${printableLines(w)}\n`);
  return 0;
}

/** Reads and validates every input before anything is written (a bad file: exit 2, naming it). */
export function loadReportInput(files: string[], title?: string): ReportInput {
  const input: ReportInput = { title: title ?? 'l4stress report', results: [], scenarios: [], notes: [] };
  for (const given of files) {
    const file = summaryFileOf(given);
    if (!existsSync(file)) throw new UsageError(`report: no file '${given}'`);
    if (isSummary(file)) input.scenarios.push(loadScenario(file, input.notes));
    else input.results.push({ label: labelOf(file), result: readResult(file) });
  }
  if (!title) {
    const names = [...input.results.map((r) => r.result.scenario), ...input.scenarios.map((s) => s.summary.scenario)];
    input.title = `l4stress report: ${[...new Set(names)].join(', ')}`;
  }
  return input;
}

/** Writes what was asked; returns one line per file written. */
export async function writeReports(input: ReportInput, o: ReportOptions): Promise<string[]> {
  const files = [o.html, o.md, o.hlog].flatMap((f, i) =>
    f ? [{ path: f, what: ['--html', '--md', '--hlog'][i] }] : [],
  );
  checkOutputs({ files, folders: o.hgrm ? [{ path: o.hgrm, what: '--hgrm' }] : [] });
  const all = allResults(input);
  const out: string[] = [];
  if (o.html) {
    const { renderHtmlReport } = await import('../reporters/html/page.js');
    out.push(`html report: ${writeTextAtomically(o.html, await renderHtmlReport(input))}`);
  }
  if (o.md) {
    const md = [
      ...(input.results.length > 0 ? [renderResultsMarkdown(input.results)] : []),
      ...input.scenarios.map((s) => renderMarkdown(s.summary, null)),
    ].join('\n');
    out.push(`markdown: ${writeTextAtomically(o.md, md)}`);
  }
  if (o.hgrm) {
    for (const { label, result } of all)
      for (const h of storedHistograms(result))
        out.push(
          `hgrm: ${writeTextAtomically(path.join(o.hgrm, `${safe(label)}.${h.name}.hgrm`), hgrmText(h.encoded))}`,
        );
  }
  if (o.hlog) out.push(`hlog: ${writeTextAtomically(o.hlog, hlogText(all))}`);
  return out;
}

function allResults(input: ReportInput): LabelledResult[] {
  return [...input.results, ...input.scenarios.flatMap((s) => Object.values(s.results).flat())];
}

function loadScenario(file: string, notes: string[]): ScenarioInput {
  const summary = readSummary(file);
  const results: Record<string, LabelledResult[]> = {};
  const missing: string[] = [];
  for (const [step, e] of Object.entries(summary.steps)) {
    results[step] = e.iterations.flatMap((it, i) => {
      if (isFindIteration(it.resultFile)) return []; // a search: drawn on its find page (reportFindSteps)
      const found = [it.resultFile, path.join(path.dirname(file), path.basename(it.resultFile))].find(existsSync);
      if (!found) {
        missing.push(it.resultFile);
        return [];
      }
      return [{ label: `${step} i${i + 1}`, result: readResult(found) }];
    });
  }
  if (missing.length > 0)
    notes.push(`${missing.length} iteration result(s) named by ${file} were not found (e.g. ${missing[0]}).`);
  return { label: labelOf(file), summary, results };
}

/** A run folder's summary.json, or the file given. */
function summaryFileOf(given: string): string {
  return existsSync(path.join(given, 'summary.json')) ? path.join(given, 'summary.json') : given;
}

function isSummary(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { kind?: unknown })?.kind === SUMMARY_KIND;
  } catch {
    return false; // the result reader says what is wrong with it
  }
}

function labelOf(file: string): string {
  const base = path.basename(file, '.json');
  return base === 'summary' ? path.basename(path.dirname(file)) : base;
}

function safe(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]+/g, '_');
}
