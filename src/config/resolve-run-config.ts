/**
 * Turns the run options' raw strings (options/run-options.ts) into a RunConfig, validating every value before
 * anything starts. Each invalid value throws a UsageError that names the option and what is allowed.
 */

import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { defaultProfilePath } from '../calibration/hardware-profile.js';
import { UsageError } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';
import { redactCredentials } from '../core/redact.js';
import {
  HOUR_MS,
  parseDurationMs,
  parseHostPort,
  parseIntInRange,
  parseMessageBytes,
  parseRatePerSecond,
} from '../core/units.js';
import {
  CLOSE_STYLES,
  LOAD_MODES,
  type LoadMode,
  PROXY_COMMANDS,
  PROXY_VERSIONS,
  STREAM_DIRECTIONS,
  WATCH_TARGET,
} from '../core/vocabulary.js';
import { refuseInapplicable } from '../options/applies.js';
import { type RawRunOptions, RUN_OPTIONS, type RunOptionKey } from '../options/run-options.js';
import { parseAddressSpec } from '../proxy/addresses.js';
import { type ProxyHeaderPlan, validateProxyPlan } from '../proxy/header.js';
import { parseTlvOption } from '../proxy/tlv.js';
import type { RunConfig } from './run-config.js';
import { resolveShard, resolveStartAt, seedFrom } from './shard.js';
import { parseSourceIps } from './source-ips.js';
import { resolveTls } from './tls.js';
import { resolveTransport, UDP_STREAM_DEFAULT_BYTES } from './udp.js';

/** The most sessions one run holds (--conns): a capacity search's probes too. */
export const MAX_CONNS = 1_000_000;

