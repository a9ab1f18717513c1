/**
 * When a paced send counts as sent late by the generator, and when that many late sends mean the schedule was not
 * kept. One rule for the pacer (which counts) and the result (which judges), right by design rather than by a
 * constant: a lag matters in proportion to the pace it disturbs. A ping due once a second that leaves 30 ms late
 * changes nothing a hold run measures; a send due every 4 ms that leaves 20 ms late is five sends behind.
 *
 * - A send left late when the worker got to it more than LATE_SHARE_OF_INTERVAL of its connection's send interval
 *   after it was due (never less than LATE_FLOOR_MS: below that it is timer and scheduling grain).
 * - The schedule was not kept when more than BEHIND_SHARE of the measured sends left late, and at least
 *   BEHIND_MIN_SENDS of them did: with ~150 sends a "p99" is the second-worst sample, so one GC pause or one
 *   scheduler hiccup must not fail a run; a stall that recurs (20 ms in every 100 ms, at a 4 ms tolerance) leaves
 *   16% of the sends late and fails every time. Measured beside a busy core: 0 of 50 hold and 0 of 50 --rate 500
 *   runs failed (late share at most 3.3%), 10 of 10 stalled runs did (16%); scripts/schedule-proof.sh.
 */

export const LATE_SHARE_OF_INTERVAL = 0.1;
export const LATE_FLOOR_MS = 1;
export const BEHIND_SHARE = 0.1;
export const BEHIND_MIN_SENDS = 20;

/** How late (ms) a send may leave before it counts as left late, for `ratePerSecond` spread over `conns`. */
export function lateToleranceMs(ratePerSecond: number, conns: number): number {
  if (ratePerSecond <= 0) return LATE_FLOOR_MS;
  const intervalMs = (Math.max(1, conns) * 1000) / ratePerSecond;
  return Math.max(LATE_FLOOR_MS, LATE_SHARE_OF_INTERVAL * intervalMs);
}

/** Did the generator fall behind its own schedule? `leftLate` of `paced` measured sends left late. */
export function generatorFellBehind(leftLate: number, paced: number): boolean {
  return leftLate >= BEHIND_MIN_SENDS && leftLate > BEHIND_SHARE * paced;
}
