/** The resolved configuration of one run: what the CLI (or later a scenario file) hands to the generator. */
import type { ProxyHeaderPlan } from '../proxy/header.js';

import type { CloseStyle, LoadMode, StreamDirection } from '../load/traits.js';

export type { CloseStyle, LoadMode, StreamDirection };

export interface RunConfig {
  /**
   * echo: closed loop, or open loop with `ratePerSecond`; stream: continuous bytes; connect: churn cycles;
   * hold: idle long-lived sessions with a ping every `pingIntervalMs`.
   */
  mode: LoadMode;
  /** Open-loop echo: total messages per second, spread evenly over the connections; 0 = closed loop. */
  ratePerSecond: number;
  direction: StreamDirection;
  pingIntervalMs: number;
  /** How connections close at the end (and every cycle in churn): FIN, or RST via SO_LINGER 0. */
  closeStyle: CloseStyle;
  /** Churn: one echo round trip per cycle before closing. */
  churnEcho: boolean;
  /** An echo not back after this long counts as missing and the connection moves on. */
  echoTimeoutMs: number;
  /** Local addresses to bind, spread over connections (more ephemeral ports than one source address has). */
  sourceIps: string[];
  /** Generator processes (file descriptors are per process). */
  processes: number;
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