export function resolveRunConfig(raw: RawRunOptions): RunConfig {
  const conns = parseIntInRange('--conns', raw.conns, 1, MAX_CONNS);
  const proxy: ProxyHeaderPlan = {
    version: oneOf('--proxy', raw.proxy, PROXY_VERSIONS),
    command: oneOf('--proxy-command', raw.proxyCommand, PROXY_COMMANDS),
    src: parseAddressSpec('--proxy-src', raw.proxySrc),
    dst: parseAddressSpec('--proxy-dst', raw.proxyDst),
    tlvs: (raw.proxyTlv ?? []).map(parseTlvOption),
  };
  validateProxyPlan(proxy);
  const durationMs = parseDurationMs('--duration', raw.duration, { min: 100, max: 7 * 24 * HOUR_MS });
  const warmupMs = parseDurationMs('--warmup', raw.warmup, { max: HOUR_MS });
  const connectRate = parseRatePerSecond('--connect-rate', raw.connectRate);
  const maxConnecting = parseIntInRange('--max-connecting', raw.maxConnecting, 1, MAX_CONNS);
  const connectTimeoutMs = parseDurationMs('--connect-timeout', raw.connectTimeout, { min: 1, max: 10 * 60_000 });
  const mode = oneOf('--mode', raw.mode, LOAD_MODES);
  refuseOutOfMode(raw, mode);
  // Small messages measure latency; a stream wants large writes.
  const streamSize = raw.udp ? String(UDP_STREAM_DEFAULT_BYTES) : '64KiB';
  const sizeBytes = parseMessageBytes('--size', raw.size ?? (mode === 'stream' ? streamSize : '64'));
  const givenRate = raw.rate === undefined ? 0 : parseRatePerSecond('--rate', raw.rate);
  if (raw.rate !== undefined && givenRate <= 0)
    throw new UsageError('--rate: must be above 0 (the open-loop rate of echo, or of a UDP stream)');
  const { transport, ratePerSecond } = resolveTransport(raw, mode, proxy, sizeBytes, givenRate);
  const direction = oneOf('--direction', raw.direction ?? 'up', STREAM_DIRECTIONS);
  const closeStyle = oneOf('--close', raw.close, CLOSE_STYLES);
  const pingIntervalMs = parseDurationMs('--ping-interval', raw.pingInterval ?? '1s', { min: 10, max: HOUR_MS });
  const echoTimeoutMs = parseDurationMs('--echo-timeout', raw.echoTimeout, { min: 10, max: 10 * 60_000 });
  const drainTimeoutMs = parseDurationMs('--drain-timeout', raw.drainTimeout, { max: 10 * 60_000 });
  const sourceIps = raw.sourceIps === undefined ? [] : parseSourceIps(raw.sourceIps);
  const processes = raw.processes === undefined ? 0 : parseIntInRange('--processes', raw.processes, 1, 64);
  const target = raw.target === undefined ? null : parseHostPort('--target', raw.target);
  const workers =
    raw.workers === undefined ? defaultWorkers(target) : parseIntInRange('--workers', raw.workers, 1, 256);
  const seed = raw.seed === undefined ? randomInt(0, 2 ** 32) : parseIntInRange('--seed', raw.seed, 0, 2 ** 32 - 1);
  const { rampTimeoutMs, rampStallMs } = resolveRampTimeout(raw.rampTimeout, conns, connectRate, maxConnecting, {
    connectTimeoutMs,
  });
  const verifyProxy = resolveVerifyProxy(raw.verifyProxy, target !== null, proxy);
  const shard = resolveShard(raw.shard, conns, target !== null, verifyProxy !== null);
  const startAt = resolveStartAt(raw.startAt);
  // Shards must agree on the seed (payload and PROXY address assignment depend on it): given, or from --start-at.
  if (shard && raw.seed === undefined && startAt === null)
    throw new UsageError('--shard: give every shard the same --seed (or the same --start-at, which implies one)');
  const runSeed = shard && raw.seed === undefined && startAt !== null ? seedFrom(startAt) : seed;
  // A shard carries its share of the run: connections, and the rates that are totals, in proportion.
  const share = shard ? shard.conns / conns : 1;
  const scenario =
    raw.name ??
    `${transport === 'udp' ? 'udp-' : ''}${mode}${mode === 'echo' && raw.rate !== undefined ? '-open' : ''}` +
      `-c${conns}-${proxy.version}`;
  if (!/^[A-Za-z0-9._-]{1,80}$/.test(scenario)) {
    throw new UsageError(`--name: '${scenario}' is not allowed (letters, digits, '.', '_', '-'; at most 80)`);
  }
  return {
    transport,
    mode,
    ratePerSecond: ratePerSecond * share,
    direction,
    pingIntervalMs,
    closeStyle,
    churnEcho: raw.churnEcho === true,
    reconnect: raw.reconnect === true,
    echoTimeoutMs,
    drainTimeoutMs,
    sourceIps,
    processes,
    scenario,
    target,
    conns: shard ? shard.conns : conns,
    shard: shard ? { index: shard.index, count: shard.count, totalConns: conns } : null,
    startAt,
    proxy,
    verifyProxy,
    durationMs,
    warmupMs,
    connectRate: connectRate * share,
    maxConnecting: Math.max(1, Math.round(maxConnecting * share)),
    connectTimeoutMs,
    rampTimeoutMs,
    rampStallMs,
    sizeBytes,
    workers,
    seed: runSeed,
    out: raw.out ?? null,
    resultsDir: raw.resultsDir,
    scrape: resolveScrape(raw.scrape, raw.scrapeMetric),
    watchPids: resolveWatchPids(raw.watchPid),
    watchTarget: oneOf('--watch-target', raw.watchTarget ?? 'auto', WATCH_TARGET) === 'auto',
    calibration:
      raw.calibration !== undefined
        ? { file: raw.calibration, required: true }
        : { file: defaultProfilePath(raw.resultsDir), required: false },
    calibrateFirst: raw.calibrate === true,
    tls: resolveTls(raw),
    quiet: raw.quiet === true,
    json: raw.json === true,
    metricsPort: raw.metricsPort === undefined ? null : parseIntInRange('--metrics-port', raw.metricsPort, 1, 65535),
  };
}

/** --watch-pid: each a process that exists now. */
function resolveWatchPids(pids: string[] | undefined): number[] {
  return (pids ?? []).map((p) => {
    const pid = parseIntInRange('--watch-pid', p, 1, 2 ** 22);
    if (!existsSync(`/proc/${pid}`)) throw new UsageError(`--watch-pid: no process ${pid}`);
    return pid;
  });
}

/** --scrape URLs (http or https, nothing else) and --scrape-metric patterns; a bad one is exit 2 up front. */
function resolveScrape(
  urls: string[] | undefined,
  metrics: string[] | undefined,
): { urls: string[]; metrics: string[] } {
  if (metrics?.length && !urls?.length) throw new UsageError('--scrape-metric: goes with --scrape');
  for (const text of urls ?? []) {
    // Quoted with its password redacted: an error message is printed, and may be kept in a CI log.
    const shown = redactCredentials(text);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`--scrape: '${shown}' is not a URL (e.g. http://127.0.0.1:8404/metrics)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(`--scrape: '${shown}' must be an http:// or https:// URL`);
    if (url.port === '0') throw new UsageError(`--scrape: '${shown}': port 0 is no port to scrape`);
    try {
      decodeURIComponent(url.username + url.password);
    } catch {
      throw new UsageError(`--scrape: '${shown}': the user or password is not valid percent-encoding (e.g. %40 for @)`);
    }
  }
  for (const m of metrics ?? [])
    if (!/^[a-zA-Z_:*][a-zA-Z0-9_:*]*$/.test(m))
      throw new UsageError(`--scrape-metric: '${m}' is not a metric name pattern (letters, digits, _ : and *)`);
  return { urls: urls ?? [], metrics: metrics ?? [] };
}

