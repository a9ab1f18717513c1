/**
 * One connection's line in `serve --service-time`'s queue (service-queue.ts): the bytes it sent that are not echoed
 * yet, in order, and how far its messages are served. Positions count bytes of the connection's stream after the
 * header: message k (from 0) ends at (k + 1) * messageBytes. Served messages are echoed up to the end of the last
 * one served; once every whole message received is served, the bytes of a message still incomplete go out too (a
 * client whose --size is below --message-size is answered, never left waiting for bytes it will not send).
 */

/** A connection's line holding this many bytes is full: its connection is not read until it is served below. */
export const LINE_LIMIT_BYTES = 64 * 1024;

/** What every line of a queue holds together (serve's stats: GET /stats serviceQueue). */
export interface QueueTotals {
  bytes: number;
  messages: number;
}

export class ServiceLine {
  private readonly chunks: (Buffer | null)[] = [];
  private head = 0;
  /** Bytes of the front chunk already echoed. */
  private offset = 0;
  /** Stream positions: bytes received, bytes echoed, and the end of the last message served. */
  private received = 0;
  private echoed = 0;
  private servedTo = 0;
  /** Bytes received and not yet echoed; whole messages not yet served. */
  bytes = 0;
  messages = 0;
  /** Its echoes are backed up: not served until they drain. */
  blocked = false;
  closed = false;
  /** In the queue's ring (messages waiting, not blocked); served in this timer pass, its echo not yet written. */
  linked = false;
  dirty = false;
  next: ServiceLine = this;
  prev: ServiceLine = this;

  /** `deliver` writes an echo (a whole read, or a view of part of one). */
  constructor(
    private readonly totals: QueueTotals,
    private readonly messageBytes: number,
    readonly deliver: (chunk: Buffer) => void,
  ) {}

  get full(): boolean {
    return this.bytes >= LINE_LIMIT_BYTES;
  }

  /** A read: its bytes and the whole messages it completes join the line. */
  append(chunk: Buffer): void {
    const before = Math.floor(this.received / this.messageBytes);
    this.received += chunk.length;
    const messages = Math.floor(this.received / this.messageBytes) - before;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.messages += messages;
    this.totals.bytes += chunk.length;
    this.totals.messages += messages;
  }

  /** The next message is served (its echo goes out at flush). */
  serveOne(): void {
    this.messages--;
    this.totals.messages--;
    this.servedTo += this.messageBytes;
  }

  /** Echoes what is served and not yet echoed: up to the last message served, everything once none waits. */
  flush(): void {
    let n = (this.messages === 0 ? this.received : this.servedTo) - this.echoed;
    while (n > 0 && !this.closed) {
      const front = this.chunks[this.head]!;
      const left = front.length - this.offset;
      let piece: Buffer;
      if (left <= n) {
        piece = this.offset === 0 ? front : front.subarray(this.offset);
        this.chunks[this.head++] = null;
        this.offset = 0;
      } else {
        piece = front.subarray(this.offset, this.offset + n);
        this.offset += n;
      }
      n -= piece.length;
      this.echoed += piece.length;
      this.bytes -= piece.length;
      this.totals.bytes -= piece.length;
      // May close the line (a write that fails): what is left is dropped by then.
      this.deliver(piece);
    }
    this.compact();
  }

  /** Everything waiting is dropped (the connection closed). */
  drop(): void {
    this.closed = true;
    this.totals.bytes -= this.bytes;
    this.totals.messages -= this.messages;
    this.chunks.length = 0;
    this.head = 0;
    this.offset = 0;
    this.bytes = 0;
    this.messages = 0;
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }
}
