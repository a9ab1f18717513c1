/**
 * The last guard before a document (a result, a scenario summary, a find document) is written: every writer goes
 * through writeDocument. JSON has no NaN or Infinity (JSON.stringify writes null, which a `number` field then
 * refuses: a run wrote results its own `report` could not read), so a non-finite number is written as null where
 * its schema allows null, and left out where the field may be absent (a series in a record); each is named in the
 * document's warnings. A URL's password is redacted in every string (a --scrape URL in the command line or config).
 * The sources keep their numbers finite; this catches what they miss, never silently.
 */
import type { z } from 'zod';
import { type WrittenDocument, writeJsonWithFallback } from '../core/files.js';
import { redactCredentials } from '../core/redact.js';

type Path = (string | number)[];

/** The document made safe to write, and what was changed in it (also added to its `warnings`, if it has them). */
export function guardDocument<T>(schema: z.ZodType, doc: T): { doc: T; notes: string[] } {
  const nonFinite: { path: Path; value: number }[] = [];
  let redacted = false;
  walk(doc, [], (path, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) nonFinite.push({ path: [...path], value: v });
    else if (typeof v === 'string' && redactCredentials(v) !== v) redacted = true;
  });
  if (nonFinite.length === 0 && !redacted) return { doc, notes: [] };
  const copy = structuredClone(doc) as T;
  walkParents(copy, (parent, key) => {
    const v = parent[key];
    if (typeof v === 'number' && !Number.isFinite(v)) parent[key] = null;
    else if (typeof v === 'string') parent[key] = redactCredentials(v);
  });
  const notes = nonFinite.length ? leaveOutOrNull(schema, copy, nonFinite) : [];
  const warnings = (copy as { warnings?: unknown }).warnings;
  if (notes.length && Array.isArray(warnings)) warnings.push(...notes);
  return { doc: copy, notes };
}

/** The document guarded, then written where asked or in a fallback file (core/files.ts); `doc` is what was written. */
export function writeDocument<T>(
  file: string,
  schema: z.ZodType,
  doc: T,
  fallbackDir?: string,
): WrittenDocument & { doc: T; notes: string[] } {
  const guarded = guardDocument(schema, doc);
  return { ...writeJsonWithFallback(file, guarded.doc, fallbackDir), ...guarded };
}

/** Null where the schema takes it; else, in an object, the key left out. One note per field, indices as `*`. */
function leaveOutOrNull(schema: z.ZodType, doc: unknown, found: { path: Path; value: number }[]): string[] {
  const parsed = schema.safeParse(doc);
  const refused = new Set(parsed.success ? [] : parsed.error.issues.map((i) => i.path.map(String).join('.')));
  const byField = new Map<string, { count: number; value: number; left: boolean }>();
  for (const { path, value } of found) {
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], doc);
    const key = path[path.length - 1];
    const left = refused.has(path.map(String).join('.')) && !Array.isArray(parent);
    if (left) delete (parent as Record<string, unknown>)[key];
    const field = path.map((k) => (typeof k === 'number' ? '*' : k)).join('.');
    const seen = byField.get(field) ?? { count: 0, value, left };
    byField.set(field, { ...seen, count: seen.count + 1 });
  }
  return [...byField].map(
    ([field, f]) =>
      `${field}: ${f.count} value${f.count === 1 ? ' was' : 's were'} not a finite number (${f.value}); ` +
      `${f.left ? 'left out' : 'written as null'}`,
  );
}

/** Every leaf with its path (one path array, pushed and popped: copy it to keep it). */
function walk(v: unknown, path: Path, visit: (path: Path, v: unknown) => void): void {
  if (v === null || typeof v !== 'object') {
    visit(path, v);
    return;
  }
  for (const [k, x] of Array.isArray(v) ? v.entries() : Object.entries(v as Record<string, unknown>)) {
    path.push(k);
    walk(x, path, visit);
    path.pop();
  }
}

function walkParents(
  v: unknown,
  visit: (parent: Record<string | number, unknown>, key: string | number) => void,
): void {
  if (v === null || typeof v !== 'object') return;
  const parent = v as Record<string | number, unknown>;
  for (const key of Array.isArray(v) ? v.keys() : Object.keys(v)) {
    visit(parent, key);
    walkParents(parent[key], visit);
  }
}
