/**
 * The hardware profile: what this machine's network path can do at best, measured by iperf3 and netperf, with
 * the environment it was measured in. Results compare themselves to it (ratios). Schema: profile.schema.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Environment, GitInfo } from '../environment/environment.js';
import type { RepeatedStat } from './stats.js';

export const PROFILE_SCHEMA_VERSION = 1;

export interface RrMeasurement {
  sizeBytes: number;
  transactionsPerSecond: RepeatedStat;
  meanLatencyUs: RepeatedStat;
  p50LatencyUs: RepeatedStat;
  p99LatencyUs: RepeatedStat;
}

export interface HardwareProfile {
  schemaVersion: typeof PROFILE_SCHEMA_VERSION;
  kind: 'l4stress-hardware-profile';
  host: string;
  /** `loopback` when l4stress started the servers itself, otherwise the --host measured against. */
  peer: string;
  createdAt: string;
  tool: { name: 'l4stress'; version: string };
  git: GitInfo | null;
  settings: { repeat: number; durationS: number; sizeBytes: number; streams: number };
  measurements: {
    iperf3SingleStream: { bitsPerSecond: RepeatedStat; retransmits: RepeatedStat };
    iperf3MultiStream: { streams: number; bitsPerSecond: RepeatedStat; retransmits: RepeatedStat };
    tcpRr1: RrMeasurement;
    tcpRrSize: RrMeasurement;
    tcpCrr: { transactionsPerSecond: RepeatedStat; p50LatencyUs: RepeatedStat };
    tcpStream: { megabitsPerSecond: RepeatedStat };
  };
  environment: Environment;
  warnings: string[];
}

export function defaultProfilePath(resultsDir: string, host = os.hostname()): string {
  return path.join(resultsDir, 'profiles', `${host.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`);
}

/** Loads a profile; null when `file` is the default path and does not exist. */
export function loadProfile(file: string, required: boolean): { file: string; profile: HardwareProfile } | null {
  if (!existsSync(file)) {
    if (required) throw new UsageError(`--calibration: no such file '${file}' (run \`l4stress calibrate\` first)`);
    return null;
  }
  let doc: HardwareProfile;
  try { doc = JSON.parse(readFileSync(file, 'utf8')) as HardwareProfile; } catch (e) {
    throw new UsageError(`--calibration: '${file}' is not JSON: ${(e as Error).message}`);
  }
  if (doc.kind !== 'l4stress-hardware-profile' || doc.schemaVersion !== PROFILE_SCHEMA_VERSION) {
    throw new UsageError(`--calibration: '${file}' is not an l4stress hardware profile (schemaVersion ${PROFILE_SCHEMA_VERSION})`);
  }
  return { file, profile: doc };
}
