/** Every document l4stress reads back, validated (parse-document.ts): a bad file is exit 2 naming it. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { type DocumentId, whichDocument } from './document-kinds.js';
import { FIND_SCHEMA_VERSION, type FindDocument, findDocumentSchema } from './find.js';
import { type HardwareProfile, hardwareProfileSchema, PROFILE_SCHEMA_VERSION } from './hardware-profile.js';
import { HISTORY_SCHEMA_VERSION, type HistoryLine, historyLineSchema } from './history.js';
import { parseDocument, readDocument } from './parse-document.js';
import { RESULT_SCHEMA_VERSION, type RunResult, runResultSchema } from './result.js';
import { type ScenarioSummary, SUMMARY_SCHEMA_VERSION, scenarioSummarySchema } from './summary.js';

export function readResult(file: string): RunResult {
  return readDocument(file, runResultSchema, {
    name: 'l4stress result',
    schemaVersion: RESULT_SCHEMA_VERSION,
    id: 'result',
  });
}

/** A scenario summary, or a baseline (a saved summary). */
export function readSummary(file: string, name = 'scenario summary'): ScenarioSummary {
  return readDocument(file, scenarioSummarySchema, {
    name: `l4stress ${name}`,
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    id: 'summary',
  });
}

export function readProfile(file: string): HardwareProfile {
  return readDocument(file, hardwareProfileSchema, {
    name: 'l4stress hardware profile',
    schemaVersion: PROFILE_SCHEMA_VERSION,
    id: 'profile',
  });
}

/** A find document (one capacity search). */
export function readFind(file: string): FindDocument {
  return readDocument(file, findDocumentSchema, {
    name: 'l4stress find document',
    schemaVersion: FIND_SCHEMA_VERSION,
    id: 'find',
  });
}

/**
 * The kind of the document in `file`, to choose its reader; null when it cannot be read, is not JSON or is of no
 * known kind (the reader then says what is wrong with it).
 */
export function kindOfFile(file: string): DocumentId | null {
  try {
    return whichDocument(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

/**
 * Every good line of a history file (JSONL). Append-only files are torn by faults (a full disk mid-append): a bad
 * line is skipped and reported by file and line number, never fatal, so one fault does not lose the whole trend.
 */
export function readHistory(file: string): { lines: HistoryLine[]; skipped: { where: string; reason: string }[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read history '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const kind = { name: 'l4stress history line', schemaVersion: HISTORY_SCHEMA_VERSION, id: 'history' as const };
  const lines: HistoryLine[] = [];
  const skipped: { where: string; reason: string }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    try {
      lines.push(parseDocument(line, where, historyLineSchema, kind));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      skipped.push({ where, reason: e.message });
    }
  });
  return { lines, skipped };
}
