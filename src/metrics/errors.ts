/**
 * Socket errors as data: each errno maps to a closed set of kinds, counted per phase. Anything unknown is
 * counted as OTHER rather than growing the set without bound.
 */
export const ERROR_KINDS = [
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EADDRNOTAVAIL', 'EADDRINUSE', 'EMFILE', 'ENFILE', 'ENOBUFS',
  'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'EOF', 'OTHER',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

const KNOWN = new Set<string>(ERROR_KINDS);

/** errno code (or our own `EOF` for a peer's orderly close) to its kind. */
export function errorKind(code: string | undefined): ErrorKind {
  return code && KNOWN.has(code) ? (code as ErrorKind) : 'OTHER';
}

export type ErrorCounts = Partial<Record<ErrorKind, number>>;

export function addErrorCounts(into: ErrorCounts, from: ErrorCounts): void {
  for (const [k, v] of Object.entries(from)) into[k as ErrorKind] = (into[k as ErrorKind] ?? 0) + (v ?? 0);
}

export function totalErrors(counts: ErrorCounts): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v ?? 0;
  return n;
}
