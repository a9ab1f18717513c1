/** Before a merge: the parts must be the shards of one run, each once; which are missing (refused unless --partial). */
import { UsageError } from '../core/errors.js';
import type { RunResult } from '../documents/result.js';
import type { MergeInput } from './merge.js';

/** What must be equal for results to be shards of one run (everything a shard does not change). */
function identity(r: RunResult): string {
  const c = r.config;
  return JSON.stringify([
    r.scenario,
    c.transport ?? 'tcp',
    c.mode,
    c.seed,
    c.startAt,
    c.proxy,
    c.sizeBytes,
    c.durationMs,
    c.shard?.count,
    c.shard?.totalConns,
    r.target.host,
    r.target.port,
  ]);
}

/** Checks the parts are the shards of one run; returns the shards that are missing. */
export function checkShards(parts: MergeInput[], acceptPartial: boolean): number[] {
  if (parts.length === 0) throw new UsageError('merge: give the result files of the shards');
  const first = parts[0].result;
  const shard = first.config.shard;
  if (!shard) throw new UsageError(`merge: ${parts[0].file} is not a shard's result (run with --shard I/N)`);
  for (const p of parts) {
    if (!p.result.config.shard) throw new UsageError(`merge: ${p.file} is not a shard's result (run with --shard I/N)`);
    if (identity(p.result) !== identity(first))
      throw new UsageError(
        `merge: ${p.file} is not a shard of the same run as ${parts[0].file}`,
        'same scenario, seed, --start-at, target and settings',
      );
  }
  // Shards of one run run together: a result whose run does not overlap the first's (another day's) is another run.
  const span = (r: RunResult): [number, number] => [Date.parse(r.startedAt), Date.parse(r.endedAt)];
  const [firstStart, firstEnd] = span(first);
  for (const p of parts) {
    const [start, end] = span(p.result);
    if (start > firstEnd || end < firstStart)
      throw new UsageError(
        `merge: ${p.file} (${p.result.startedAt} to ${p.result.endedAt}) did not run at the same time as ` +
          `${parts[0].file} (${first.startedAt} to ${first.endedAt})`,
        'the shards of one run run together: merge the results of one run',
      );
  }
  const seen = new Map<number, string>();
  for (const p of parts) {
    const i = p.result.config.shard!.index;
    if (seen.has(i)) throw new UsageError(`merge: shard ${i} given twice (${seen.get(i)} and ${p.file})`);
    seen.set(i, p.file);
  }
  const missing = Array.from({ length: shard.count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0 && !acceptPartial)
    throw new UsageError(
      `merge: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${shard.count} missing`,
      'give every shard, or --partial to merge what there is',
    );
  return missing;
}
