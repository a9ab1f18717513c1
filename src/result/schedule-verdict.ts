/**
 * Was an open-loop run's schedule kept? If not, its corrected latency measures the generator, not the target, and
 * the run must fail with a message that says so and names the fix. Two ways to fall behind:
 * - the connections cannot carry the rate: each is asked for more sends per second than one round trip allows,
 *   so sends pile up and are missed (a setup problem: more connections or a lower rate);
 * - the generator itself is late: its pacer reached due sends late (lag) or skipped them (CPU-bound: fewer
 *   connections per worker, more workers or processes, a lower rate).
 * Sends late only because their connection still waited for an echo are the target's doing (wrk2's model) and are
 * reported, not failed: the corrected latency shows them.
 */
import { formatMicros } from '../core/units.js';

/** A pacer lag p99 above this (µs) means the generator could not keep its own schedule. */
export const GENERATOR_LAG_P99_US = 5000;
/** More missed sends than this share of the intended ones and the schedule was not kept. */
export const MISSED_SHARE = 0.01;
/** Late sends above this share of round trips are worth a note (the target fell behind). */
const LATE_NOTE_SHARE = 0.1;

export interface ScheduleInputs {
  intendedPerSecond: number;
  conns: number;
  /** How long the pacer ran (warm-up and measured phase), ms. */
  pacedMs: number;
  missed: number;
  late: number;
  roundTrips: number;
  lagP99Us: number | null;
  serviceP50Us: number | null;
}

export interface ScheduleVerdict {
  /** The schedule was not kept: the run fails. */
  behind: boolean;
  /** What to tell the user (a failure, or a note about the target), or null. */
  message: string | null;
}

export function scheduleVerdict(i: ScheduleInputs): ScheduleVerdict {
  const intended = Math.round((i.intendedPerSecond * i.pacedMs) / 1000);
  const lagBehind = (i.lagP99Us ?? 0) > GENERATOR_LAG_P99_US;
  const missedBehind = intended > 0 && i.missed > MISSED_SHARE * intended;
  if (lagBehind || missedBehind) {
    const perConnection = i.intendedPerSecond / Math.max(1, i.conns);
    const perConnectionMax = i.serviceP50Us ? 1e6 / i.serviceP50Us : null;
    const head =
      `the generator could not keep the schedule (${fmt(i.missed)} of ${fmt(intended)} sends missed, ` +
      `pacer lag p99 ${formatMicros(i.lagP99Us ?? Number.NaN)}): the latency measures the generator, not the ` +
      'target; ';
    if (perConnectionMax !== null && perConnection > 0.9 * perConnectionMax) {
      const needed = Math.ceil((i.intendedPerSecond / perConnectionMax) * 1.5);
      return {
        behind: true,
        message:
          head +
          `each of the ${fmt(i.conns)} connections is asked for ${fmt(perConnection)} sends/s but one round trip ` +
          `takes ${formatMicros(i.serviceP50Us ?? Number.NaN)} ` +
          `(at most ${fmt(perConnectionMax)}/s on one connection): ` +
          `use more connections (--conns ${fmt(needed)} or more) or a lower --rate`,
      };
    }
    return {
      behind: true,
      message: `${head}give each worker fewer connections (more --workers or --processes) or lower --rate`,
    };
  }
  if (i.roundTrips > 0 && i.late > LATE_NOTE_SHARE * i.roundTrips) {
    return {
      behind: false,
      message:
        `${fmt(i.late)} sends went out more than 1 ms late because their connection was still waiting for an ` +
        'echo: the target (not the generator) fell behind the schedule',
    };
  }
  return { behind: false, message: null };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
