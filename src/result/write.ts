/**
 * Where a run's result goes, and writing it: atomically (see core/files.ts), and never lost. If the result cannot
 * be written where asked (the disk filled during the run), it goes to a fallback file in the system temp folder,
 * or, if that fails too, the caller prints it; the run then ends non-zero with both paths named.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeJsonAtomically } from '../core/files.js';
import type { RunResult } from '../documents/result.js';

/** `results/2026-11-27T13-05-01Z-echo-c200-v2.json` */
export function defaultResultPath(resultsDir: string, scenario: string, startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  const safe = scenario.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'run';
  return path.join(resultsDir, `${stamp}-${safe}.json`);
}

export interface WrittenResult {
  /** Where the result is now (the asked path, or the fallback); null when no file could be written. */
  file: string | null;
  /** Why the asked path failed; null when it did not. */
  failure: { path: string; reason: string } | null;
}

export function writeResult(file: string, result: RunResult, fallbackDir = tmpdir()): WrittenResult {
  try {
    return { file: writeJsonAtomically(file, result), failure: null };
  } catch (e) {
    const failure = { path: path.resolve(file), reason: errorReason(e) };
    const fallback = path.join(fallbackDir, `l4stress-unsaved-${process.pid}-${path.basename(file)}`);
    try {
      return { file: writeJsonAtomically(fallback, result), failure };
    } catch {
      return { file: null, failure };
    }
  }
}

const errorReason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '').split(',')[0]}` : err.message;
};
