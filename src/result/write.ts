/**
 * Where a run's result goes, and writing it: atomically (see core/files.ts), and never lost. If the result cannot
 * be written where asked (the disk filled during the run), it goes to a fallback file in the system temp folder,
 * or, if that fails too, the caller prints it; the run then ends non-zero with both paths named.
 */
import path from 'node:path';
import type { WrittenDocument } from '../core/files.js';
import { writeDocument } from '../documents/guard.js';
import { type RunResult, runResultSchema } from '../documents/result.js';

/** `results/2026-11-27T13-05-01Z-echo-c200-v2.json` */
export function defaultResultPath(resultsDir: string, scenario: string, startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  const safe = scenario.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'run';
  return path.join(resultsDir, `${stamp}-${safe}.json`);
}

/**
 * The result where asked, or in a fallback file (see core/files.ts); never lost. Guarded first (documents/guard.ts:
 * no NaN or Infinity, no URL password): `result` is the document as written, for the summary and stdout.
 */
export function writeResult(
  file: string,
  result: RunResult,
  fallbackDir?: string,
): WrittenDocument & { result: RunResult } {
  const written = writeDocument(file, runResultSchema, result, fallbackDir);
  return { file: written.file, failure: written.failure, result: written.doc };
}
