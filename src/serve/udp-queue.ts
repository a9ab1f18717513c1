/**
 * `serve --udp --service-time`: a UDP backend of known capacity. One datagram is served per service time, in arrival
 * order, from a ring of at most `limit` datagrams waiting; a datagram that finds the ring full is dropped and counted,
 * as a socket whose receive buffer is full drops (UDP has no back-pressure to hold a client back with, unlike TCP's
 * per-connection lines in service-queue.ts). So the queue never grows past its limit, whatever the offered rate,
 * and a client sees the capacity as loss, not as latency without end. Served datagrams are answered when due, from
 * one timer (Node's timers fire to about a millisecond: answers may bunch within it; the rate does not change).
 */

/** Answers one served datagram: `msg[offset, offset + length)` came from `address:port`. */
export type UdpDeliver = (msg: Buffer, offset: number, length: number, port: number, address: string) => void;

export class UdpServiceQueue {
  private readonly msgs: (Buffer | null)[];
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly ports: Uint16Array;
  private readonly addresses: string[];
  private head = 0;
  /** Datagrams waiting now. */
  size = 0;
  /** The most that ever waited at once (since the last reset). */
  peak = 0;
  /** Datagrams dropped because the ring was full (since the last reset). */
  dropped = 0;
  private readonly serviceMs: number;
  /** When the server finished its last datagram (ms, performance.now()); when idle, at most now. */
  private clockMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    serviceUs: number,
    readonly limit: number,
    private readonly deliver: UdpDeliver,
  ) {
    if (!(serviceUs > 0)) throw new RangeError(`service time ${serviceUs} µs`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`queue limit ${limit}`);
    this.serviceMs = serviceUs / 1000;
    this.msgs = new Array<Buffer | null>(limit).fill(null);
    this.offsets = new Int32Array(limit);
    this.lengths = new Int32Array(limit);
    this.ports = new Uint16Array(limit);
    this.addresses = new Array<string>(limit).fill('');
  }

  /** Queues a datagram for service; false (and counted) when the queue is full. */
  push(msg: Buffer, offset: number, length: number, port: number, address: string): boolean {
    if (this.size === this.limit) {
      this.dropped++;
      return false;
    }
    const at = (this.head + this.size) % this.limit;
    this.msgs[at] = msg;
    this.offsets[at] = offset;
    this.lengths[at] = length;
    this.ports[at] = port;
    this.addresses[at] = address;
    this.size++;
    if (this.size > this.peak) this.peak = this.size;
    if (this.timer === null) {
      const now = performance.now();
      // The server was idle: it starts on this datagram now.
      this.clockMs = Math.max(this.clockMs, now);
      this.arm(now);
    }
    return true;
  }

  /** Counters back to zero (what waits stays). */
  reset(): void {
    this.peak = this.size;
    this.dropped = 0;
  }

  /** Drops what waits (the server is stopping). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.msgs.fill(null);
    this.size = 0;
  }

  private arm(now: number): void {
    if (this.timer !== null || this.size === 0) return;
    this.timer = setTimeout(() => this.drain(), Math.max(0, this.clockMs + this.serviceMs - now));
  }

  private drain(): void {
    this.timer = null;
    const now = performance.now();
    while (this.size > 0 && this.clockMs + this.serviceMs <= now) {
      this.clockMs += this.serviceMs;
      const at = this.head;
      const msg = this.msgs[at] as Buffer;
      this.msgs[at] = null;
      this.head = (this.head + 1) % this.limit;
      this.size--;
      this.deliver(msg, this.offsets[at], this.lengths[at], this.ports[at], this.addresses[at]);
    }
    this.arm(performance.now());
  }
}
