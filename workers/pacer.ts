/**
 * The open-loop pacer shared by echo with --rate and hold pings. The k-th send of this worker is due at
 * t0 + k / rate and belongs to connection k mod n, so every connection sends at the same pace with phases spread
 * evenly and no burst at second boundaries. A connection still waiting for an echo owes the send (its backlog) and
 * makes it the moment the echo returns, measured from when it was due (wrk2's model).
 *
 * Sends leave when they are due, to a few tens of microseconds: a clock thread (clock-thread.ts) wakes the worker
 * at each due time. `schedulerLag` records how late the worker got to the oldest due send: the generator's own
 * delay, which a corrected latency would otherwise blame on the target; `leftLate` counts the measured sends it got
 * to later than the tolerance src/worker-contract/schedule.ts sets, which is what the schedule verdict judges.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { siblingEntry } from '../src/core/modules.js';
import { lateToleranceMs } from '../src/worker-contract/schedule.js';
import type { Recorder } from './recorder.js';

/** What the pacer reads of a connection's state: a TCP echo session's, or a UDP flow's (never busy: see udp-flows). */
export interface PacedState {
  /** A message is outstanding: a send due now is owed (backlog) until its echo returns. */
  busy: boolean;
  backlog: Float64Array | null;
  backlogHead: number;
  backlogLength: number;
}

/** A connection (or UDP flow) the pacer sends on. */
export interface PacedConnection {
  closed: boolean;
  established: boolean;
  opened: boolean;
  state: PacedState;
}

/** Sends one message on `c`, due at `intendedMs`. */
export interface PacedSender<C> {
  send(c: C, intendedMs: number): void;
}

/** A send a connection owed while it waited for an echo is late when it leaves this much after its time. */
const LATE_MS = 1;
/** Intended sends a connection may owe before further ones are counted as missed. */
const BACKLOG_CAPACITY = 64;
/** Woken this close before a send is due, the worker waits for it rather than sleep a whole wake-up (ms). */
const WAIT_FOR_DUE_MS = 0.25;
/**
 * A wake-up sends what is due for at most this long, then lets the event loop run (answers, the stop, ticks): a
 * rate the worker cannot send (a UDP flow never waits, so nothing else skips) kept it in one wake-up for ever, the
 * run past --duration and deaf to Ctrl-C. What is still due stays due: sent late at the next wake-up, and counted
 * late, which the schedule verdict judges.
 */
const WAKE_BUDGET_MS = 20;
/** Sends between two looks at the clock for that budget. */
const BUDGET_CHECK_EVERY = 64;

export class Pacer<C extends PacedConnection> {
  private clock: Worker | null = null;
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private running = false;
  private fallback: NodeJS.Timeout | null = null;
  private stall: NodeJS.Timeout | null = null;

  constructor(
    private readonly ratePerSecond: number,
    private readonly connections: C[],
    private readonly exchange: PacedSender<C>,
    private readonly recorder: Recorder,
  ) {}

