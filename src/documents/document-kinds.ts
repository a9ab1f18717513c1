/**
 * Which l4stress document a parsed JSON object is, and which commands read each kind: so a document given where
 * another kind is expected (a find document to `merge`, a summary where a result goes) is named in one line with
 * the command that reads it, before any schema message about fields it was never meant to have.
 */
import { FIND_KIND } from './find.js';
import { PROFILE_KIND } from './hardware-profile.js';
import { SUMMARY_KIND } from './summary.js';

export type DocumentId = 'result' | 'summary' | 'find' | 'profile' | 'history';

/** What each kind is called in messages, and the commands that read it. */
export const DOCUMENT_KINDS: Record<DocumentId, { name: string; readBy: string }> = {
  result: {
    name: 'an l4stress result (one run)',
    readBy: "'l4stress report', 'l4stress compare' (with another result) and 'l4stress merge' (shards) read it",
  },
  summary: {
    name: 'an l4stress scenario summary',
    readBy: "'l4stress report', 'compare', 'summary' and 'baseline save' read it",
  },
  find: {
    name: 'an l4stress find document (a capacity search)',
    readBy: "'l4stress compare' (with another find document) and 'l4stress report' read it",
  },
  profile: {
    name: 'an l4stress hardware profile',
    readBy: "'l4stress calibrate' writes it; runs read it with --calibration",
  },
  history: {
    name: 'an l4stress history line',
    readBy: "'l4stress history' reads it from results/history",
  },
};

/** The kind of a parsed document, by its `kind` field or, for the two without one, by their shape; null: none. */
export function whichDocument(doc: unknown): DocumentId | null {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return null;
  const o = doc as Record<string, unknown>;
  if (o.kind === FIND_KIND) return 'find';
  if (o.kind === SUMMARY_KIND) return 'summary';
  if (o.kind === PROFILE_KIND) return 'profile';
  if (o.kind !== undefined) return null;
  if ('status' in o && 'config' in o && 'connections' in o) return 'result';
  if ('date' in o && 'step' in o && 'iterations' in o) return 'history';
  return null;
}

/** `FILE is a find document (...), not an l4stress result: 'compare' and 'report' read it` — one line. */
export function wrongKindMessage(where: string, found: DocumentId, expected: string, context = ''): string {
  const k = DOCUMENT_KINDS[found];
  return `${where} is ${k.name}, not ${expected}${context ? ` (${context})` : ''}: ${k.readBy}`;
}
