/** The one definition of a run's error total: what a threshold on `errors` and the run's status both count. */
import type { ModeStats, RunResult } from '../documents/result.js';

/** Corrupted, duplicated, out-of-order and missing echoes; bytes lost at close count once. */
export function integrityErrors(i: ModeStats['integrity']): number {
  return i.corrupted + i.duplicated + i.outOfOrder + i.missing + (i.bytesLostAtClose > 0 ? 1 : 0);
}

/** Failed connects + drops + integrity errors + address-preservation mismatches. */
export function errorTotal(r: RunResult): number {
  const v = r.proxy.verify;
  return (
    r.connections.failed.total +
    r.connections.dropped.total +
    integrityErrors(r.modeStats.integrity) +
    (v && !v.ok ? Math.max(1, v.missing + v.unexpected) : 0)
  );
}
