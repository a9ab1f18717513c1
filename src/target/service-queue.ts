/**
 * `serve --service-time`: a backend of known capacity. Every message this process receives is served in turn, each
 * taking the service time, so the process answers at most 1 / service-time messages per second however many
 * connections ask: past that, answers queue and latency grows, as an ingress's backend at its limit does. A message
 * is --message-size bytes of what a connection sent (l4stress's default --size: 64 B); what a read holds is counted
 * in whole messages, the rest carried to the connection's next read. Answers go out when due, from one timer per
 * process (Node's timers fire to about a millisecond: latency gains up to that; the capacity does not change).
 */

interface Queued {
  dueMs: number;
  deliver: () => void;
}

export class ServiceQueue {
  private readonly queue: Queued[] = [];
  private head = 0;
  private busyUntilMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly serviceUs: number,
    readonly messageBytes: number,
  ) {}

  /** `messages` more to serve; `deliver` runs when the last of them is done. */
  enqueue(messages: number, deliver: () => void): void {
    const now = performance.now();
    this.busyUntilMs = Math.max(now, this.busyUntilMs) + (messages * this.serviceUs) / 1000;
    this.queue.push({ dueMs: this.busyUntilMs, deliver });
    this.arm(now);
  }

  /**
   * `bytes` more of a connection's stream, `carry` bytes of an incomplete message before them: their answer goes out
   * when their whole messages are served (in order with everything queued before). Returns the new carry.
   */
  serve(carry: number, bytes: number, deliver: () => void): number {
    const [messages, rest] = countMessages(carry, bytes, this.messageBytes);
    this.enqueue(messages, deliver);
    return rest;
  }

  /** Pending answers are dropped (the process is stopping). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.head = 0;
  }

  private arm(now: number): void {
    if (this.timer !== null || this.head >= this.queue.length) return;
    this.timer = setTimeout(() => this.drain(), Math.max(0, this.queue[this.head].dueMs - now));
  }

  private drain(): void {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.queue.length && this.queue[this.head].dueMs <= now) this.queue[this.head++].deliver();
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
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
