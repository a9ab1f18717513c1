/**
 * Before any socket opens: the local ports the run needs are free (port-space.ts counts them), or they will be once
 * TIME_WAIT clears, or the run does not start. A shortage of TIME_WAIT alone that clears within MAX_WAIT_S is waited
 * out, said on stderr with its figures; one held by live sockets, or not clearing in time, is refused (exit 3) with
 * the figures and the fixes. Without this, a run on a port space full of an earlier run's TIME_WAIT started anyway
 * and failed hundreds of binds with EADDRINUSE half-way through its ramp.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CouldNotRunError } from '../core/errors.js';
import { formatCount } from '../core/units.js';
import {
  type PortDemand,
  type PortShortage,
  portShortages,
  readSocketCount,
  readTcpSockets,
  type TcpSocketLine,
} from './port-space.js';

/** TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN): any shortage of TIME_WAIT alone clears within it, plus a margin. */
export const MAX_WAIT_S = 65;

export interface PortWaitOptions {
  log: (line: string) => void;
  signal?: AbortSignal;
  /** The sockets of this namespace (tests give their own). */
  read?: () => TcpSocketLine[];
  maxWaitS?: number;
}

/** The run's demand on the port space, from its settings and this namespace's sysctls. */
export function portDemand(
  conns: number,
  range: [number, number],
  sourceIps: string[],
  targets: { host: string; port: number }[],
  unknownTargets = 0,
): PortDemand {
  const sysctl = (name: string, fallback: number): number => {
    try {
      return Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim());
    } catch {
      return fallback;
    }
  };
  return {
    conns,
    range,
    sourceIps,
    destinations: targets.filter((t) => isIP(t.host) !== 0),
    unknownDestinations: unknownTargets,
    twReuse: sysctl('tcp_tw_reuse', 2),
    timestamps: sysctl('tcp_timestamps', 1) !== 0,
  };
}

/** Resolves once the run fits the port space; throws CouldNotRunError (exit 3) when it cannot, or will not in time. */
export async function ensurePortSpace(demand: PortDemand, options: PortWaitOptions): Promise<void> {
  const read = options.read ?? readTcpSockets;
  if (!options.read && fitsWhatever(demand, readSocketCount())) return;
  const deadline = Date.now() + (options.maxWaitS ?? MAX_WAIT_S) * 1000;
  for (;;) {
    const shortages = portShortages(read(), demand);
    if (shortages.length === 0) return;
    const leftS = (deadline - Date.now()) / 1000;
    const stuck = shortages.find((s) => s.clearsInS === null || s.clearsInS > leftS);
    if (stuck) throw refusal(stuck, demand);
    for (const s of shortages)
      options.log(
        `l4stress: waiting ${s.clearsInS} s for ${formatCount(s.need - s.free)} TIME_WAIT ` +
          `port${s.need - s.free === 1 ? '' : 's'} on ${s.where} to ` +
          `clear (${formatCount(s.need)} sessions there, ${formatCount(s.free)} of ` +
          `${formatCount(demand.range[1] - demand.range[0] + 1)} ports free)`,
      );
    const waitS = Math.max(...shortages.map((s) => s.clearsInS!)) + 0.5;
    try {
      await sleep(waitS * 1000, undefined, { signal: options.signal });
    } catch {
      throw new CouldNotRunError('interrupted while waiting for TIME_WAIT ports to clear: no load was applied');
    }
  }
}

/** Room for the busiest address or destination even if every socket of the namespace held one of its ports. */
function fitsWhatever(d: PortDemand, sockets: number | null): boolean {
  const ways = Math.max(1, d.sourceIps.length || d.destinations.length || d.unknownDestinations);
  return sockets !== null && Math.ceil(d.conns / ways) + sockets <= d.range[1] - d.range[0] + 1;
}

function refusal(s: PortShortage, d: PortDemand): CouldNotRunError {
  const size = d.range[1] - d.range[0] + 1;
  const held =
    `${formatCount(size - s.free)} held: ${formatCount(s.timeWait)} in TIME_WAIT` +
    `${s.clearsInS !== null ? `, clearing in ${s.clearsInS} s` : ''}, ${formatCount(s.live)} by live sockets`;
  const on = s.bound
    ? `on source address ${s.where} (a bound address takes a port whatever the destination)`
    : `toward ${s.where}`;
  const holders = s.bound
    ? `ss -tan src ${s.where}`
    : s.where.includes(':')
      ? `ss -tan dst ${s.where}`
      : 'ss -ltn: listeners in the range';
  const waitFix = s.clearsInS !== null ? `, or wait ${s.clearsInS} s` : s.timeWait > 0 ? ', or wait 60 s' : '';
  return new CouldNotRunError(
    `--conns ${formatCount(d.conns)} needs ${formatCount(s.need)} local ports ${on}, but only ${formatCount(s.free)} ` +
      `of the ${formatCount(size)} in ip_local_port_range ${d.range.join('-')} are free (${held})`,
    `add more --source-ips (each fresh address brings up to ${formatCount(size)} ports), use --close rst for churn ` +
      `(no TIME_WAIT), close what holds them (${holders})${waitFix}`,
  );
}
