/**
 * The run's own processes as a witness (instruments/pid-watch.ts reads /proc once a second): the generator's child
 * processes (--processes), the embedded target's and each --watch-pid process with its children. Each second's CPU
 * and RSS go in the row (`watched`, which the machine witness's "ours" and the generator's saturation read, so this
 * witness is listed first); at the run's moments (ready, ramped, the measured phase's ends) it marks each process,
 * and its section, `resources.watched`, is each process's summary with what a unit of the run's work cost it
 * (watched-cost.ts: RSS per session, CPU per operation, the RSS slope and the leak verdict).
 */
import { formatBytes, formatMicros } from '../core/units.js';
import type { RunResult, WatchedSummary } from '../documents/result.js';
import { PidWatcher } from '../instruments/pid-watch.js';
import { type WatchedMarks, withCosts } from './watched-cost.js';
import {
  type LabelledRun,
  live,
  type RunMoment,
  type Witness,
  type WitnessChart,
  type WitnessTable,
} from './witness.js';

type Watched = RunResult['resources']['watched'];
/** Each process's summary and its marks: the section is built from them and the rows. */
type WatchedRecord = { summaries: WatchedSummary[]; marks: WatchedMarks };

const MARK_OF: Record<RunMoment, keyof WatchedMarks> = {
  ready: 'baseline',
  ramped: 'ramped',
  'measure-start': 'measureStart',
  'measure-end': 'measureEnd',
};

export const watchedWitness: Witness<'watched', WatchedRecord> = {
  key: 'watched',
  nested: 'resources',
  subject: 'process',
  live: ({ processes }) => {
    const watcher = new PidWatcher(processes);
    const marks: WatchedMarks = { baseline: {}, ramped: {}, measureStart: {}, measureEnd: {} };
    return live({
      tick: (row) => {
        row.watched = watcher.sample();
      },
      moment: (moment) => {
        marks[MARK_OF[moment]] = watcher.mark();
      },
      stop: () => ({ summaries: watcher.summaries(), marks }),
    });
  },
  section: ({ summaries, marks }, { timeline, totals, longLived, measuredRoundTrips }) =>
    withCosts(summaries, marks, timeline, { totals, longLived, measuredRoundTrips }),
  // Processes watched on each shard's machine are that machine's: not summable.
  merge: () => [],
  metrics: {
    /**
     * The steepest RSS slope of a --watch-pid process over the settled half of the measured phase, MiB per hour
     * (watched-cost.ts); null, with its note, under 30 s of measured phase.
     */
    'watched.rssSlope': {
      unit: 'count',
      better: 'lower',
      reduce: 'max',
      read: (r) => {
        const slopes = r.resources.watched.flatMap((w) =>
          w.role === 'watched' && w.cost?.rssSlopeMiBPerHour != null ? [w.cost.rssSlopeMiBPerHour] : [],
        );
        return slopes.length ? Math.max(...slopes) : null;
      },
      whyNull: (r) =>
        r.resources.watched.find((w) => w.role === 'watched' && w.cost?.rssSlopeNote)?.cost?.rssSlopeNote ?? null,
    },
  },
  measurable: (metric, config) =>
    metric === 'watched.rssSlope' && config.watchPids.length === 0 ? 'watched.rssSlope needs --watch-pid' : null,
  // A --watch-pid process's children are not named when they exit: the process asked for is.
  warnings: (watched, { config }) => [
    ...exitWarnings(watched.filter((w) => w.role !== 'watched' || config.watchPids.includes(w.pid))),
    ...leakWarnings(watched),
  ],
  summary: (watched, config) => watched.map((w) => watchedLine(w, config.transport === 'udp' ? 'flow' : 'session')),
  table: watchedTable,
  charts: (runs) =>
    [
      processChart(runs, 'CPU', '% of one core', (s) => s.cpuPercent),
      processChart(runs, 'Memory (RSS)', 'MiB', (s) => s.rssBytes / 2 ** 20),
    ].filter((c) => c.points.length > 0),
  gauges: [],
};

/** A watched process (the embedded target, --watch-pid) that exited: its sampling stopped there. */
export function exitWarnings(watched: Watched): string[] {
  return watched
    .filter((w) => w.exited)
    .map(
      (w) =>
        `watched process ${w.pid} (${w.name}) exited ` +
        `${w.exitedAfterS === 0 ? 'before the run' : `after ${w.exitedAfterS} s`}; its sampling stopped there`,
    );
}

