/**
 * `l4stress find`: the capacity search from the command line. Options are checked before any socket (exit 2), the
 * search runs, its document is written atomically (never lost: a fallback file, else stdout), the summary printed,
 * and --report html,md written beside the document. The exit code is the document's.
 */

import { DocumentNotSavedError } from '../core/errors.js';
import { notSavedMessage, writeTextAtomically } from '../core/files.js';
import { printableLines } from '../core/printable.js';
import { findDocumentSchema } from '../documents/find.js';
import { writeDocument } from '../documents/guard.js';
import { resolveFindConfig } from '../find/find-config.js';
import { runFind } from '../find/run-find.js';
import type { FindOptionKey, RawFindOptions } from '../options/find-options.js';
import type { RawRunOptions, RunOptionKey } from '../options/run-options.js';
import { checkOutputs } from '../preflight/outputs.js';
import { renderFindMarkdown, renderFindSummary } from '../reporters/find-text.js';
import { defaultResultPath } from '../result/write.js';
import { parseReportFormats } from './run-command.js';

/** `given`: the options typed on the command line (not defaults). */
export async function findCommand(
  opts: RawRunOptions & RawFindOptions,
  given: (RunOptionKey | FindOptionKey)[],
  argv: string[],
): Promise<number> {
  const find = resolveFindConfig(opts, given);
  const report = parseReportFormats(opts.report);
  const config = find.first;
  checkOutputs(
    config.out
      ? { files: [{ path: config.out, what: '--out' }] }
      : { folders: [{ path: config.resultsDir, what: '--results-dir' }] },
  );
  const log = (line: string): void => void (config.quiet || process.stderr.write(`${printableLines(line)}\n`));
  const found = await runFind(find, { command: argv, quiet: config.quiet, log });
  const file = config.out ?? defaultResultPath(config.resultsDir, find.name, new Date(found.startedAt));
  const written = writeDocument(file, findDocumentSchema, found);
  const doc = written.doc;
  if (written.file === null) process.stdout.write(`${JSON.stringify(doc)}\n`);
  if (!config.quiet) process.stdout.write(`${printableLines(renderFindSummary(doc, written.file ?? '(stdout)'))}\n`);
  const notSaved = notSavedMessage('find document', written);
  if (notSaved) throw new DocumentNotSavedError(notSaved, doc, written.file);
  if (written.file !== null) {
    const stem = written.file.replace(/\.json$/, '');
    if (report.includes('md'))
      process.stderr.write(`markdown: ${writeTextAtomically(`${stem}.md`, renderFindMarkdown(doc))}\n`);
    if (report.includes('html')) {
      const { renderFindPage } = await import('../reporters/html/find-page.js');
      process.stderr.write(`html report: ${writeTextAtomically(`${stem}.html`, await renderFindPage(doc))}\n`);
    }
  }
  return doc.exitCode;
}
