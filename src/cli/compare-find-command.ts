/**
 * `l4stress compare A.find.json B.find.json`: two capacity searches, before and after (gates/compare-find.ts for
 * the rule). Kept apart from the compare of runs and summaries (scenario-commands.ts), which hands over here when
 * either side is a find document. Exit 5 when the capacity regressed or cannot be compared (a gate never passes
 * on what it could not judge), 0 otherwise.
 */

import path from 'node:path';
import { ExitCode, UsageError } from '../core/errors.js';
import { printableLines } from '../core/printable.js';
import { wrongKindMessage } from '../documents/document-kinds.js';
import { kindOfFile, readFind } from '../documents/readers.js';
import { compareFinds } from '../gates/compare-find.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { renderFindComparison } from '../reporters/find-compare-text.js';

interface FindCompareOptions {
  allow: string;
  gate: string;
  alpha: string;
  normalize?: boolean;
  json?: boolean;
  gateGiven?: boolean;
}

/** Whether either side is a find document: then both must be, and this command compares them. */
export function isFindComparison(baseFile: string, candFile: string): boolean {
  return kindOfFile(baseFile) === 'find' || kindOfFile(candFile) === 'find';
}

export function compareFindCommand(baseFile: string, candFile: string, opts: FindCompareOptions): number {
  for (const file of [baseFile, candFile]) {
    const kind = kindOfFile(file);
    if (kind !== null && kind !== 'find')
      throw new UsageError(
        wrongKindMessage(file, kind, 'a find document', 'compare takes two documents of one kind, the other is a find'),
      );
  }
  refuseRunOptions(opts);
  const comparison = compareFinds(
    { label: path.basename(baseFile), doc: readFind(baseFile) },
    { label: path.basename(candFile), doc: readFind(candFile) },
  );
  process.stdout.write(
    opts.json ? `${JSON.stringify(comparison)}\n` : printableLines(`${renderFindComparison(comparison)}\n`),
  );
  return comparison.failed ? ExitCode.gateFailed : ExitCode.ok;
}

/** --allow, --alpha, --normalize and a --gate other than capacity judge runs: given here, they would do nothing. */
function refuseRunOptions(opts: FindCompareOptions): void {
  const why = "a comparison of capacity searches judges the capacity by the searches' own precision (docs/find.md)";
  if (opts.gateGiven && opts.gate.split(',').some((g) => g.trim() !== 'capacity'))
    throw new UsageError(`--gate ${opts.gate}: ${why}; only --gate capacity applies`);
  if (opts.allow !== RUN_OPTIONS.allow.default) throw new UsageError(`--allow: ${why}`);
  if (opts.alpha !== RUN_OPTIONS.alpha.default) throw new UsageError(`--alpha: ${why}`);
  if (opts.normalize) throw new UsageError(`--normalize: ${why}`);
}
