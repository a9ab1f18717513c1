/**
 * `serve --service-time`: a backend of known capacity. The process serves one message at a time, each taking the
 * service time, so it answers at most 1 / service-time messages per second however many connections ask: past that,
 * answers queue and latency grows, as an ingress's backend at its limit does. A message is --message-size bytes of
 * what a connection sent (l4stress's default --size: 64 B); what a read holds is counted in whole messages, the rest
 * carried to the connection's next read, and a read's echo goes out when its last whole message is served (a read
 * that completes none is echoed as soon as nothing of its connection waits before it).
 *
 * Bounded, as a real server's socket buffers bound it: each connection waits in its own line, and the lines are
 * served round robin, a message each turn, so a busy connection cannot starve the rest (a fresh client waits at most
 * one service time per connection with work queued). A line holding LINE_LIMIT_BYTES or more is full: its
 * connection stops reading (its socket buffers fill and the client is held back) until the line is served below
 * it. A connection whose echoes back up (a client that never reads) is `blocked`: not served until its writes drain.
 * A connection that closes drops its line at once, so a fresh client is not answered after a dead one's backlog.
 * Answers go out when due, from one timer per process (Node's timers fire to about a millisecond: latency gains up
 * to that; the capacity does not change).
 */

/** A connection's line past this many bytes is full: stop reading it until it is served below. */
export const LINE_LIMIT_BYTES = 64 * 1024;

/** One connection's waiting reads, in order, with the messages each completes; linked into the queue's ring. */
export class ServiceLine {
  private readonly chunks: (Buffer | null)[] = [];
  private readonly counts: number[] = [];
  private head = 0;
  /** Bytes and whole messages waiting in this line. */
  bytes = 0;
  messages = 0;
  /** Bytes of a message not yet complete, carried to the next read. */
  carry = 0;
  /** Its echoes are backed up: not served until they drain. */
  blocked = false;
  closed = false;
  linked = false;
  next: ServiceLine = this;
  prev: ServiceLine = this;

  /** `deliver` echoes a read whose messages are served. */
  constructor(readonly deliver: (chunk: Buffer) => void) {}

  /** The line holds LINE_LIMIT_BYTES or more: its connection should not be read. */
  get full(): boolean {
    return this.bytes >= LINE_LIMIT_BYTES;
  }

  get empty(): boolean {
    return this.head === this.chunks.length;
  }

  append(chunk: Buffer, messages: number): void {
    this.chunks.push(chunk);
    this.counts.push(messages);
    this.bytes += chunk.length;
    this.messages += messages;
  }

  /** One message of the first read that has any is served; returns the bytes echoed (reads now fully served). */
  serveOne(): number {
    this.counts[this.head]--;
    this.messages--;
    return this.deliverServed();
  }

  /** Echoes the reads at the front whose messages are all served; returns their bytes. */
  deliverServed(): number {
    let delivered = 0;
    while (!this.closed && this.head < this.chunks.length && this.counts[this.head] === 0) {
      const chunk = this.chunks[this.head]!;
      this.chunks[this.head++] = null;
      this.bytes -= chunk.length;
      delivered += chunk.length;
      this.deliver(chunk);
    }
    this.compact();
    return delivered;
  }

  /** Everything waiting is dropped (the connection closed). */
  clear(): void {
    this.chunks.length = 0;
    this.counts.length = 0;
    this.head = 0;
    this.bytes = 0;
    this.messages = 0;
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.counts.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.counts.splice(0, this.head);
      this.head = 0;
    }
  }
}

