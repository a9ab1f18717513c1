/** Calibrate and save the hardware profile (`l4stress calibrate`, and `run --calibrate` before a run). */
import os from 'node:os';
import { writeJsonAtomically } from '../core/files.js';
import type { HardwareProfile } from '../documents/hardware-profile.js';
import { type CalibrateOptions, calibrate } from './calibrate.js';

/** What `run --calibrate` does before a run: one short round, enough for ratios, not for a release baseline. */
export const QUICK_CALIBRATION = {
  host: null,
  iperf3Port: 5201,
  netperfPort: 12865,
  repeat: 1,
  durationS: 2,
  streams: os.availableParallelism(),
};

export async function calibrateAndSave(
  options: CalibrateOptions,
  file: string,
): Promise<{ profile: HardwareProfile; file: string }> {
  const profile = await calibrate(options);
  return { profile, file: writeJsonAtomically(file, profile) };
}
