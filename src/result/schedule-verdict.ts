/**
 * Was an open-loop run's schedule kept? If not, its corrected latency measures something other than the target's
 * answer to the intended load, and the run fails with a message that names the side at fault and the fix:
 * - the generator itself was late: more than a small share of the measured sends left later than the tolerance
 *   (worker-contract/schedule.ts: a share of each connection's send interval, so a ping due once a second is not
 *   failed for a 30 ms pause). Fix: fewer connections per worker, more workers or processes, a lower rate;
 * - the connections cannot carry the rate: each is asked for more sends per second than one round trip allows,
 *   so open connections owe 64 sends and further ones are missed (more connections or a lower rate);
 * - open connections owed 64 sends because the target stopped answering in time: the target's doing.
 * Sends owed by sessions that never opened or were dropped are not misses: the connection counts say those.
 * Sends late only because their connection still waited for an echo are the target's doing (wrk2's model) and are
 * reported, not failed: the corrected latency shows them.
 * A UDP flow (open-loop echo, stream, hold) never waits for an answer before its next send: no round trip bounds
 * its rate, so the advice for more connections does not apply; a late generator is given more threads or a lower rate.
 */
import { formatMicros } from '../core/units.js';
import { generatorFellBehind } from '../worker-contract/schedule.js';

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
  /** Measured sends the pacer got to, and those it got to later than toleranceMs. */
  pacedSends: number;
  leftLate: number;
  toleranceMs: number;
  /**
   * Measured sends that came due to open connections (the pacer's own count, like `missed`): what missed is a share
   * of. Without it (older callers), the rate times pacedMs, which ran longer than the pacer counted and so could
   * read "2,112,809 of 2,064,000 sends were missed".
   */
  dueSends?: number;
  /** UDP flows (--udp): no send waits for an answer, so a round trip never limits a flow's rate. */
  udp?: boolean;
}

export interface ScheduleVerdict {
  /** The schedule was not kept: the run fails. */
  behind: boolean;
  /** ... and the generator's own lag is why. */
  generatorBehind: boolean;
  /** What to tell the user (a failure, or a note about the target), or null. */
  message: string | null;
}

export function scheduleVerdict(i: ScheduleInputs): ScheduleVerdict {
  const intended = i.dueSends ?? Math.round((i.intendedPerSecond * i.pacedMs) / 1000);
  const overConnections = i.udp ? null : tooFastPerConnection(i);
  const fewer = i.udp
    ? 'spread the flows over more --workers or --processes, or lower --rate (a UDP flow does not wait for its ' +
      'answers: more --conns spreads the same rate, it does not lighten the generator)'
    : 'give each worker fewer connections (more --workers or --processes) or lower --rate';
  if (generatorFellBehind(i.leftLate, i.pacedSends)) {
    return {
      behind: true,
      generatorBehind: true,
      message:
        `the generator could not keep the schedule: ${fmt(i.leftLate)} of ${fmt(i.pacedSends)} measured sends ` +
        `left more than ${fmtMs(i.toleranceMs)} late (pacer lag p99 ${formatMicros(i.lagP99Us ?? Number.NaN)}): ` +
        'the latency measures the generator, not the target; ' +
        (overConnections ?? fewer),
    };
  }
  if (intended > 0 && i.missed > MISSED_SHARE * intended) {
    const head =
      `${fmt(i.missed)} of ${fmt(intended)} ${i.dueSends === undefined ? '' : 'measured '}sends were missed: open ` +
      'connections already owed 64 each; ';
    if (overConnections) return { behind: true, generatorBehind: false, message: head + overConnections };
    return {
      behind: true,
      generatorBehind: false,
      message: `${head}the target did not answer in time (the generator kept its schedule)`,
    };
  }
  if (i.roundTrips > 0 && i.late > LATE_NOTE_SHARE * i.roundTrips) {
    return {
      behind: false,
      generatorBehind: false,
      message:
        `${fmt(i.late)} sends went out more than 1 ms late because their connection was still waiting for an ` +
        'echo: the target (not the generator) fell behind the schedule',
    };
  }
  return { behind: false, generatorBehind: false, message: null };
}

/** The fix when each connection is asked for more sends per second than one round trip allows, else null. */
function tooFastPerConnection(i: ScheduleInputs): string | null {
  const perConnection = i.intendedPerSecond / Math.max(1, i.conns);
  const perConnectionMax = i.serviceP50Us ? 1e6 / i.serviceP50Us : null;
  if (perConnectionMax === null || perConnection <= 0.9 * perConnectionMax) return null;
  const needed = Math.ceil((i.intendedPerSecond / perConnectionMax) * 1.5);
  return (
    `each of the ${fmt(i.conns)} connections is asked for ${fmt(perConnection)} sends/s but one round trip ` +
    `takes ${formatMicros(i.serviceP50Us ?? Number.NaN)} (at most ${fmt(perConnectionMax)}/s on one connection): ` +
    `use more connections (--conns ${fmt(needed)} or more) or a lower --rate`
  );
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (ms: number): string => (ms >= 10 ? `${Math.round(ms)} ms` : `${Math.round(ms * 10) / 10} ms`);
