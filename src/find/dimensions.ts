/**
 * What each `--vary` dimension grows, in which load mode, and how a probe's result says whether the load asked was
 * carried. One row per dimension: the config, the search, the verdict and the reports all read this table.
 */

import { formatCount } from '../core/units.js';
import type { FindDimension, LoadMode } from '../core/vocabulary.js';
import type { RunResult } from '../documents/result.js';
import type { RunOptionKey } from '../options/run-options.js';

export interface DimensionDef {
  /** The unit of a load, as printed. */
  unit: string;
  /** The run option a probe sets to its load. */
  option: Extract<RunOptionKey, 'rate' | 'conns' | 'connectRate'>;
  /** Load modes a probe may run in; the first is the default. */
  modes: readonly LoadMode[];
  /** The first load when --from is not given. */
  defaultFrom: number;
  /** A probe carried its load when what it achieved is at least this share of what it asked. */
  carriedShare: number;
  /** What the probe achieved, in the dimension's unit (null: nothing measured). */
  achieved(r: RunResult): number | null;
  /** When the generator gives out first: what to change so it does not. */
  generatorFix: string;
  /** Set on the UDP rows (`--udp`): its probes send datagrams. Absent: TCP. */
  transport?: 'udp';
  /** What a load not carried was short of, in words after "N of M asked" (absent: nothing more to say). */
  shortfall?(r: RunResult): string;
}

export const DIMENSIONS: Record<FindDimension, DimensionDef> = {
  rate: {
    unit: 'messages/s',
    option: 'rate',
    modes: ['echo'],
    defaultFrom: 1000,
    carriedShare: 0.97,
    achieved: (r) => r.throughput.roundTripsPerSecond,
    generatorFix: 'more generator threads or processes (--workers, --processes), or shards on other machines',
  },
  conns: {
    unit: 'sessions',
    option: 'conns',
    modes: ['hold', 'echo'],
    defaultFrom: 100,
    // Every session must open end to end: one stuck in a backlog is a session the ingress did not carry.
    carriedShare: 1,
    achieved: (r) => r.totals.opened,
    generatorFix:
      'more source addresses (--source-ips) for ephemeral ports, more generator processes (--processes) for file ' +
      'descriptors, or shards on other machines',
  },
  cps: {
    unit: 'connections/s',
    option: 'connectRate',
    modes: ['connect'],
    defaultFrom: 500,
    carriedShare: 0.97,
    achieved: (r) => r.modeStats.churn?.cyclesPerSecond ?? null,
    generatorFix:
      'more generator threads or processes (--workers, --processes), more source addresses (--source-ips) for ' +
      'ephemeral ports, or shards on other machines',
  },
  'tls-handshakes': {
    unit: 'handshakes/s',
    option: 'connectRate',
    modes: ['connect'],
    defaultFrom: 100,
    carriedShare: 0.97,
    achieved: (r) => r.tls?.fullPerSecond ?? null,
    generatorFix: 'more generator threads or processes (--workers, --processes), or shards on other machines',
  },
};

/** The fix when a UDP probe's generator (or its host's socket buffers) gave out first. */
const UDP_GENERATOR_FIX =
  "room in this host's socket buffers (net.core.rmem_max, net.core.wmem_max), more generator threads or processes " +
  '(--workers, --processes), or shards on other machines';

/**
 * The dimensions that mean something over UDP (`--udp`): a datagram rate within a loss and latency SLO, and flows
 * held. A UDP flow has no connect: cps and tls-handshakes have no UDP row, and find refuses them with --udp.
 */
export const UDP_DIMENSIONS: Partial<Record<FindDimension, DimensionDef>> = {
  // Datagrams answered per second over the window: a lost one is a round trip that never was.
  rate: {
    ...DIMENSIONS.rate,
    unit: 'datagrams/s',
    achieved: (r) => r.datagrams?.measured.receivedPerSecond ?? r.throughput.roundTripsPerSecond,
    generatorFix: UDP_GENERATOR_FIX,
    transport: 'udp',
    // Over the window, as the probe's loss is judged (find/probe-verdict.ts probeMetrics).
    shortfall: (r) => {
      const m = r.datagrams?.measured;
      if (!m) return '';
      return ` (${formatCount(Math.max(0, m.sent - m.received))} of ${formatCount(m.sent)} datagrams lost)`;
    },
  },
  // Flows held: answered, and not silent at the end (an ingress that evicted a flow's session stops answering it).
  conns: {
    ...DIMENSIONS.conns,
    unit: 'flows',
    achieved: (r) => {
      const f = udpFlows(r);
      return Math.max(0, f.answered - f.silent);
    },
    generatorFix: `more source addresses (--source-ips) for source ports, ${UDP_GENERATOR_FIX}`,
    transport: 'udp',
    shortfall: (r) => {
      const f = udpFlows(r);
      return ` (${formatCount(f.neverAnswered)} never answered, ${formatCount(f.silent)} went silent)`;
    },
  },
};

/** A UDP run's flows: the datagrams section's, or (a result without it) the load counters'. */
function udpFlows(r: RunResult): { answered: number; neverAnswered: number; silent: number } {
  if (r.datagrams) return r.datagrams.flows;
  const answered = r.totals.opened;
  return { answered, neverAnswered: r.connections.target - answered, silent: r.totals.silentFlows };
}
