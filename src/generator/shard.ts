/**
 * The one place that decides how a run's settings split across workers. Totals (connections, connect rate,
 * in-flight connects) are divided, the remainder spread over the first workers; everything else (message size,
 * proxy version, timeouts) applies to every connection as given. Workers that would get no connection are not
 * started.
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
  host: string;
  port: number;
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

export function shard(
  config: Pick<RunConfig, 'conns' | 'connectRate' | 'maxConnecting' | 'proxy' | 'sizeBytes' | 'connectTimeoutMs' | 'seed'> & { verifyProxy?: unknown },
  target: { host: string; port: number },
  workers: number,
): WorkerPlan[] {
  const used = Math.max(1, Math.min(workers, config.conns));
  const conns = splitEvenly(config.conns, used);
  const connecting = splitEvenly(Math.max(config.maxConnecting, used), used);
  let offset = 0;
  return conns.map((n, index) => {
    const plan: WorkerPlan = {
      index,
      conns: n,
      connIdOffset: offset,
      // The rate follows the connection share, so every worker finishes its ramp at the same moment.
      connectRate: config.connectRate > 0 ? (config.connectRate * n) / config.conns : 0,
      maxConnecting: connecting[index],
      host: target.host,
      port: target.port,
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
