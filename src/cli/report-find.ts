/**
 * `l4stress report` of find documents: one search's page, or two (before, after) on the same charts with their
 * comparison (gates/compare-find.ts). Only find documents go together: a result or a summary beside them is named
 * in one line with the command that reads it.
 */

import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { writeTextAtomically } from '../core/files.js';
import { wrongKindMessage } from '../documents/document-kinds.js';
import { kindOfFile, readFind, readSummary } from '../documents/readers.js';
import { compareFinds } from '../gates/compare-find.js';
import { checkOutputs } from '../preflight/outputs.js';
import { renderFindComparison, VERDICT_WORD } from '../reporters/find-compare-text.js';
import { renderFindMarkdown } from '../reporters/find-text.js';
import { findSteps } from './find-steps.js';

interface FindReportOptions {
  html?: string;
  md?: string;
  hgrm?: string;
  hlog?: string;
  title?: string;
}

/** Whether any input is a find document: then this writes the report. */
export function anyFind(files: string[]): boolean {
  return files.some((f) => kindOfFile(f) === 'find');
}

/** Writes the find page (and Markdown); returns one line per file written. */
export async function reportFinds(files: string[], opts: FindReportOptions): Promise<string[]> {
  for (const file of files) {
    const kind = kindOfFile(file);
    if (kind !== null && kind !== 'find')
      throw new UsageError(
        wrongKindMessage(file, kind, 'a find document', 'a report of find documents takes only find documents'),
      );
  }
  if (files.length > 2)
    throw new UsageError(`report: ${files.length} find documents: a report draws one search, or two (before, after)`);
  if (opts.hgrm || opts.hlog)
    throw new UsageError(
      `report: ${opts.hgrm ? '--hgrm' : '--hlog'} exports a run's histograms; of find documents, --html and --md`,
    );
  const html = opts.html ?? (opts.md ? undefined : `${files[0].replace(/\.json$/, '')}.html`);
  checkOutputs({
    files: [html, opts.md].flatMap((f, i) => (f ? [{ path: f, what: ['--html', '--md'][i] }] : [])),
  });
  const sides = files.map((file, i) => ({
    label: files.length > 1 ? ['before', 'after'][i] : '',
    file: path.basename(file),
    doc: readFind(file),
  }));
  const comparison =
    sides.length === 2
      ? compareFinds({ label: sides[0].file, doc: sides[0].doc }, { label: sides[1].file, doc: sides[1].doc })
      : null;
  const out: string[] = [];
  if (html) {
    const { renderFindPages } = await import('../reporters/html/find-page.js');
    out.push(`html report: ${writeTextAtomically(html, await renderFindPages(sides, comparison, opts.title))}`);
  }
  if (opts.md) {
    const md = [
      ...sides.map((s) => renderFindMarkdown(s.doc)),
      ...(comparison ? [`\n**${VERDICT_WORD[comparison.verdict]}**: ${comparison.reason}\n`] : []),
    ].join('');
    out.push(`markdown: ${writeTextAtomically(opts.md, md)}`);
  }
  if (comparison) out.unshift(renderFindComparison(comparison));
  return out;
}

/**
 * The find steps of the summaries a report was given: each step's search on a page of its own beside the report
 * (`<report>.<step>.html`); of two summaries, the step's two searches before and after on the same charts with
 * their verdict. Returns one line per page written.
 */
export async function reportFindSteps(summaryFiles: string[], html: string): Promise<string[]> {
  const perSummary = summaryFiles.map((file) => findSteps(file, readSummary(file)));
  const steps = [...new Set(perSummary.flat().map((f) => f.step))];
  if (steps.length === 0) return [];
  const { renderFindPages } = await import('../reporters/html/find-page.js');
  const out: string[] = [];
  for (const step of steps) {
    const found = perSummary.flatMap((list) => list.filter((f) => f.step === step));
    const pair = summaryFiles.length === 2 && found.length === 2;
    const sides = (pair ? found : found.slice(0, 1)).map((f, i) => ({
      label: pair ? ['before', 'after'][i] : '',
      file: path.basename(f.file),
      doc: f.doc,
    }));
    const comparison = pair
      ? compareFinds({ label: sides[0].file, doc: sides[0].doc }, { label: sides[1].file, doc: sides[1].doc })
      : null;
    const file = `${html.replace(/\.html?$/, '')}.${step.replace(/[^A-Za-z0-9._-]+/g, '_')}.html`;
    const title = `find step ${step}: ${sides.map((s) => s.file).join(' vs ')}`;
    const written = writeTextAtomically(file, await renderFindPages(sides, comparison, title));
    out.push(`find step ${step}: ${written}${comparison ? ` (${VERDICT_WORD[comparison.verdict]})` : ''}`);
  }
  return out;
}
