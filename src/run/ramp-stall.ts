/**
 * A default ramp ends when it stops moving, not at a fixed time: a ramp of 100,000 sessions at 3,000/s takes 33 s
 * and must not be cut at 30, while a target that stopped answering should not hold a run for the hard cap.
 */
import type { LoadCounters } from '../instruments/counters.js';
import { totalErrors } from '../instruments/errors.js';

/** What counts as the ramp moving: a connect attempted, established or failed, or a first echo back. */
export function rampProgress(c: LoadCounters): number {
  return c.attempted + c.established + totalErrors(c.connectFailed) + c.messagesReceived;
}

/**
 * Ends a default ramp that stopped moving: resolves `stalled` once the progress figure stayed the same for
 * `stallMs`. A ramp still moving, however slowly, runs on (to the hard --ramp-timeout cap).
 */
export class StallWatch {
  fired = false;
  readonly stalled: Promise<void>;
  private resolve: () => void = () => {};
  private last = -1;

  constructor(
    private readonly stallMs: number | null,
    private lastMoveAt: number,
  ) {
    this.stalled = new Promise((r) => {
      this.resolve = r;
    });
  }

  observe(now: number, progress: number): void {
    if (this.stallMs === null || this.fired) return;
    if (progress !== this.last) {
      this.last = progress;
      this.lastMoveAt = now;
    } else if (now - this.lastMoveAt >= this.stallMs) {
      this.fired = true;
      this.resolve();
    }
  }
}
