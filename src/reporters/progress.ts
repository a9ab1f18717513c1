/**
 * Live progress on stderr (stdout stays clean for --json). On a TTY one line rewritten every second; elsewhere a
 * plain line every few seconds so CI logs stay short; nothing with --quiet.
 */
import { formatCount, formatMicros } from '../core/units.js';
import type { TimelineRow } from '../metrics/timeline.js';

export interface ProgressReporter {
  update(row: TimelineRow, target: number): void;
  done(): void;
}

const PLAIN_EVERY_S = 5;

export function createProgressReporter(stream: NodeJS.WriteStream, quiet: boolean): ProgressReporter {
  if (quiet) return { update() {}, done() {} };
  const tty = stream.isTTY === true;
  let lastPlain = -Infinity;
  let wroteLine = false;
  return {
    update(row, target) {
      const text =
        `[${row.t.toFixed(0).padStart(3)}s ${row.phase.padEnd(7)}] conns ` +
        `${formatCount(row.open)}/${formatCount(target)}` +
        `  ${formatCount(row.roundTripsPerSecond)} rt/s  p50 ${formatMicros(row.p50Us ?? NaN)}  p99 ` +
        `${formatMicros(row.p99Us ?? NaN)}` +
        `  errors ${formatCount(row.connectFailed + row.dropped)}  cpu ${row.cpuPercent.toFixed(0)}%`;
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        wroteLine = true;
      } else if (row.t - lastPlain >= PLAIN_EVERY_S) {
        lastPlain = row.t;
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (tty && wroteLine) stream.write('\r\x1b[2K');
    },
  };
}