  start(): void {
    const t0 = performance.now();
    const perMs = this.ratePerSecond / 1000;
    const { connections, exchange, recorder, state } = this;
    const { counters } = recorder;
    const tolerance = lateToleranceMs(this.ratePerSecond, connections.length);
    let k = 0;
    // Past WAKE_BUDGET_MS the catch-up goes on from setImmediate, after the loop's messages and I/O, the clock kept
    // quiet (pending): its wake-ups, handled back to back by the port, starved the stop for a thousand wake-ups.
    let catchingUp = false;
    const resume = (): void => tick(true);
    const tick = (resumed: boolean): void => {
      if (resumed) catchingUp = false;
      else if (catchingUp) return;
      if (!resumed) Atomics.store(state, 1, 0);
      let now = performance.now();
      let oldestDue = t0 + k / perMs;
      if (oldestDue > now && oldestDue - now < WAIT_FOR_DUE_MS) {
        // The clock wakes us a little early (its sleep is coarse): wait out the last microseconds.
        while (now < oldestDue) now = performance.now();
        oldestDue = t0 + k / perMs;
      }
      if (oldestDue <= now) recorder.lag(now - oldestDue);
      // Skipped in a row: a pass with no connection able to take one skips the rest of what is due, in one step.
      // Only what an open connection could not take is missed; one never opened or dropped is counted there.
      let skipped = 0;
      let skippedFull = 0;
      const measuring = recorder.measuring;
      const wokeAt = now;
      let sinceLook = 0;
      const byDue = recorder.byDue;
      while (this.running) {
        const due = t0 + k / perMs;
        if (due > now) break;
        if (++sinceLook === BUDGET_CHECK_EVERY) {
          sinceLook = 0;
          if (performance.now() - wokeAt > WAKE_BUDGET_MS) {
            Atomics.store(state, 1, 1);
            catchingUp = true;
            setImmediate(resume);
            return;
          }
        }
        if (skipped >= connections.length) {
          const lastDue = Math.floor((now - t0) * perMs);
          // Missed and due are counted while measuring only, as pacedSends is: missed is a share of due.
          if (measuring) {
            const missed = Math.round(((lastDue - k + 1) * skippedFull) / skipped);
            counters.missed += missed;
            counters.dueSends += missed;
          }
          k = lastDue + 1;
          break;
        }
        const c = connections[k % connections.length];
        k++;
        if (!c || c.closed || !c.established || !c.opened) {
          skipped++;
          continue;
        }
        // Paced UDP: the measured sends are those due in the window, whenever this worker got to them.
        if (byDue ? recorder.dueInWindow(due) : measuring) {
          counters.pacedSends++;
          counters.dueSends++;
          if (now - due > tolerance) counters.leftLate++;
        }
        const s = c.state;
        // `late` is kept for sends a busy connection owed; the worker's own delay is in schedulerLag.
        if (!s.busy) {
          skipped = 0;
          exchange.send(c, due);
        } else if (s.backlogLength < BACKLOG_CAPACITY) {
          skipped = 0;
          // Allocated the first time a connection falls behind: most never do, and 50,000 idle rings add up.
          s.backlog ??= new Float64Array(BACKLOG_CAPACITY);
          s.backlog[(s.backlogHead + s.backlogLength) % BACKLOG_CAPACITY] = due;
          s.backlogLength++;
        } else {
          if (measuring) counters.missed++;
          skipped++;
          skippedFull++;
        }
      }
      // Caught up: the clock wakes this worker again.
      if (resumed) Atomics.store(state, 1, 0);
    };
    this.running = true;
    this.stall = startTestStall();
    Atomics.store(state, 0, 1);
    const entry = siblingEntry(import.meta.url, './clock-thread');
    this.clock = new Worker(entry.file, {
      execArgv: entry.execArgv,
      workerData: { state: state.buffer, startMs: performance.timeOrigin + t0, intervalMs: 1 / perMs },
    });
    this.clock.on('message', () => tick(false));
    this.clock.on('error', () => {
      // Without its clock the pacer still runs, on Node's millisecond timers.
      if (this.running && !this.fallback) this.fallback = setInterval(() => tick(false), 1);
    });
  }

  /** An echo came back: send what the connection owes, if anything, from when it was due. */
  owed(c: C, now: number): void {
    const s = c.state;
    if (s.backlogLength === 0) return;
    const intended = s.backlog![s.backlogHead];
    s.backlogHead = (s.backlogHead + 1) % BACKLOG_CAPACITY;
    s.backlogLength--;
    if (now - intended > LATE_MS) this.recorder.counters.late++;
    this.exchange.send(c, intended);
  }

  stop(): void {
    this.running = false;
    Atomics.store(this.state, 0, 0);
    Atomics.notify(this.state, 0);
    void this.clock?.terminate();
    this.clock = null;
    if (this.fallback) clearInterval(this.fallback);
    this.fallback = null;
    if (this.stall) clearInterval(this.stall);
    this.stall = null;
  }
}

/**
 * TEST ONLY: L4STRESS_TEST_PACER_STALL=20/100 blocks this worker 20 ms in every 100 ms while the pacer runs: a
 * generator truly overloaded, which the schedule verdict must fail every time (test/integration/verdicts.test.ts).
 */
function startTestStall(): NodeJS.Timeout | null {
  const m = /^(\d+)\/(\d+)$/.exec(process.env.L4STRESS_TEST_PACER_STALL ?? '');
  if (!m) return null;
  const [stallMs, everyMs] = [Number(m[1]), Number(m[2])];
  return setInterval(() => {
    const until = performance.now() + stallMs;
    while (performance.now() < until) {
      // blocked on purpose
    }
  }, everyMs);
}
