/**
 * The result document every run writes. Versioned: readers (report, compare, gates) check schemaVersion.
 * Its JSON Schema is published at src/result/result.schema.json and checked against real results in the tests.
 */
import type { RunConfig } from '../config/run-config.js';
import type { describeProxyPlan } from '../proxy/header.js';
import type { WatchedSummary } from '../metrics/pid-watch.js';
import type { CalibrationRatios } from '../calibration/ratios.js';
import type { IntegrityCounters, LoadCounters } from '../metrics/counters.js';
import type { ErrorCounts } from '../metrics/errors.js';
import type { LatencySummary } from '../metrics/histogram.js';
import type { TimelineRow } from '../metrics/timeline.js';
import type { TargetStats } from '../target/stats.js';
import type { Environment, GitInfo } from '../environment/environment.js';

export const RESULT_SCHEMA_VERSION = 1;

export type ProxyDescription = ReturnType<typeof describeProxyPlan>;

/** Sent vs seen source addresses, compared as `addr:port` strings (multisets). */
export interface ProxyVerification {
  ok: boolean;
  /** Where the backend's view came from: `embedded` or the control URL. */
  source: string;
  sent: number;
  seen: number;
  matched: number;
  /** Claimed by a header but never seen by the backend. */
  missing: number;
  /** Seen by the backend but never claimed (e.g. the ingress's own address when it does not forward PROXY). */
  unexpected: number;
  examplesMissing: string[];
  examplesUnexpected: string[];
  /** Set when the backend could not be asked. */
  error: string | null;
}

export interface ModeStats {
  mode: RunConfig['mode'];
  openLoop: {
    intendedPerSecond: number;
    /** Sends more than 1 ms after their intended time; sends skipped because a connection owed 64 already. */
    late: number;
    missed: number;
    /** How late the generator's 1 ms scheduler ticks ran (µs): its own lag, not the target's. */
    schedulerLagUs: LatencySummary;
    /** True when the generator itself fell behind (scheduler p99 lag over 5 ms, or it missed sends while idle). */
    generatorBehind: boolean;
  } | null;
  integrity: IntegrityCounters & { enabled: boolean; bytesLostAtClose: number };
  stream: {
    direction: RunConfig['direction'];
    /** Per-connection throughput in the measured phase, bytes/s (both directions added). */
    perConnectionBytesPerSecond: { min: number; median: number; max: number; connections: number };
  } | null;
  churn: { cycles: number; cyclesPerSecond: number; closeStyle: RunConfig['closeStyle'] } | null;
  hold: { pingIntervalMs: number; held: number; target: number } | null;
}

export type RunStatus = 'completed' | 'completed-with-errors' | 'unreachable' | 'interrupted';

export interface RunResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  tool: { name: 'l4stress'; version: string };
  scenario: string;
  status: RunStatus;
  exitCode: number;
  git: GitInfo | null;
  command: string[];
  config: Omit<RunConfig, 'quiet' | 'json' | 'proxy'> & { proxy: ProxyDescription };
  seed: number;
  startedAt: string;
  endedAt: string;
  phases: { rampMs: number; warmupMs: number; measuredMs: number; rampTimedOut: boolean };
  target: { kind: 'embedded' | 'external'; host: string; port: number; stats: TargetStats | null };
  connections: {
    target: number;
    attempted: number;
    established: number;
    peak: number;
    failed: { total: number; byKind: ErrorCounts };
    dropped: { total: number; byKind: ErrorCounts };
  };
  /**
   * roundTripUs: echo round trips (hold: pings) in the measured phase; in open loop measured from the intended
   * send time (coordinated omission corrected), serviceUs from the actual send. connectUs: every connect.
   */
  latency: { roundTripUs: LatencySummary; serviceUs: LatencySummary | null; connectUs: LatencySummary };
  /** Measured phase only: round trips completed while measuring, and bytes each way, over its length. */
  throughput: { roundTrips: number; roundTripsPerSecond: number; bytesSentPerSecond: number; bytesReceivedPerSecond: number };
  /** What the chosen mode adds; null sections do not apply. */
  modeStats: ModeStats;
  proxy: ProxyDescription & {
    headersSent: number;
    headerBytes: number;
    headerSizes: Record<string, number>;
    /** Mean time to build one header, in µs (null without headers). */
    headerBuildUsPerConnection: number | null;
    verify: ProxyVerification | null;
  };
  /** Whole-run counters, ramp and warm-up included. */
  totals: LoadCounters;
  resources: {
    /** This (main) process; with --processes > 1 the generator children appear in `watched` with role generator. */
    generator: {
      maxRssBytes: number; cpuPercentMean: number; cpuPercentMax: number; cpuUserMs: number; cpuSystemMs: number;
      processes: number;
      /** Generator processes' RSS summed, heaps collected: before any connection, and after the ramp. */
      baselineRssBytes: number;
      rampedRssBytes: number;
      /** (ramped - baseline) / established connections; null when none was established. */
      memoryPerConnectionBytes: number | null;
    };
    target: { pid: number; maxRssBytes: number; cpuUserMs: number; cpuSystemMs: number } | null;
    /** Per-second /proc sampling of the embedded target and --watch-pid processes. */
    watched: WatchedSummary[];
  };
  /** This run relative to the machine's hardware profile; null without one. */
  calibration: CalibrationRatios | null;
  environment: Environment;
  timeline: TimelineRow[];
  /** Encoded HDR histograms (compressed base64, µs) so results can be merged and re-reported later. */
  histograms: { roundTripUs: string; connectUs: string };
  warnings: string[];
}