/** A watched process whose RSS grew steadily over the measured phase (watched-cost.ts): a leak, likely. */
export function leakWarnings(watched: Watched): string[] {
  return watched
    .filter((w) => w.cost?.leakSuspected)
    .map(
      (w) =>
        `watched process ${w.pid} (${w.name}) grew its RSS steadily over the measured phase: ` +
        `${w.cost!.rssSlopeMiBPerHour} MiB per hour (fit R² ${w.cost!.rssSlopeR2}); a leak is likely: soak it longer`,
    );
}

const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;

/** `watched      pid 812 (haproxy): CPU mean 22% max 40%, max RSS 31.2 MiB; 2.00 KiB RSS per session, ...`. */
function watchedLine(w: Watched[number], unit: 'session' | 'flow'): string {
  return (
    `${w.role.padEnd(12)} pid ${w.pid} (${w.name}): CPU mean ${w.cpuPercentMean ?? '-'}% max ` +
    `${w.cpuPercentMax ?? '-'}%, ` +
    `max RSS ${w.maxRssBytes === null ? '-' : mb(w.maxRssBytes)}` +
    (w.exited ? `, exited after ${w.exitedAfterS} s` : '') +
    costText(w.cost, unit)
  );
}

/** A watched process's cost per unit of work, the parts that apply: `; 2.00 KiB RSS per session, 41µs CPU/rt`. */
function costText(cost: Watched[number]['cost'], unit: 'session' | 'flow'): string {
  if (!cost) return '';
  const parts = [
    cost.rssPerSessionBytes !== null ? `${(cost.rssPerSessionBytes / 1024).toFixed(2)} KiB RSS per ${unit}` : null,
    cost.cpuUsPerRoundTrip !== null ? `${formatMicros(cost.cpuUsPerRoundTrip)} CPU per round trip` : null,
    cost.cpuUsPerConnection !== null ? `${formatMicros(cost.cpuUsPerConnection)} CPU per connection` : null,
    cost.cpuUsPerHandshake !== null ? `${formatMicros(cost.cpuUsPerHandshake)} CPU per TLS handshake` : null,
    cost.rssSlopeMiBPerHour !== null && cost.leakSuspected ? `RSS +${cost.rssSlopeMiBPerHour} MiB/h (leak?)` : null,
  ].filter((p) => p !== null);
  return parts.length ? `; ${parts.join(', ')}` : '';
}

const us = (v: number | null): string => (v === null ? '-' : formatMicros(v));

/** What the run's work cost each watched process (--watch-pid, the embedded target): per session, per operation. */
function watchedTable(runs: { label: string; result: RunResult }[]): WitnessTable | null {
  const rows = runs.flatMap(({ label, result: r }) =>
    r.resources.watched.flatMap((w) => {
      const c = w.cost;
      if (!c) return [];
      return [
        [
          label,
          `${w.pid} (${w.name}, ${w.role})`,
          c.rssPerSessionBytes === null ? '-' : formatBytes(c.rssPerSessionBytes),
          us(c.cpuUsPerRoundTrip),
          us(c.cpuUsPerConnection),
          us(c.cpuUsPerHandshake),
          c.rssSlopeMiBPerHour === null ? '-' : `${c.rssSlopeMiBPerHour} MiB/h`,
          c.leakSuspected ? 'suspected' : 'no',
        ],
      ];
    }),
  );
  if (rows.length === 0) return null;
  return {
    title: 'Watched processes: cost per unit of work',
    header: ['run', 'process', 'RSS per session', 'CPU per round trip', 'CPU per connection'].concat([
      'CPU per handshake',
      'RSS slope',
      'leak',
    ]),
    rows,
    note:
      'RSS per session: after the ramp minus before, over the sessions; CPU: the measured phase; RSS slope: least ' +
      'squares over the measured phase.',
  };
}

/** Each second: the generator's own figure (this process, from the row), then each watched process by its role. */
function processChart(
  runs: LabelledRun[],
  title: string,
  yLabel: string,
  pick: (s: { cpuPercent: number; rssBytes: number }) => number,
): WitnessChart {
  const points = runs.flatMap(({ label, result: r }) => {
    const roles = new Map(r.resources.watched.map((w) => [w.pid, `${w.role} ${w.name} (${w.pid})`]));
    return r.timeline.flatMap((row) => [
      { series: `${label} generator`.trim(), t: row.t, value: pick(row) },
      ...row.watched.map((s) => ({
        series: `${label} ${roles.get(s.pid) ?? `pid ${s.pid}`}`.trim(),
        t: row.t,
        value: pick(s),
      })),
    ]);
  });
  return { title, note: 'generator, embedded target and watched processes', yLabel, points };
}
