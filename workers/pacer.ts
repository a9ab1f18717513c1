/**
 * The open-loop pacer shared by echo with --rate and hold pings. The k-th send of this worker is due at
 * t0 + k / rate and belongs to connection k mod n, so every connection sends at the same pace with phases spread
 * evenly and no burst at second boundaries. A connection still waiting for an echo owes the send (its backlog) and
 * makes it the moment the echo returns, measured from when it was due (wrk2's model).
 */
import { performance } from 'node:perf_hooks';
import type { EchoConnection, EchoExchange } from './echo-exchange.js';
import type { Recorder } from './recorder.js';

/** A send a connection owed while it waited for an echo is late when it leaves this much after its time. */
const LATE_MS = 1;
/** Intended sends a connection may owe before further ones are counted as missed. */
const BACKLOG_CAPACITY = 64;
const TICK_MS = 1;

export class Pacer {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ratePerSecond: number,
    private readonly connections: EchoConnection[],
    private readonly exchange: EchoExchange,
    private readonly recorder: Recorder,
  ) {}

  start(): void {
    const t0 = performance.now();
    const perMs = this.ratePerSecond / 1000;
    const { connections, exchange, recorder } = this;
    const { counters } = recorder;
    let k = 0;
    let lastTick = t0;
    this.timer = setInterval(() => {
      const now = performance.now();
      recorder.lag(now - lastTick - TICK_MS);
      lastTick = now;
      while (this.timer !== null) {
        const due = t0 + k / perMs;
        if (due > now) break;
        const c = connections[k % connections.length];
        k++;
        if (!c || c.closed || !c.established || !c.opened) {
          counters.missed++;
          continue;
        }
        const s = c.state;
        // The tick's own lag is the generator's (schedulerLag); `late` is kept for sends a busy connection owed.
        if (!s.busy) exchange.send(c, due);
        else if (s.backlogLength < BACKLOG_CAPACITY) {
          // Allocated the first time a connection falls behind: most never do, and 50,000 idle rings add up.
          s.backlog ??= new Float64Array(BACKLOG_CAPACITY);
          s.backlog[(s.backlogHead + s.backlogLength) % BACKLOG_CAPACITY] = due;
          s.backlogLength++;
        } else counters.missed++;
      }
    }, TICK_MS);
  }

  /** An echo came back: send what the connection owes, if anything, from when it was due. */
  owed(c: EchoConnection, now: number): void {
    const s = c.state;
    if (s.backlogLength === 0) return;
    const intended = s.backlog![s.backlogHead];
    s.backlogHead = (s.backlogHead + 1) % BACKLOG_CAPACITY;
    s.backlogLength--;
    if (now - intended > LATE_MS) this.recorder.counters.late++;
    this.exchange.send(c, intended);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