export class ServiceQueue {
  /** The next line to serve in the ring of lines with messages waiting (and not blocked); null: idle. */
  private cursor: ServiceLine | null = null;
  /** When the server finished its last message (ms, performance.now()); when idle, at most now. */
  private clockMs = 0;
  private readonly serviceMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** What waits in every line now (serve's stats: a bound that holds is visible). */
  queuedBytes = 0;
  queuedMessages = 0;

  constructor(
    serviceUs: number,
    readonly messageBytes: number,
  ) {
    this.serviceMs = serviceUs / 1000;
  }

  /** A connection's line; `deliver` echoes a read whose messages are served. */
  open(deliver: (chunk: Buffer) => void): ServiceLine {
    return new ServiceLine(deliver);
  }

  /** A read of `line`'s connection (its own copy): served in turn; afterwards, `line.full` says whether to read on. */
  push(line: ServiceLine, chunk: Buffer): void {
    if (line.closed) return;
    const total = line.carry + chunk.length;
    const messages = Math.floor(total / this.messageBytes);
    line.carry = total % this.messageBytes;
    if (messages === 0 && line.empty) {
      // Nothing of its connection waits before it and it completes no message: echoed now, as before the queue.
      line.deliver(chunk);
      return;
    }
    line.append(chunk, messages);
    this.queuedBytes += chunk.length;
    this.queuedMessages += messages;
    this.ready(line);
  }

  /** `line`'s echoes backed up (true) or drained (false): a blocked line is not served. */
  block(line: ServiceLine, blocked: boolean): void {
    if (line.blocked === blocked || line.closed) return;
    line.blocked = blocked;
    if (blocked) this.unlink(line);
    else this.ready(line);
  }

  /** The connection closed: what it had queued is dropped now, and costs the server no time. */
  close(line: ServiceLine): void {
    if (line.closed) return;
    this.unlink(line);
    line.closed = true;
    this.queuedBytes -= line.bytes;
    this.queuedMessages -= line.messages;
    line.clear();
  }

  /** Pending answers are dropped (the process is stopping). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.cursor) this.close(this.cursor);
  }

  private ready(line: ServiceLine): void {
    if (line.linked || line.blocked || line.closed || line.messages === 0) return;
    const now = performance.now();
    if (this.cursor === null) {
      // The server was idle: it starts on this line now.
      this.clockMs = Math.max(this.clockMs, now);
      this.cursor = line;
    } else {
      // Joins the ring just before the cursor: served after every line already waiting has had its turn.
      line.prev = this.cursor.prev;
      line.next = this.cursor;
      this.cursor.prev.next = line;
      this.cursor.prev = line;
    }
    line.linked = true;
    this.arm(now);
  }

  private unlink(line: ServiceLine): void {
    if (!line.linked) return;
    line.linked = false;
    if (line.next === line) this.cursor = null;
    else {
      line.prev.next = line.next;
      line.next.prev = line.prev;
      if (this.cursor === line) this.cursor = line.next;
    }
    line.next = line;
    line.prev = line;
  }

  private arm(now: number): void {
    if (this.timer !== null || this.cursor === null) return;
    this.timer = setTimeout(() => this.drain(), Math.max(0, this.clockMs + this.serviceMs - now));
  }

  /** Serves every message whose time has come, a message per line in turn. */
  private drain(): void {
    this.timer = null;
    const now = performance.now();
    while (this.cursor !== null && this.clockMs + this.serviceMs <= now) {
      const line = this.cursor;
      this.clockMs += this.serviceMs;
      this.queuedMessages--;
      this.queuedBytes -= line.serveOne();
      if (line.messages === 0) this.unlink(line);
      else if (line.linked && this.cursor === line) this.cursor = line.next;
    }
    this.arm(now);
  }
}

/** Whole messages in `bytes` more of a connection's stream, given what it carried over; returns [messages, carry]. */
export function countMessages(carry: number, bytes: number, messageBytes: number): [number, number] {
  const total = carry + bytes;
  return [Math.floor(total / messageBytes), total % messageBytes];
}

/** `200us`, `1.5ms`, `1s` -> µs; null when not a time. */
export function parseServiceTimeUs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/.exec(text.trim().toLowerCase());
  if (!m) return null;
  const scale = m[2] === 's' ? 1_000_000 : m[2] === 'ms' ? 1000 : 1;
  return Number(m[1]) * scale;
}
