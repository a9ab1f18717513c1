/**
 * The counters a load worker keeps (shape: documents/result.ts). Cumulative since the worker started; per-second
 * rates are differences of two snapshots, so a late or lost snapshot never double-counts. How each counter merges
 * across workers is said once, in MERGE: its type names every key, so a new counter cannot be left out.
 */
import type { IntegrityCounters, LoadCounters } from '../documents/result.js';
import { addErrorCounts } from './errors.js';

export type { IntegrityCounters, LoadCounters };

type Merge = 'sum' | 'errors' | 'max';

/** sum: counts and the open gauge (workers hold disjoint connections); errors: by kind; max: peaks (see peak.ts). */
const MERGE: Record<keyof LoadCounters, Merge> = {
  attempted: 'sum',
  established: 'sum',
  opened: 'sum',
  unserved: 'sum',
  connectFailed: 'errors',
  dropped: 'errors',
  open: 'sum',
  peakOpen: 'max',
  messagesSent: 'sum',
  messagesReceived: 'sum',
  bytesSent: 'sum',
  bytesReceived: 'sum',
  headersSent: 'sum',
  headerBytes: 'sum',
  late: 'sum',
  missed: 'sum',
  verified: 'sum',
  corrupted: 'sum',
  duplicated: 'sum',
  outOfOrder: 'sum',
  missing: 'sum',
  bytesLostAtClose: 'sum',
  cycles: 'sum',
  measuredCycles: 'sum',
  tlsHandshakes: 'sum',
  tlsResumed: 'sum',
  measuredTlsHandshakes: 'sum',
  measuredTlsResumed: 'sum',
  reconnectAttempts: 'sum',
  reconnected: 'sum',
  reconnectFailed: 'sum',
  bareHandleSessions: 'sum',
  abandonedAtStop: 'sum',
  connectHeldInFlight: 'sum',
  connectHeldByConns: 'sum',
  pacedSends: 'sum',
  dueSends: 'sum',
  leftLate: 'sum',
  datagramsSent: 'sum',
  datagramsReceived: 'sum',
  datagramsLost: 'sum',
  datagramsReordered: 'sum',
  datagramsDuplicated: 'sum',
  datagramsLate: 'sum',
  datagramsCorrupt: 'sum',
  datagramsNotSent: 'sum',
  silentFlows: 'sum',
  datagramErrors: 'errors',
};
const KEYS = Object.keys(MERGE) as (keyof LoadCounters)[];

/**
 * Built in one go: thirty keys added one by one to `{}` leave V8 a dictionary-mode object, and the workers bump
 * these counters several times per message (each bump then a hash lookup instead of a fixed offset).
 */
export function emptyCounters(): LoadCounters {
  return Object.fromEntries(KEYS.map((k) => [k, MERGE[k] === 'errors' ? {} : 0])) as unknown as LoadCounters;
}

/** Adds `from` into `into`, each counter as MERGE says. */
export function addCounters(into: LoadCounters, from: LoadCounters): void {
  const numbers = into as unknown as Record<string, number>;
  const source = from as unknown as Record<string, number>;
  for (const k of KEYS) {
    const how = MERGE[k];
    if (how === 'errors') addErrorCounts(into[k as 'dropped'], from[k as 'dropped']);
    else if (how === 'max') numbers[k] = Math.max(numbers[k], source[k]);
    else numbers[k] += source[k];
  }
}

export function cloneCounters(c: LoadCounters): LoadCounters {
  return {
    ...c,
    connectFailed: { ...c.connectFailed },
    dropped: { ...c.dropped },
    datagramErrors: { ...c.datagramErrors },
  };
}
