/**
 * The one place that decides how a run's work splits across generator processes and their worker threads. Totals
 * (connections, connect rate, in-flight connects, the paced rate) are divided, the remainder spread over the first
 * shares, rates in proportion to connections; everything else (message size, mode, proxy, timeouts) applies to
 * every connection as given. Workers that would get no connection are not started. Connection ids and worker
 * indexes are global, so address pools and target choice do not depend on how the work was split.
 */
import type { TlsClientConfig } from '../documents/result.js';
import type { ProxyHeaderPlan } from '../proxy/header.js';
import {
  type CloseStyle,
  type LoadMode,
  type ModeTraits,
  modeTraits,
  type StreamDirection,
  type Transport,
} from './traits.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** Settings every connection uses as given, whatever the split. */
interface PerConnection {
  /** tcp sessions, or udp flows (workers/udp-flows.ts). */
  transport: Transport;
  mode: LoadMode;
  direction: StreamDirection;
  closeStyle: CloseStyle;
  churnEcho: boolean;
  /** Reopen sessions the target dropped (long-lived modes), with backoff. */
  reconnect: boolean;
  echoTimeoutMs: number;
  /** At the stop: how long to wait for what is in flight before closing. */
  drainTimeoutMs: number;
  /** Connection id -> sourceIps[id % length] as the bound local address; empty = the kernel picks. */
  sourceIps: string[];
  proxy: ProxyHeaderPlan;
  sizeBytes: number;
  connectTimeoutMs: number;
}

/** TLS as a worker runs it: the run's TLS settings with the CA certificate itself (PEM), read once. */
export type TlsPlan = TlsClientConfig & { ca: string | null };

/** What the split needs of the run: the totals to divide, and the per-connection settings to pass on. */
export interface ShardInput extends PerConnection {
  conns: number;
  connectRate: number;
  maxConnecting: number;
  seed: number;
  ratePerSecond: number;
  pingIntervalMs: number;
  verifyProxy?: unknown;
  tls: TlsClientConfig | null;
  /** The PEM to verify the target with (from --tls-ca, or the embedded target's own certificate). */
  tlsCaPem?: string | null;
  /** --shard: which share of the whole run this machine carries. */
  shard?: { index: number; count: number } | null;
}

export interface WorkerPlan extends PerConnection {
  /** Global worker index across every process. */
  index: number;
  /** This worker's connections, numbered globally from connIdOffset. */
  conns: number;
  connIdOffset: number;
  /** This worker's share of the connect rate (per second; 0 = unlimited). */
  connectRate: number;
  /** This worker's share of in-flight connects (at least 1). */
  maxConnecting: number;
  /** Connection id -> targets[id % targets.length] (several embedded target processes). */
  targets: Endpoint[];
  /** The mode's traits, worked out once for the run (intendedPerSecond is the run's total). */
  traits: ModeTraits;
  /** This worker's share of the paced rate (open-loop echo, hold pings); 0 = closed loop. */
  ratePerSecond: number;
  /** Churn: ids are index + k * idStride, unique across all workers of the run. */
  idStride: number;
  /** Return every claimed source address in the report (for --verify-proxy). */
  collectSources: boolean;
  /** The run's seed: payload bytes and address assignment depend on it and the global connection id only. */
  runSeed: number;
  tls: TlsPlan | null;
  /** --shard I/N: connection ids on the wire are local × N + I, so shards never share an id or a pool address. */
  shardIndex: number;
  shardCount: number;
}

/** The id a connection has on the wire (address pools, target choice): unique across shards. */
export function wireId(plan: Pick<WorkerPlan, 'shardIndex' | 'shardCount'>, localId: number): number {
  return localId * plan.shardCount + plan.shardIndex;
}

/** Splits `total` into `parts` whole shares differing by at most one, larger shares first. */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Plans for `workers` threads in each of `processes` processes, grouped by process. Connections split over
 * processes first, then each process's share over its workers; in-flight connects split the same way (at least one
 * per worker).
 */
export function shardByProcess(
  config: ShardInput,
  targets: Endpoint[],
  workers: number,
  processes = 1,
): WorkerPlan[][] {
  const shares = splitEvenly(config.conns, Math.max(1, Math.min(processes, config.conns))).filter((n) => n > 0);
  const workerCounts = shares.map((share) => Math.max(1, Math.min(workers, share)));
  const totalWorkers = workerCounts.reduce((a, b) => a + b, 0);
  const connecting = splitEvenly(Math.max(config.maxConnecting, totalWorkers), totalWorkers);
  const traits = modeTraits(config);
  const totalRate = traits.intendedPerSecond;
  let id = 0;
  let index = 0;
  return shares.map((share, p) =>
    splitEvenly(share, workerCounts[p]).map((n) => {
      const plan: WorkerPlan = {
        index,
        idStride: totalWorkers,
        conns: n,
        connIdOffset: id,
        // Rates follow the connection share, so every worker finishes its ramp at the same moment.
        connectRate: config.connectRate > 0 ? (config.connectRate * n) / config.conns : 0,
        maxConnecting: connecting[index],
        targets,
        transport: config.transport,
        mode: config.mode,
        traits,
        ratePerSecond: totalRate > 0 ? (totalRate * n) / config.conns : 0,
        direction: config.direction,
        closeStyle: config.closeStyle,
        churnEcho: config.churnEcho,
        reconnect: config.reconnect,
        echoTimeoutMs: config.echoTimeoutMs,
        drainTimeoutMs: config.drainTimeoutMs,
        sourceIps: config.sourceIps,
        proxy: config.proxy,
        collectSources: config.verifyProxy !== undefined && config.verifyProxy !== null,
        sizeBytes: config.sizeBytes,
        connectTimeoutMs: config.connectTimeoutMs,
        runSeed: config.seed,
        tls: config.tls ? { ...config.tls, ca: config.tlsCaPem ?? null } : null,
        shardIndex: config.shard?.index ?? 0,
        shardCount: config.shard?.count ?? 1,
      };
      id += n;
      index++;
      return plan;
    }),
  );
}

/** Plans for `workers` threads of one process. */
export function shard(config: ShardInput, targets: Endpoint[], workers: number): WorkerPlan[] {
  return shardByProcess(config, targets, workers, 1)[0];
}
