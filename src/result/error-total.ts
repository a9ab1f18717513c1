/** The one definition of a run's error total: what a threshold on `errors` counts and what makes a run's status. */
import type { ModeStats, ProxyVerification, RunResult } from '../documents/result.js';

export interface ErrorParts {
  failed: number;
  dropped: number;
  integrity: ModeStats['integrity'];
  verify: ProxyVerification | null;
  /** Stream connections that moved no byte in the measured phase. */
  stalled: number;
  /** Sessions established but never served (their first echo never back). */
  unserved: number;
  /** --udp: datagrams back with a stamp, length or body that failed (loss, reordering and duplicates are figures). */
  corrupt: number;
}

/** Corrupted, duplicated, out-of-order and missing echoes; bytes lost at close count once. */
export function integrityErrors(i: ModeStats['integrity']): number {
  return i.corrupted + i.duplicated + i.outOfOrder + i.missing + (i.bytesLostAtClose > 0 ? 1 : 0);
}

/**
 * Failed connects + drops + unserved sessions + integrity errors + address-preservation mismatches (at least one if
 * it failed) + stalled stream connections + corrupt datagrams. An unserved session counts itself and, in integrity,
 * the first message it never had answered (missing, or lost at close): two facts, one per figure.
 */
export function errorTotal(p: ErrorParts): number {
  const v = p.verify;
  const mismatches = v && !v.ok ? Math.max(1, v.missing + v.unexpected) : 0;
  return p.failed + p.dropped + p.unserved + integrityErrors(p.integrity) + mismatches + p.stalled + p.corrupt;
}

export function resultErrorTotal(r: RunResult): number {
  return errorTotal({
    failed: r.connections.failed.total,
    dropped: r.connections.dropped.total,
    integrity: r.modeStats.integrity,
    verify: r.proxy.verify,
    stalled: r.modeStats.stream?.stalled?.count ?? 0,
    unserved: r.connections.unserved ?? 0,
    corrupt: r.totals.datagramsCorrupt,
  });
}
