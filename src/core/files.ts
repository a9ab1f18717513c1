/**
 * Writing documents so that faults never leave half a file: JSON through a temp file in the same folder and a
 * rename (readers never see half a document, and a failed write leaves no temp file behind); JSONL appends as one
 * write that starts on a fresh line, so a line torn by an earlier fault cannot swallow the next one.
 */
import { closeSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Any JSON document, atomically; returns the absolute path. On failure the temp file is removed and it throws. */
export function writeJsonAtomically(file: string, doc: unknown): string {
  return writeTextAtomically(file, `${JSON.stringify(doc, null, 2)}\n`);
}

/** Any text (a report, an export) the same way: whole or not at all. */
export function writeTextAtomically(file: string, text: string): string {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
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

export interface WrittenDocument {
  /** Where the document is now (the asked path, or the fallback); null when no file could be written. */
  file: string | null;
  /** Why the asked path failed; null when it did not. */
  failure: { path: string; reason: string } | null;
}

/**
 * A document that must not be lost (a result, a scenario summary): atomically where asked, else in a fallback file
 * in the system temp folder; the caller says so and, when even that failed, prints the document.
 */
export function writeJsonWithFallback(file: string, doc: unknown, fallbackDir = tmpdir()): WrittenDocument {
  return writeTextWithFallback(file, `${JSON.stringify(doc, null, 2)}\n`, fallbackDir);
}

/** Said when a document did not land where asked: where it went instead (a fallback file, or stdout); else null. */
export function notSavedMessage(what: string, written: WrittenDocument): string | null {
  if (!written.failure) return null;
  return (
    `could not write the ${what} to '${written.failure.path}' (${written.failure.reason}); ` +
    (written.file ? `it was written to '${written.file}' instead` : 'it was printed to stdout instead')
  );
}

/** Any text that must not be lost (serve's --dump-sources), the same way. */
export function writeTextWithFallback(file: string, text: string, fallbackDir = tmpdir()): WrittenDocument {
  try {
    return { file: writeTextAtomically(file, text), failure: null };
  } catch (e) {
    const failure = { path: path.resolve(file), reason: errorReason(e) };
    const fallback = path.join(fallbackDir, `l4stress-unsaved-${process.pid}-${path.basename(file)}`);
    try {
      return { file: writeTextAtomically(fallback, text), failure };
    } catch {
      return { file: null, failure };
    }
  }
}

/** `ENOSPC: no space left on device` from a Node file error. */
export function errorReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '').split(',')[0]}` : err.message;
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
