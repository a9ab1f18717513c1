/**
 * Was churn's --connect-rate kept? The asked rate is a schedule like --rate's: if the connections/s achieved in the
 * measured phase fall short of it, the figure is a ceiling of something, and the result must say of what, or a
 * generator's ceiling passes for the ingress's capacity (6,699 conn/s reached of 20,000 asked once exited 0, mute).
 * - --max-connecting connects were in flight when the next was due: the target (or the path to it) accepts slower
 *   than asked. That is a finding about the target: reported, not failed (judge it with a cps threshold).
 * - all --conns cycle slots were busy while the kernel saw the target's accept queue overflow (ListenOverflows, SYN
 *   retransmits): cycles were long because connects waited on the target: the target's limit, never "raise --conns"
 *   (more slots would only queue more SYNs).
 * - all --conns cycle slots were busy otherwise: too few slots for the rate at this cycle time; a setup problem,
 *   failed, with the --conns that would carry it.
 * - neither held a connect back: the generator did not get to them (its CPU); failed, naming the fix.
 */
import type { RunConfig } from '../config/run-config.js';
import type { LoadCounters } from '../instruments/counters.js';

/** Below this share of the asked rate, the schedule was not kept. */
export const CONNECT_RATE_KEPT = 0.9;

export interface ConnectVerdict {
  behind: boolean;
  /** Who set the limit: the run fails unless it was the target. */
  limit: 'target' | 'setup' | 'generator' | null;
  message: string | null;
}

export function connectVerdict(
  config: Pick<RunConfig, 'mode' | 'connectRate' | 'conns' | 'maxConnecting'>,
  totals: Pick<LoadCounters, 'connectHeldInFlight' | 'connectHeldByConns' | 'attempted' | 'connectFailed'>,
  cyclesPerSecond: number,
  connectP50Us: number | null,
  acceptQueue: { listenOverflows: number; synRetrans: number } | null = null,
): ConnectVerdict {
  const asked = config.connectRate;
  if (config.mode !== 'connect' || asked <= 0 || cyclesPerSecond >= CONNECT_RATE_KEPT * asked)
    return { behind: false, limit: null, message: null };
  const head = `churn reached ${fmt(cyclesPerSecond)} connections/s of the ${fmt(asked)}/s asked (--connect-rate): `;
  // Connects the target refused or never answered: never a question of slots or of the generator's speed.
  const refused = targetRefusals(totals.connectFailed, totals.attempted, acceptQueue?.synRetrans ?? 0);
  if (refused) return { behind: false, limit: 'target', message: `${head}${refused}, not a connection rate` };
  const inFlight = totals.connectHeldInFlight;
  const slots = totals.connectHeldByConns;
  if (inFlight > 0 && inFlight >= slots)
    return {
      behind: false,
      limit: 'target',
      message:
        head +
        `the target's limit: the next connect waited behind ${fmt(config.maxConnecting)} connects in flight ` +
        `(connect p50 ${connectP50Us === null ? '-' : `${fmt(connectP50Us / 1000)} ms`}); it accepts no faster`,
    };
  // The counters are the namespace's: a lone retransmit elsewhere is no evidence; 1% of the connects attempted is.
  const queueEvidence = acceptQueue ? acceptQueue.listenOverflows + acceptQueue.synRetrans : 0;
  if (acceptQueue && slots > 0 && queueEvidence > 0 && queueEvidence >= ACCEPT_QUEUE_SHARE * totals.attempted)
    return {
      behind: false,
      limit: 'target',
      message:
        head +
        `the target's limit: its accept queue overflowed (${fmt(acceptQueue.listenOverflows)} ListenOverflows, ` +
        `${fmt(acceptQueue.synRetrans)} SYN retransmits), so connects waited on it and every cycle slot was busy; ` +
        "raise the target's listen backlog or net.core.somaxconn, or let it accept faster",
    };
  if (slots > 0) {
    const cycleS = config.conns / Math.max(1, cyclesPerSecond);
    return {
      behind: true,
      limit: 'setup',
      message:
        head +
        `all ${fmt(config.conns)} cycle slots were busy (a cycle takes ~${fmt(cycleS * 1000)} ms): ` +
        `raise --conns to ${fmt(Math.ceil(asked * cycleS * 1.5))} or more, or lower --connect-rate`,
    };
  }
  return {
    behind: true,
    limit: 'generator',
    message:
      head +
      "the generator's limit (nothing held a connect back, it did not get to them): the figure is not the " +
      "target's capacity; add --processes or shards, or lower --connect-rate",
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Accept-queue overflows and SYN retransmits past this share of the connects attempted name the target's queue. */
export const ACCEPT_QUEUE_SHARE = 0.01;

/** Past this share of the connects attempted, refusals are the story, whatever else happened. */
export const REFUSED_SHARE = 0.5;

/**
 * Most connects refused (ECONNREFUSED, ECONNRESET, unreachable): the target's answer, or the path's, in words with
 * the counts; null otherwise. A connect that timed out is the target's only when the kernel retransmitted SYNs (they
 * went unanswered); without that, a starved machine failed it (result/warnings.ts connectTimeoutWarnings).
 */
export function targetRefusals(
  failed: LoadCounters['connectFailed'],
  attempted: number,
  synRetrans: number,
): string | null {
  const kinds = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', ...(synRetrans > 0 ? ['ETIMEDOUT'] : [])];
  const counted = kinds.filter((k) => (failed[k as keyof typeof failed] ?? 0) > 0);
  const refused = counted.reduce((n, k) => n + (failed[k as keyof typeof failed] ?? 0), 0);
  if (refused === 0 || refused < REFUSED_SHARE * attempted) return null;
  const each = counted.map((k) => `${k} ${fmt(failed[k as keyof typeof failed] ?? 0)}`).join(', ');
  return (
    `the target refused or did not answer ${fmt(refused)} of ${fmt(attempted)} connects (${each}): ` +
    'unreachable or refusing'
  );
}
