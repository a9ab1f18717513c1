/**
 * Checks, before any socket opens, that every file the run will write can be written: the folder exists or can be
 * made, is a folder, takes a file (a probe is written and removed: this catches read-only mounts and permissions,
 * root included), and has room for a result. A path that fails is exit 3 with the path and the reason, so the
 * numbers of a long run are never lost to a typo or a full disk at the end.
 */
import { mkdirSync, statfsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CouldNotRunError } from '../core/errors.js';
import { formatBytes } from '../core/units.js';

/** Room a result needs: a long run with a full timeline and encoded histograms stays well under this. */
export const RESULT_ROOM_BYTES = 4 * 1024 * 1024;

export interface OutputPaths {
  /** Folders the run writes into (results dir, history dir). */
  folders?: { path: string; what: string }[];
  /** Files the run writes (--out, --markdown, --dump-sources). */
  files?: { path: string; what: string }[];
}

export function checkOutputs(paths: OutputPaths, roomBytes = RESULT_ROOM_BYTES): void {
  for (const f of paths.folders ?? []) checkFolder(f.path, f.what, roomBytes);
  for (const f of paths.files ?? []) checkFile(f.path, f.what, roomBytes);
}

function checkFile(file: string, what: string, roomBytes: number): void {
  const kind = kindOf(file);
  if (kind === 'folder') fail(what, file, 'is a folder; give a file name');
  checkFolder(path.dirname(path.resolve(file)), `${what} (its folder)`, roomBytes);
}

function checkFolder(folder: string, what: string, roomBytes: number): void {
  const kind = kindOf(folder);
  if (kind === 'file') fail(what, folder, 'is a file, not a folder');
  if (kind === 'missing') {
    try {
      mkdirSync(folder, { recursive: true });
    } catch (e) {
      fail(what, folder, `cannot be created (${reason(e)})`);
    }
  }
  const probe = path.join(folder, `.l4stress-probe-${process.pid}`);
  try {
    writeFileSync(probe, 'probe\n');
  } catch (e) {
    fail(what, folder, `cannot be written (${reason(e)})`);
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      // never created
    }
  }
  const free = freeBytes(folder);
  if (free !== null && free < roomBytes)
    fail(what, folder, `has ${formatBytes(free)} free; a result needs up to ${formatBytes(roomBytes)}`);
}

function kindOf(p: string): 'file' | 'folder' | 'missing' {
  try {
    return statSync(p).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

function freeBytes(folder: string): number | null {
  try {
    const s = statfsSync(folder);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

const reason = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function fail(what: string, p: string, why: string): never {
  throw new CouldNotRunError(`${what} '${p}' ${why}`, 'nothing was started; pick another path or free the space');
}
