/** The merged run's settings (see merge.ts): a rule per setting, so a new one must say how shards combine. */
import type { RunResult } from '../documents/result.js';
import type { Complete } from './sections.js';

/**
 * The run's settings: what every shard shares (identity() checked those that matter), with the totals a shard
 * split summed back. A rule per key, so a new setting must say which it is.
 */
export function mergeConfig(results: RunResult[], totalConns: number): RunResult['config'] {
  const first = results[0].config;
  const sum = (f: (r: RunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const rules: { [K in keyof Complete<RunResult['config']>]: 'same' | (() => RunResult['config'][K]) } = {
    transport: 'same',
    mode: 'same',
    ratePerSecond: () => sum((r) => r.config.ratePerSecond),
    direction: 'same',
    pingIntervalMs: 'same',
    closeStyle: 'same',
    churnEcho: 'same',
    reconnect: 'same',
    shard: () => null,
    startAt: 'same',
    echoTimeoutMs: 'same',
    drainTimeoutMs: 'same',
    tls: 'same',
    sourceIps: 'same',
    processes: () => sum((r) => r.config.processes),
    scenario: 'same',
    target: 'same',
    conns: () => totalConns,
    proxy: 'same',
    verifyProxy: 'same',
    durationMs: 'same',
    warmupMs: 'same',
    connectRate: () => sum((r) => r.config.connectRate),
    maxConnecting: () => sum((r) => r.config.maxConnecting),
    connectTimeoutMs: 'same',
    rampTimeoutMs: 'same',
    rampStallMs: 'same',
    sizeBytes: 'same',
    workers: 'same',
    seed: 'same',
    out: () => null,
    resultsDir: 'same',
    watchPids: 'same',
    scrape: 'same',
    calibration: 'same',
    calibrateFirst: 'same',
  };
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules)) {
    const value = rule === 'same' ? first[key as keyof typeof first] : rule();
    if (value !== undefined) out[key] = value;
  }
  return out as RunResult['config'];
}
