/** `l4stress calibrate`: measure this machine with iperf3 and netperf, save the hardware profile, print a table. */
import os from 'node:os';
import { defaultProfilePath } from '../calibration/hardware-profile.js';
import { calibrateAndSave } from '../calibration/save.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { printableLines } from '../core/printable.js';
import { HOUR_MS, parseDurationMs, parseIntInRange, parseSizeBytes } from '../core/units.js';
import { renderProfile } from '../reporters/hardware-profile.js';

export interface RawCalibrateOptions {
  host?: string;
  iperf3Port: string;
  netperfPort: string;
  repeat: string;
  duration: string;
  size: string;
  streams?: string;
  out?: string;
  resultsDir: string;
  quiet?: boolean;
  json?: boolean;
}

export async function calibrateCommand(opts: RawCalibrateOptions): Promise<number> {
  const durationMs = parseDurationMs('--duration', opts.duration, { max: HOUR_MS });
  if (durationMs < 1000)
    throw new UsageError(
      `--duration: iperf3 and netperf measure whole seconds; use at least 1s (got '${opts.duration}')`,
    );
  const options = {
    host: opts.host ?? null,
    iperf3Port: parseIntInRange('--iperf3-port', opts.iperf3Port, 1, 65535),
    netperfPort: parseIntInRange('--netperf-port', opts.netperfPort, 1, 65535),
    repeat: parseIntInRange('--repeat', opts.repeat, 1, 20),
    durationS: Math.round(durationMs / 1000),
    sizeBytes: parseSizeBytes('--size', opts.size),
    streams:
      opts.streams === undefined ? os.availableParallelism() : parseIntInRange('--streams', opts.streams, 1, 128),
    resultsDir: opts.resultsDir,
    log: opts.quiet || opts.json ? () => {} : (line: string) => process.stderr.write(`${printableLines(line)}\n`),
  };
  const { profile, file } = await calibrateAndSave(options, opts.out ?? defaultProfilePath(opts.resultsDir));
  if (opts.json) process.stdout.write(`${JSON.stringify(profile)}\n`);
  else if (!opts.quiet) process.stdout.write(`${printableLines(renderProfile(profile, file))}\n`);
  return ExitCode.ok;
}
