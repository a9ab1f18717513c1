/** `l4stress merge`: shard results (validated) into one result document, written atomically; a summary printed. */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { writeJsonAtomically } from '../core/files.js';
import { printableLines } from '../core/printable.js';
import { guardDocument } from '../documents/guard.js';
import { readResult } from '../documents/readers.js';
import { runResultSchema } from '../documents/result.js';
import { judgeRun, parseThreshold, refuseUnmeasurable } from '../gates/thresholds.js';
import { checkOutputs } from '../preflight/outputs.js';
import { renderSummary } from '../reporters/summary.js';
import { mergeResults } from '../result/merge.js';

export function mergeCommand(files: string[], opts: { out: string; partial?: boolean; threshold?: string[] }): number {
  const thresholds = (opts.threshold ?? []).map(parseThreshold);
  const same = files.find((f) => samePath(f, opts.out));
  if (same !== undefined)
    throw new UsageError(
      `--out '${opts.out}' is one of the shard results: the merge would overwrite its input`,
      'give another --out',
    );
  checkOutputs({ files: [{ path: opts.out, what: '--out' }] });
  const parts = files.map((file) => ({ file, result: readResult(file) }));
  // The shards share their settings (merge-check.ts): the first one's say what the merged run can measure.
  if (parts.length > 0) refuseUnmeasurable(thresholds, parts[0].result.config, (t) => `--threshold '${t.text}'`);
  const merged = judgeRun(
    mergeResults(parts, {
      acceptPartial: opts.partial === true,
      command: ['merge', ...files, '--out', opts.out, ...(opts.partial ? ['--partial'] : [])],
    }),
    thresholds,
  );
  // The merged document is a result like any other: it must pass the same schema every reader checks.
  const guarded = runResultSchema.parse(guardDocument(runResultSchema, merged).doc);
  const file = writeJsonAtomically(opts.out, guarded);
  process.stdout.write(`${printableLines(renderSummary(guarded, file))}\n`);
  return guarded.exitCode;
}

/** Same file, however it is spelled (relative, through a link); a path that does not exist yet is compared as is. */
function samePath(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}
