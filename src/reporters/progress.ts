/**
 * Live progress on stderr (stdout stays clean for --json), fitted to the mode: echo shows round trips/s and
 * p50/p99, stream Gbit/s each way, connect connections/s, hold sessions held and ping p99; every line says the
 * phase and elapsed/planned seconds. On a TTY one line rewritten every second; elsewhere a plain line every
 * second for runs up to two minutes, every 10 s beyond (CI logs stay readable); nothing with --quiet.
 */
import { printable } from '../core/printable.js';
import { formatBitsPerSecond, formatCount, formatMicros } from '../core/units.js';
import type { TimelineRow } from '../instruments/timeline.js';
import type { LoadMode } from '../worker-contract/traits.js';

export interface ProgressReporter {
  update(row: TimelineRow, target: number): void;
  done(): void;
}

export interface ProgressContext {
  mode: LoadMode;
  /** Warm-up plus measured seconds (the ramp comes on top: added once it is over). */
  plannedS: number;
}

const LONG_RUN_S = 120;

/** The machine this second, live: all cores busy, and the load threads' wait for a core when it is material. */
function machineFigures(m: TimelineRow['machine']): string {
  if (!m || m.busyPercent === null) return '';
  const wait =
    m.loadThreadWait && m.loadThreadWait.mean >= 0.1 ? ` wait ${Math.round(m.loadThreadWait.mean * 100)}%` : '';
  return `  machine ${Math.round(m.busyPercent)}%${wait}`;
}

export function createProgressReporter(
  stream: NodeJS.WriteStream,
  quiet: boolean,
  context: ProgressContext,
): ProgressReporter {
  if (quiet) return { update() {}, done() {} };
  const tty = stream.isTTY === true;
  const plainEveryS = context.plannedS > LONG_RUN_S ? 10 : 1;
  let lastPlain = -Infinity;
  let wroteLine = false;
  let previous: TimelineRow | null = null;
  // The plan counts from the end of the ramp, whose length is known only once it is over.
  let rampS = 0;
  return {
    update(row, target) {
      if (row.phase === 'ramp') rampS = row.t;
      // Through the one escaper: the line's own control sequences are added after, never taken from a figure.
      const errors = formatCount(row.connectFailed + row.dropped);
      const text = printable(
        `[${row.t.toFixed(0).padStart(3)}s/${(rampS + context.plannedS).toFixed(0)}s ${row.phase.padEnd(8)}] ` +
          `${modeFigures(context.mode, row, previous, target)}  errors +${errors}  cpu ${row.cpuPercent.toFixed(0)}%` +
          machineFigures(row.machine),
        Number.POSITIVE_INFINITY,
      );
      previous = row;
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        wroteLine = true;
      } else if (row.t - lastPlain >= plainEveryS - 0.5) {
        lastPlain = row.t;
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (tty && wroteLine) stream.write('\r\x1b[2K');
      wroteLine = false;
    },
  };
}

/** What matters in this mode, for the last second. */
export function modeFigures(mode: LoadMode, row: TimelineRow, previous: TimelineRow | null, target: number): string {
  const us = (v: number | null): string => formatMicros(v ?? Number.NaN);
  const open = `conns ${formatCount(row.open)}/${formatCount(target)}`;
  switch (mode) {
    case 'stream':
      return (
        `${open}  up ${formatBitsPerSecond(row.bytesSentPerSecond)}  ` +
        `down ${formatBitsPerSecond(row.bytesReceivedPerSecond)}`
      );
    case 'connect': {
      const opened = row.established - (previous?.established ?? 0);
      const perS = row.intervalMs > 0 ? Math.round((opened * 1000) / row.intervalMs) : 0;
      const echo = row.p99Us === null ? '' : `  echo p99 ${us(row.p99Us)}`;
      return `${formatCount(perS)} conn/s  in flight ${formatCount(row.open)}${echo}`;
    }
    case 'hold': {
      // Held: open and served (first echo back); the rest of the open ones wait unanswered (an ingress's queue).
      const held = Math.min(row.open, row.opened ?? row.open);
      const waiting = row.open > held ? `  unanswered ${formatCount(row.open - held)}` : '';
      return (
        `held ${formatCount(held)}/${formatCount(target)}${waiting}  ${formatCount(row.roundTripsPerSecond)} ` +
        `pings/s  ping p99 ${us(row.p99Us)}`
      );
    }
    default:
      return `${open}  ${formatCount(row.roundTripsPerSecond)} rt/s  p50 ${us(row.p50Us)}  p99 ${us(row.p99Us)}`;
  }
}
