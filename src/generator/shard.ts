/**
 * The one place that decides how a run's settings split across workers (and, one level up, processes). Totals
 * (connections, connect rate, in-flight connects, the open-loop rate) are divided, the remainder spread over the
 * first workers, rates in proportion to connections; everything else (message size, mode, proxy, timeouts)
 * applies to every connection as given. Workers that would get no connection are not started. Connection ids are
 * global (from `idBase`), so address pools and target choice do not depend on how the work was split.
 */
import type { RunConfig } from '../config/run-config.js';
import type { ProxyHeaderPlan } from '../proxy/header.js';

export interface WorkerPlan {
  index: number;
  /** This worker's connections, numbered globally from connIdOffset. */
  conns: number;
  connIdOffset: number;
  /** This worker's share of the connect rate (per second; 0 = unlimited). */
  connectRate: number;
  /** This worker's share of in-flight connects (at least 1). */
  maxConnecting: number;
  /** Connection id -> targets[id % targets.length] (several embedded target processes). */
  targets: { host: string; port: number }[];
  mode: RunConfig['mode'];
  /** This worker's share of the open-loop rate (0 = closed loop); hold mode: its ping rate. */
  ratePerSecond: number;
  direction: RunConfig['direction'];
  closeStyle: RunConfig['closeStyle'];
  churnEcho: boolean;
  echoTimeoutMs: number;
  /** Connection id -> sourceIps[id % length] as the bound local address; empty = the kernel picks. */
  sourceIps: string[];
  /** Churn: ids are index + k * idStride, unique across all workers of the run. */
  idStride: number;
  proxy: ProxyHeaderPlan;
  /** Return every claimed source address in the report (for --verify-proxy). */
  collectSources: boolean;
  sizeBytes: number;
  connectTimeoutMs: number;
  /** Per-worker seed derived from the run seed, so workers do not repeat each other. */
  seed: number;
  /** The run's seed: address assignment depends on it and the global connection id only, not on the sharding. */
  runSeed: number;
}

/** Splits `total` into `parts` whole shares differing by at most one, larger shares first. */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

export type ShardInput = Pick<RunConfig, 'conns' | 'connectRate' | 'maxConnecting' | 'proxy' | 'sizeBytes' | 'connectTimeoutMs' | 'seed'
  | 'mode' | 'ratePerSecond' | 'direction' | 'closeStyle' | 'churnEcho' | 'echoTimeoutMs' | 'sourceIps' | 'pingIntervalMs'> & { verifyProxy?: unknown };

export function shard(config: ShardInput, targets: { host: string; port: number }[], workers: number, idBase = 0, indexBase = 0, idStride = 0): WorkerPlan[] {
  const used = Math.max(1, Math.min(workers, config.conns));
  const conns = splitEvenly(config.conns, used);
  const connecting = splitEvenly(Math.max(config.maxConnecting, used), used);
  let offset = idBase;
  // Hold pings every connection once per interval: a rate like any other, so one scheduler serves both.
  const totalRate = config.mode === 'hold' ? (config.conns * 1000) / config.pingIntervalMs : config.mode === 'echo' ? config.ratePerSecond : 0;
  return conns.map((n, index) => {
    const plan: WorkerPlan = {
      index: indexBase + index,
      idStride: idStride || conns.length,
      conns: n,
      connIdOffset: offset,
      // The rate follows the connection share, so every worker finishes its ramp at the same moment.
      connectRate: config.connectRate > 0 ? (config.connectRate * n) / config.conns : 0,
      maxConnecting: connecting[index],
      targets,
      mode: config.mode,
      ratePerSecond: totalRate > 0 ? (totalRate * n) / config.conns : 0,
      direction: config.direction,
      closeStyle: config.closeStyle,
      churnEcho: config.churnEcho,
      echoTimeoutMs: config.echoTimeoutMs,
      sourceIps: config.sourceIps,
      proxy: config.proxy,
      collectSources: config.verifyProxy !== undefined && config.verifyProxy !== null,
      sizeBytes: config.sizeBytes,
      connectTimeoutMs: config.connectTimeoutMs,
      seed: (config.seed + Math.imul(index + 1, 0x9e3779b1)) >>> 0,
      runSeed: config.seed,
    };
    offset += n;
    return plan;
  });
}
