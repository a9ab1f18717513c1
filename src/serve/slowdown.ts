/**
 * TEST ONLY: L4STRESS_TEST_TARGET_SLOWDOWN=2 makes every echo cost the target twice its own time (it spins as long
 * again as the echo took): a real regression of known size, to prove the gate catches one (scripts/gate-proof.sh).
 */
import { performance } from 'node:perf_hooks';

export const SLOWDOWN = Number(process.env.L4STRESS_TEST_TARGET_SLOWDOWN ?? 1) || 1;

/** After an echo that started at `startMs`: burn (SLOWDOWN - 1) times as long again. */
export function slowDown(startMs: number): void {
  const until = performance.now() + (performance.now() - startMs) * (SLOWDOWN - 1);
  while (performance.now() < until) {
    // the time is burnt on purpose
  }
}
