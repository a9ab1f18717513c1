/** Writes a result atomically: a temp file in the same folder, then rename, so readers never see half a file. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunResult } from './types.js';

/** `results/2026-11-27T13-05-01Z-echo-c200-v2.json` */
export function defaultResultPath(resultsDir: string, scenario: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  const safe = scenario.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'run';
  return path.join(resultsDir, `${stamp}-${safe}.json`);
}

export function writeResultAtomically(file: string, result: RunResult): string {
  return writeJsonAtomically(file, result);
}

/** Any JSON document, atomically; returns the absolute path. */
export function writeJsonAtomically(file: string, doc: unknown): string {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, abs);
  return abs;
}
