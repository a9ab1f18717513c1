/**
 * Socket errors as data: each errno maps to a closed set of kinds (core/error-kinds.ts), counted per phase.
 * Anything unknown is counted as OTHER rather than growing the set without bound.
 */
import { ERROR_KINDS, type ErrorKind } from '../core/error-kinds.js';
import type { ErrorCounts } from '../documents/common.js';

export type { ErrorCounts, ErrorKind };

const KNOWN = new Set<string>(ERROR_KINDS);

/** errno code (or our own `EOF` for a peer's orderly close) to its kind. */
export function errorKind(code: string | undefined): ErrorKind {
  return code && KNOWN.has(code) ? (code as ErrorKind) : 'OTHER';
}

/**
 * A TLS error (OpenSSL reason or Node's certificate code) to its kind. Protocol-version trouble first (it can come
 * as an alert), then certificate verification, then any other alert; ECONNRESET and friends keep their own kind.
 */
export function tlsErrorKind(code: string | undefined): ErrorKind {
  if (!code) return 'TLS_OTHER';
  if (
    /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|WRONG_VERSION_NUMBER|VERSION_TOO_(LOW|HIGH)/.test(
      code,
    )
  ) {
    return 'TLS_PROTOCOL_VERSION';
  }
  if (/CERT|UNABLE_TO_(GET|VERIFY)|SELF_SIGNED|ALTNAME|ISSUER|CHAIN/.test(code)) return 'TLS_CERTIFICATE';
  if (/ALERT/.test(code)) return 'TLS_ALERT';
  if (KNOWN.has(code)) return code as ErrorKind;
  return 'TLS_OTHER';
}

export function addErrorCounts(into: ErrorCounts, from: ErrorCounts): void {
  for (const [k, v] of Object.entries(from)) into[k as ErrorKind] = (into[k as ErrorKind] ?? 0) + (v ?? 0);
}

/** The one error total: every kind added. */
export function totalErrors(counts: ErrorCounts): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v ?? 0;
  return n;
}
