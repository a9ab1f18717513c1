/**
 * The contract between the shared session lifecycle (session.ts) and a load mode (echo, hold, stream, churn: one
 * file each). A mode keeps its own per-connection state in `state`; the session keeps what every mode needs.
 */
/**
 * What a session writes to and closes: a net.Socket (TLS, targets given by name, Nodes without the handle API) or
 * a bare TCP handle (tcp-link.ts).
 */
export interface Wire {
  write(data: Buffer): boolean;
  end(): void;
  destroy(): void;
  resetAndDestroy(): void;
  readonly writableLength: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
}

export interface Connection<S> {
  /** Connection id on the wire, unique across workers, processes and shards: address pools and targets use it. */
  id: number;
  /** The id before the shard mapping (plan.ts wireId): this worker's slots are indexed by it. */
  localId: number;
  /** What the session writes to: the TCP socket, or the TLS socket over it. */
  socket: Wire | null;
  /** The TCP socket (an RST close and the connect timeout need it under TLS). */
  tcp: Wire | null;
  connectStartMs: number;
  /** Connected and its first exchange done: the session is open end to end. */
  opened: boolean;
  established: boolean;
  closed: boolean;
  closedByUs: boolean;
  bytesOut: number;
  bytesIn: number;
  /** Bytes moved (both ways) when the measured phase began. */
  measureStartBytes: number;
  /** 0 for the first open; n for the n-th reopen in a row after the target dropped it (--reconnect). */
  reconnectAttempt: number;
  /** The mode's own per-connection state. */
  state: S;
}

export interface StreamFairness {
  perConnectionBytes: number[];
  /** Ids of connections that moved no byte in the whole measured phase. */
  stalledIds: number[];
}

export interface Mode<S> {
  /** The mode's state for a new connection. */
  newState(localId: number): S;
  /** Opens what is due (the session's ramp for long-lived modes; churn keeps its cycles in flight). */
  pump(): void;
  /** The message the first write carries after the PROXY header (only asked when the traits say it sends one). */
  firstMessage(c: Connection<S>): Buffer;
  /** The first message has been written (and counted by the session). */
  afterFirstWrite(c: Connection<S>): void;
  /** Connected, header and first message written. */
  onConnected(c: Connection<S>): void;
  /** `nread` bytes for `c` are in the session's receive buffer (already counted). */
  onBytes(c: Connection<S>, nread: number): void;
  onDrain(c: Connection<S>): void;
  /** Churn: a session we closed on purpose completed its cycle. */
  onCycleDone?(c: Connection<S>): void;
  /** A session closed before the stop. */
  onClosed?(c: Connection<S>): void;
  /** The ramp is over: start the mode's traffic. */
  startTraffic(): void;
  /** Stop issuing new work (timers); the session then waits for `drained()` before it closes the sockets. */
  stopTraffic(): void;
  /** Nothing of this mode is in flight any more (echoes back, stream writes flushed, cycles closed). */
  drained(): boolean;
  /** Stream: bytes each established connection moved in the measured phase, and those that moved none. */
  streamFairness(): StreamFairness | null;
}

/**
 * What a load worker drives over its phases (load-worker.ts): the TCP session lifecycle with its mode
 * (session.ts), or UDP flows (udp-flows.ts).
 */
export interface WorkerDriver {
  /** Opens what is due (the ramp). */
  pump(): void;
  startTraffic(): void;
  startMeasuring(): void;
  /** Once a second, before the snapshot leaves: gauges worked out on demand (UDP's silent flows). */
  beforeSnapshot?(): void;
  /** Stream fairness of the measured phase (TCP stream only). */
  streamFairness(): StreamFairness | null;
  stop(): Promise<void>;
}
