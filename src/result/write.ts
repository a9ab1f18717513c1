/** Where a run's result goes, and writing it (atomically: see core/files.ts). */
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

export function writeResultAtomically(file: string, result: RunResult): string {
  return writeJsonAtomically(file, result);
}
