/**
 * Reading a document from a file: JSON (or one JSONL line), validated against its zod schema. Anything wrong —
 * unreadable, not JSON, null, a missing field, a wrong schemaVersion — is a UsageError (exit 2) naming the file,
 * the path inside it and what was expected. No reader trusts what it loads.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { type DocumentId, whichDocument, wrongKindMessage } from './document-kinds.js';

/** What the document is called in messages, and the schemaVersion the reader understands (if it has one). */
export interface DocumentKind {
  name: string;
  schemaVersion?: number;
  /** The kind this reader takes: a document of another kind is refused in one line naming the command it is for. */
  id?: DocumentId;
}

export function readDocument<T extends z.ZodType>(file: string, schema: T, kind: DocumentKind): z.infer<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${kind.name} '${file}': ${code === 'EISDIR' ? 'it is a directory' : (code ?? (e as Error).message)}`,
    );
  }
  return parseDocument(text, file, schema, kind);
}

/** Validates `text` (JSON) as `schema`; `where` names the file (and line) in messages. */
export function parseDocument<T extends z.ZodType>(
  text: string,
  where: string,
  schema: T,
  kind: DocumentKind,
): z.infer<T> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: not an ${kind.name}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UsageError(
      `${where}: not an ${kind.name}: expected a JSON object, got ` +
        `${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`,
    );
  }
  const found = whichDocument(doc);
  if (kind.id !== undefined && found !== null && found !== kind.id)
    throw new UsageError(wrongKindMessage(where, found, `an ${kind.name}`));
  const version = (doc as { schemaVersion?: unknown }).schemaVersion;
  if (kind.schemaVersion !== undefined && version !== undefined && version !== kind.schemaVersion) {
    throw new UsageError(
      `${where}: ${kind.name} schemaVersion ${JSON.stringify(version)} is not supported (this l4stress reads ` +
        `${kind.schemaVersion})`,
      'it was written by another version of l4stress; re-run it with this one',
    );
  }
  const parsed = schema.safeParse(doc);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  throw new UsageError(`${where}: not a valid ${kind.name}: at ${at}: ${issue.message}${more}`);
}
