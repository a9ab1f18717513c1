/** One UDP flow's state (udp-flows.ts): what the shared pacer reads of it, and its closed loop's. */
import type dgram from 'node:dgram';
import type { PacedConnection, PacedState } from './pacer.js';

export interface FlowState extends PacedState {
  /** Closed loop and the first datagram: one is outstanding since `sentAtMs`. */
  waiting: boolean;
  sentAtMs: number;
  /** Answered at least once (what counts as opened, served). */
  answered: boolean;
  /** Its first datagram was given up on at the ramp (the ramp moved on without it). */
  gaveUp: boolean;
}

/**
 * `opened` is what the pacer reads: the flow is in play (answered, or its first datagram given up on at the ramp);
 * whether it was ever served is `state.answered`.
 */
export interface Flow extends PacedConnection {
  /** Id on the wire (stamps, address pools, target choice). */
  id: number;
  /** This worker's index of it. */
  index: number;
  socket: dgram.Socket | null;
  state: FlowState;
}

/** A flow about to open: nothing sent, never busy for the pacer (a datagram is never held behind another). */
export function newFlow(id: number, index: number): Flow {
  return {
    id,
    index,
    socket: null,
    closed: false,
    established: false,
    opened: false,
    state: {
      busy: false,
      backlog: null,
      backlogHead: 0,
      backlogLength: 0,
      waiting: false,
      sentAtMs: 0,
      answered: false,
      gaveUp: false,
    },
  };
}
