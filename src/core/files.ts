/**
 * Writing documents so that faults never leave half a file: JSON through a temp file in the same folder and a
 * rename (readers never see half a document, and a failed write leaves no temp file behind); JSONL appends as one
 * write that starts on a fresh line, so a line torn by an earlier fault cannot swallow the next one.
 */
import { closeSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Any JSON document, atomically; returns the absolute path. On failure the temp file is removed and it throws. */
export function writeJsonAtomically(file: string, doc: unknown): string {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
    renameSync(tmp, abs);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw e;
  }
  return abs;
}

/** Appends whole lines in one write; if the file ends mid-line (a torn append), the new lines start after a break. */
export function appendLines(file: string, lines: string[]): void {
  if (lines.length === 0) return;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const text = `${endsMidLine(file) ? '\n' : ''}${lines.join('\n')}\n`;
  writeFileSync(file, text, { flag: 'a' });
}

function endsMidLine(file: string): boolean {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  if (size === 0) return false;
  const fd = openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}
