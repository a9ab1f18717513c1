/**
 * `serve --service-time`: a backend of known capacity. The process serves one message at a time, each taking the
 * service time, so it answers at most 1 / service-time messages per second however many connections ask: past that,
 * answers queue and latency grows, as an ingress's backend at its limit does. A message is --message-size bytes of
 * what a connection sent (l4stress's default --size: 64 B), counted across reads (service-line.ts).
 *
 * Bounded, as a real server's socket buffers bound it: each connection waits in its own line, and the lines are
 * served round robin, a message each turn, so a busy connection cannot starve the rest (a fresh client waits at most
 * one service time per connection with work queued). A line holding LINE_LIMIT_BYTES or more is full: its
 * connection stops reading (its socket buffers fill and the client is held back) until the line is served below
 * it. A connection whose echoes back up (a client that never reads) is `blocked`: not served until its writes drain.
 * A connection that closes drops its line at once, so a fresh client is not answered after a dead one's backlog.
 * Answers go out when due, from one timer per process: what each pass of it served is echoed at its end, a write per
 * connection (Node's timers fire to about a millisecond: latency gains up to that; the capacity does not change).
 */
import { TIME_UNITS_US, type TimeUnit } from '../core/units.js';
import { type QueueTotals, ServiceLine } from './service-line.js';

export { LINE_LIMIT_BYTES, ServiceLine } from './service-line.js';

export class ServiceQueue {
  /** The next line to serve in the ring of lines with messages waiting (and not blocked); null: idle. */
  private cursor: ServiceLine | null = null;
  /** When the server finished its last message (ms, performance.now()); when idle, at most now. */
  private clockMs = 0;
  private readonly serviceMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** Lines served in the current pass, echoed at its end (reused: no allocation per pass). */
  private readonly served: ServiceLine[] = [];
  /** What waits in every line now (serve's stats: a bound that holds is visible). */
  readonly totals: QueueTotals = { bytes: 0, messages: 0 };

  constructor(
    serviceUs: number,
    readonly messageBytes: number,
  ) {
    this.serviceMs = serviceUs / 1000;
  }

  /** A connection's line; `deliver` writes its echoes. */
  open(deliver: (chunk: Buffer) => void): ServiceLine {
    return new ServiceLine(this.totals, this.messageBytes, deliver);
  }

  /** A read of `line`'s connection (its own copy): served in turn; afterwards, `line.full` says whether to read on. */
  push(line: ServiceLine, chunk: Buffer): void {
    if (line.closed) return;
    line.append(chunk);
    // No whole message waits: what it holds of an incomplete one is echoed now, as before the queue.
    if (line.messages === 0) line.flush();
    else this.ready(line);
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
    line.drop();
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

  /** Serves every message whose time has come, a message per line in turn; then echoes what each line had served. */
  private drain(): void {
    this.timer = null;
    const now = performance.now();
    while (this.cursor !== null && this.clockMs + this.serviceMs <= now) {
      const line = this.cursor;
      this.clockMs += this.serviceMs;
      line.serveOne();
      if (!line.dirty) {
        line.dirty = true;
        this.served.push(line);
      }
      if (line.messages === 0) this.unlink(line);
      else this.cursor = line.next;
    }
    // Echoes last: a write may block or close its line, which must not happen while the ring is walked.
    for (let i = 0; i < this.served.length; i++) {
      const line = this.served[i];
      line.dirty = false;
      line.flush();
    }
    this.served.length = 0;
    this.arm(performance.now());
  }
}

/** `200us`, `1.5ms`, `1s` -> µs; null when not a time. */
export function parseServiceTimeUs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/.exec(text.trim().toLowerCase());
  return m ? Number(m[1]) * TIME_UNITS_US[m[2] as TimeUnit] : null;
}
