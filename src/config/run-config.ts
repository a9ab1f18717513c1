/** The resolved configuration of one run: what the CLI (or later a scenario file) hands to the generator. */
import type { ProxyHeaderPlan } from '../proxy/header.js';

export interface RunConfig {
  /** Names the result file and the run in reports. */
  scenario: string;
  /** null: start the embedded target. */
  target: { host: string; port: number } | null;
  /** Total concurrent connections across all workers. */
  conns: number;
  /** The PROXY header every connection sends first (version none: no header). */
  proxy: ProxyHeaderPlan;
  /**
   * Check that every claimed source address arrived at the backend: null = off; 'embedded' asks the embedded
   * target; a URL asks an `l4stress serve --control-port` backend behind the ingress under test.
   */
  verifyProxy: 'embedded' | { url: string } | null;
  /** Measured phase length, after ramp-up and warm-up. */
  durationMs: number;
  /** Traffic flows but is excluded from final statistics (the timeline still shows it). */
  warmupMs: number;
  /** New connections per second during ramp-up, total; 0 = as fast as maxConnecting allows. */
  connectRate: number;
  /** Connects in flight at once, total (bounds SYN bursts). */
  maxConnecting: number;
  connectTimeoutMs: number;
  /** Give up waiting for the ramp after this long and measure with what is established. */
  rampTimeoutMs: number;
  /** Echo message size. */
  sizeBytes: number;
  workers: number;
  seed: number;
  out: string | null;
  resultsDir: string;
  /** Processes to sample (CPU, RSS) each second, besides the embedded target. */
  watchPids: number[];
  /** Hardware profile to compare with: an explicit file, or the host's default profile if present. */
  calibration: { file: string; required: boolean };
  /** Run a quick calibration first and save it as this host's profile. */
  calibrateFirst: boolean;
  quiet: boolean;
  json: boolean;
}
