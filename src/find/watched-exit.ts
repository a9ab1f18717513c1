/**
 * A `--watch-pid` process that exits during a search: a watched ingress that crashes under load is the most
 * interesting result there is. The probe it died in is recorded as failed, with when; the search stops there (every
 * later probe would measure a dead or restarted process, not the one asked about) and the document is written, its
 * answer saying so; exit 4, the target's failure.
 */

import { formatCount } from '../core/units.js';
import type { FindDocument, ProbeRecord } from '../documents/find.js';
import type { RunResult } from '../documents/result.js';

export type WatchedExit = NonNullable<FindDocument['watchedExit']>;

/**
 * The first watched process that exited during this probe (already gone at its start included), or null; the
 * probe's record is marked failed with it, and lists every one that exited. One gone before the probe began has no
 * name left in /proc: the earlier probes' records name it.
 */
export function watchedExitOf(result: RunResult, record: ProbeRecord, earlier: ProbeRecord[]): WatchedExit | null {
  const named = (pid: number, name: string): string =>
    name !== '?' ? name : (earlier.flatMap((p) => p.cpu.watched).find((w) => w.pid === pid)?.name ?? name);
  // Only a process the user named: their children (a master's workers, run-load.ts withChildren) come and go.
  const asked = new Set(result.config.watchPids);
  const gone = result.resources.watched
    .filter((w) => w.role === 'watched' && w.exited && asked.has(w.pid))
    .map((w) => ({ ...w, name: named(w.pid, w.name) }));
  if (gone.length === 0) return null;
  record.watchedExited = gone.map((w) => ({ pid: w.pid, name: w.name, afterS: w.exitedAfterS }));
  const first = gone[0];
  const afterS = first.exitedAfterS ?? 0;
  const why = `watched process ${first.pid} (${first.name}) exited ${afterS} s into the probe`;
  record.pass = false;
  record.failure = record.failure ? `${why}; ${record.failure}` : why;
  return {
    pid: first.pid,
    name: first.name,
    probe: record.index,
    load: record.load,
    afterS: first.exitedAfterS,
    at: new Date(Date.parse(result.startedAt) + afterS * 1000).toISOString(),
  };
}

/** The answer of a search a watched process's exit stopped: what passed before it, and when it died. */
export function watchedExitAnswer(
  answer: FindDocument['answer'],
  e: WatchedExit,
  unit: string,
): Pick<FindDocument['answer'], 'limitOf' | 'firstFailure' | 'text'> {
  const passed = answer.capacity === null ? 'nothing passed' : `at least ${formatCount(answer.capacity)} ${unit}`;
  const reason = `watched process ${e.pid} (${e.name}) exited ${e.afterS ?? 0} s into probe ${e.probe} (${e.at})`;
  return {
    limitOf: 'target',
    firstFailure: { load: e.load, reason },
    text: `${passed}: stopped at ${formatCount(e.load)} ${unit}, where ${reason}.`,
  };
}