/** A word from one of the vocabulary's lists (commander checks its own choices; scenarios and run() come here). */
function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag}: '${value}' is not allowed (allowed: ${allowed.join(', ')})`);
  return value as T;
}

/**
 * How long the ramp may take. Given (--ramp-timeout): that long, whatever happens. By default a ramp that is still
 * making progress is never cut short: it ends when no connection progressed for rampStallMs (twice the connect
 * timeout, three --connect-rate intervals, at least 10 s), and a hard cap from the slowest legal ramp (every batch
 * of --max-connecting connects timing out, or the --connect-rate schedule) keeps every run bounded. A fixed 30 s
 * used to fail 100,000 sessions that ramped at 3,000/s.
 */
function resolveRampTimeout(
  given: string | undefined,
  conns: number,
  connectRate: number,
  maxConnecting: number,
  t: { connectTimeoutMs: number },
): { rampTimeoutMs: number; rampStallMs: number | null } {
  if (given !== undefined)
    return {
      rampTimeoutMs: parseDurationMs('--ramp-timeout', given, { min: 100, max: 24 * HOUR_MS }),
      rampStallMs: null,
    };
  const paced = connectRate > 0 ? (conns / connectRate) * 1000 * 1.5 : 0;
  const allTimingOut = Math.ceil(conns / maxConnecting) * t.connectTimeoutMs;
  return {
    rampTimeoutMs: Math.round(Math.min(24 * HOUR_MS, Math.max(30_000, paced + allTimingOut + 30_000))),
    // A paced ramp moves once per connect interval: never call its pauses a stall.
    rampStallMs: Math.round(Math.max(10_000, 2 * t.connectTimeoutMs, connectRate > 0 ? 3000 / connectRate : 0)),
  };
}

/**
 * An option that does nothing in the chosen mode is refused, not ignored: a user who typed it believes it acted.
 * Which modes each option acts in is said once, in the options table; the refusal is every path's (applies.ts).
 */
function refuseOutOfMode(raw: RawRunOptions, mode: LoadMode): void {
  const given = (Object.keys(RUN_OPTIONS) as RunOptionKey[]).filter((k) => raw[k] !== undefined && raw[k] !== false);
  refuseInapplicable(RUN_OPTIONS, given, { mode, transport: raw.udp === true ? 'udp' : 'tcp' });
  // Churn without --churn-echo sends no message: a message size would mean nothing.
  if (mode === 'connect' && raw.churnEcho !== true && raw.size !== undefined)
    throw new UsageError('--size: does nothing with --mode connect without --churn-echo (no message is sent)');
}

/** `--verify-proxy` alone checks the embedded target; with a URL, an `l4stress serve --control-port` backend. */
function resolveVerifyProxy(
  value: string | boolean | undefined,
  external: boolean,
  proxy: ProxyHeaderPlan,
): RunConfig['verifyProxy'] {
  if (value === undefined || value === false) return null;
  if (
    proxy.version === 'none' ||
    proxy.command === 'local' ||
    proxy.src.kind === 'unknown' ||
    proxy.src.kind === 'unix'
  ) {
    throw new UsageError(
      '--verify-proxy: needs headers that claim IP source addresses (--proxy v1|v2 with --proxy-src socket, ' +
        'an IP or a CIDR)',
    );
  }
  if (value === true) {
    if (external)
      throw new UsageError(
        "--verify-proxy: with --target, give the backend's control URL (e.g. --verify-proxy http://127.0.0.1:9001)",
      );
    return 'embedded';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--verify-proxy: '${value}' is not a URL (e.g. http://127.0.0.1:9001)`);
  }
  if (url.protocol !== 'http:') throw new UsageError(`--verify-proxy: '${value}' must be an http:// URL`);
  return { url: url.origin };
}

/** A target on this machine (embedded or on loopback) keeps a core: on 2 cores 1 worker beat 2 (performance.md). */
function defaultWorkers(target: { host: string } | null): number {
  const cores = os.availableParallelism();
  return target === null || isLoopbackHost(target.host) ? Math.max(1, cores - 1) : cores;
}
