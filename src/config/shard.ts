/** --shard I/N and --start-at: one run split over machines, started at one wall-clock time. */
import { UsageError } from '../core/errors.js';
import { HOUR_MS } from '../core/units.js';
import { splitEvenly } from '../worker-contract/plan.js';

/**
 * --shard I/N (or job/N with I from JOB_COMPLETION_INDEX, as a Kubernetes Indexed Job sets it): this machine's
 * share of the connections, split as processes and workers split them (splitEvenly). Shards load one shared
 * target, so --target is required; --verify-proxy would see the other shards' sources as strangers, so it is
 * refused here (verify on the backend after every shard ran).
 */
export function resolveShard(
  text: string | undefined,
  conns: number,
  external: boolean,
  verify: boolean,
): { index: number; count: number; conns: number } | null {
  if (text === undefined) return null;
  const m = /^(\d+|job)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--shard: '${text}' is not I/N (e.g. 0/3, or job/3 in a Kubernetes Indexed Job)`);
  const count = Number(m[2]);
  if (count < 1 || count > 10_000) throw new UsageError(`--shard: ${count} shards is out of range (allowed: 1..10000)`);
  let index: number;
  if (m[1] === 'job') {
    const env = process.env.JOB_COMPLETION_INDEX;
    if (env === undefined || !/^\d+$/.test(env))
      throw new UsageError('--shard job/N: JOB_COMPLETION_INDEX is not set (a Kubernetes Indexed Job sets it)');
    index = Number(env);
  } else index = Number(m[1]);
  if (index >= count)
    throw new UsageError(`--shard: index ${index} is out of range for ${count} shards (0..${count - 1})`);
  if (!external) throw new UsageError('--shard: shards load one shared target: give --target');
  if (verify)
    throw new UsageError(
      "--shard: --verify-proxy would count the other shards' sources as unexpected; verify after all ran",
    );
  const mine = splitEvenly(conns, count)[index];
  if (mine === 0) throw new UsageError(`--shard: shard ${index} of ${count} gets no connection (--conns ${conns})`);
  return { index, count, conns: mine };
}

/** A 32-bit seed from a text (FNV-1a): the same --start-at gives every shard the same seed. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** --start-at: an absolute time with a zone, at most a day ahead (a run must end by itself). */
export function resolveStartAt(text: string | undefined): string | null {
  if (text === undefined) return null;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text.trim()))
    throw new UsageError(`--start-at: '${text}' is not an ISO 8601 time with a zone (e.g. 2026-11-28T10:00:00Z)`);
  const at = Date.parse(text);
  // Date.parse rolls an impossible day over (February 30 becomes March 2): the calendar date must exist as typed.
  const [y, mo, d] = text.trim().slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (!Number.isFinite(at) || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d)
    throw new UsageError(`--start-at: '${text}' is not a valid time (no such date)`);
  if (at - Date.now() > 24 * HOUR_MS) throw new UsageError(`--start-at: '${text}' is more than a day ahead`);
  return new Date(at).toISOString();
}
