/** Writing documents atomically: a temp file in the same folder, then rename, so readers never see half a file. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Any JSON document, atomically; returns the absolute path. */
export function writeJsonAtomically(file: string, doc: unknown): string {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, abs);
  return abs;
}
