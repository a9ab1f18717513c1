/**
 * The counters a load worker keeps. Cumulative since the worker started; per-second rates are differences of
 * two snapshots, so a late or lost snapshot never double-counts.
 */
import { addErrorCounts, type ErrorCounts } from './errors.js';

/** Echo integrity (messages over 12 bytes), as the workers count it. */
export interface IntegrityCounters {
  verified: number;
  corrupted: number;
  duplicated: number;
  outOfOrder: number;
  /** Gaps: messages after which a later one arrived; an out-of-order arrival takes one back. */
  missing: number;
}

export interface LoadCounters extends IntegrityCounters {
  attempted: number;
  established: number;
  /** Connections that never established, by kind (ECONNREFUSED, ETIMEDOUT, ...). */
  connectFailed: ErrorCounts;
  /** Established connections the peer closed (EOF) or broke (ECONNRESET, ...) before the run ended. */
  dropped: ErrorCounts;
  /** Currently open (gauge) and the most at once. */
  open: number;
  peakOpen: number;
  messagesSent: number;
  /** Completed round trips (full echo received). */
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  headersSent: number;
  headerBytes: number;
  /** Open loop: sends more than 1 ms after their intended time, and sends skipped because a connection's backlog was full. */
  late: number;
  missed: number;
  /** Echo bytes sent but never received back by the time a connection closed at the end. */
  bytesLostAtClose: number;
  /** Churn: completed open -> (header, echo) -> close cycles, and those completed while measuring. */
  cycles: number;
  measuredCycles: number;
}

export function emptyCounters(): LoadCounters {
  return {
    attempted: 0, established: 0, connectFailed: {}, dropped: {}, open: 0, peakOpen: 0,
    messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0, headersSent: 0, headerBytes: 0,
    late: 0, missed: 0, verified: 0, corrupted: 0, duplicated: 0, outOfOrder: 0, missing: 0, bytesLostAtClose: 0,
    cycles: 0, measuredCycles: 0,
  };
}

/** Adds `from` into `into`: sums for counts; peaks add too, since workers hold disjoint connections at once. */
export function addCounters(into: LoadCounters, from: LoadCounters): void {
  into.attempted += from.attempted;
  into.established += from.established;
  addErrorCounts(into.connectFailed, from.connectFailed);
  addErrorCounts(into.dropped, from.dropped);
  into.open += from.open;
  into.peakOpen += from.peakOpen;
  into.messagesSent += from.messagesSent;
  into.messagesReceived += from.messagesReceived;
  into.bytesSent += from.bytesSent;
  into.bytesReceived += from.bytesReceived;
  into.headersSent += from.headersSent;
  into.headerBytes += from.headerBytes;
  for (const k of SUMMED) into[k] += from[k];
}

const SUMMED = ['late', 'missed', 'verified', 'corrupted', 'duplicated', 'outOfOrder', 'missing', 'bytesLostAtClose', 'cycles', 'measuredCycles'] as const;

export function cloneCounters(c: LoadCounters): LoadCounters {
  return { ...c, connectFailed: { ...c.connectFailed }, dropped: { ...c.dropped } };
}
