/**
 * Where a host's hardware profile lives and how a run finds it. The document itself (what iperf3 and netperf
 * measured) is defined in documents/hardware-profile.ts.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { HardwareProfile, RrMeasurement } from '../documents/hardware-profile.js';
import { PROFILE_KIND, PROFILE_SCHEMA_VERSION } from '../documents/hardware-profile.js';
import { readProfile } from '../documents/readers.js';

export type { HardwareProfile, RrMeasurement };
export { PROFILE_KIND, PROFILE_SCHEMA_VERSION };

export function defaultProfilePath(resultsDir: string, host = os.hostname()): string {
  return path.join(resultsDir, 'profiles', `${host.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`);
}

/** Loads and validates a profile; null when it is not required (the host's default path) and does not exist. */
export function loadProfile(file: string, required: boolean): { file: string; profile: HardwareProfile } | null {
  if (!existsSync(file)) {
    if (required) throw new UsageError(`--calibration: no such file '${file}' (run \`l4stress calibrate\` first)`);
    return null;
  }
  return { file, profile: readProfile(file) };
}
