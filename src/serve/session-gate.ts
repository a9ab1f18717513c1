/**
 * serve --max-sessions: at most N sessions served at once; connections past it are accepted but wait, unread and
 * unanswered, until a served one ends, first come first served (what a proxy's maxconn queue looks like to a
 * client: connected, and silent). libuv accepts eagerly and Node cannot pause accepting, so the wait is here, not in
 * the kernel's backlog: a waiting connection holds a file descriptor.
 */
export class SessionGate<T> {
  private serving = 0;
  private readonly waiting: T[] = [];
  private head = 0;

  constructor(
    private readonly max: number,
    private readonly serve: (item: T) => void,
  ) {}

  /** A new connection: served now if a slot is free, otherwise queued. */
  admit(item: T): void {
    if (this.serving < this.max) {
      this.serving++;
      this.serve(item);
    } else this.waiting.push(item);
  }

  /** A served session ended: the longest-waiting connection takes its slot. */
  release(): void {
    this.serving--;
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head];
      this.waiting[this.head++] = undefined as T;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        // Compacted now and then, so a long queue's consumed front does not grow without bound.
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.serving++;
      this.serve(next);
    }
  }

  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /** The connections still waiting (to close them at shutdown); the queue is left empty. */
  drain(): T[] {
    const rest = this.waiting.slice(this.head);
    this.waiting.length = 0;
    this.head = 0;
    return rest;
  }
}
