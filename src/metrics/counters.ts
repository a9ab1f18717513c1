/**
 * The counters a load worker keeps. Cumulative since the worker started; per-second rates are differences of
 * two snapshots, so a late or lost snapshot never double-counts.
 */
import { addErrorCounts, type ErrorCounts } from './errors.js';

export interface LoadCounters {
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
}

export function emptyCounters(): LoadCounters {
  return {
    attempted: 0, established: 0, connectFailed: {}, dropped: {}, open: 0, peakOpen: 0,
    messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0, headersSent: 0, headerBytes: 0,
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
}

export function cloneCounters(c: LoadCounters): LoadCounters {
  return { ...c, connectFailed: { ...c.connectFailed }, dropped: { ...c.dropped } };
}
