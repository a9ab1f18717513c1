/**
 * A witness is what watches the run beside the load: the kernel's TCP counters, the ingress's own metrics
 * (--scrape), the machine. Each is one file behind this interface, listed once in witnesses/list.ts, and every stage
 * loops over that list: the run loop starts, ticks, marks and stops them (run/run-load.ts, run/tick-collector.ts),
 * the result builder and the merge make their sections (result/build.ts, result/merge.ts), the metric table and the
 * threshold grammar read their metrics and ask them what they can measure (gates/), the summary and the HTML report
 * print their lines, tables and charts (reporters/), and --metrics-port exports their gauges (run/metrics-endpoint.ts).
 * A witness's section, timeline field and metric names are defined in documents/<name>.ts and listed in
 * documents/witness-documents.ts (a document is defined once, in zod, floor 2); everything else about it is its file.
 *
 * Why this floor (3.5, between instruments and worker-contract): a witness reads instruments (the /proc readers), and
 * everything that loops over the list sits above it (the run's outcome carries its records). Its report parts are
 * data (lines, a table's cells, a chart's points), which the reporters render.
 */
import type { Phase, ResultConfig, RunResult, TimelineRow, WatchRole } from '../documents/result.js';

export type MetricUnit = 'us' | 'cpu-us' | 'per-second' | 'bytes-per-second' | 'count';

/** One metric of the table (gates/metric-table.ts): how it reads, compares and reduces. */
export interface MetricDef {
  unit: MetricUnit;
  better: 'lower' | 'higher';
  /** Over a step's iterations: the median (latency, rates), the worst (error counts) or the fewest (connections). */
  reduce: 'median' | 'max' | 'min';
  /** The value in one run; null where the run has no such samples (a threshold on it then fails). */
  read: (r: RunResult) => number | null;
  /** Why `read` gave null, where a run can say (a threshold that fails for want of data then says it). */
  whyNull?: (r: RunResult) => string | null;
  /** Counted events (errors, the kernel's counters): a comparison judges worst against worst, no statistical test. */
  events?: true;
}

/** The run settings that decide what can be measured: a RunConfig and a result's config alike. */
export type WitnessConfig = Pick<ResultConfig, 'mode' | 'churnEcho' | 'target' | 'watchPids' | 'scrape'>;

/** A field both of the result (the witness's section) and of each timeline row (its figures for that second). */
export type WitnessKey = keyof RunResult & keyof TimelineRow;

/** What the run tells a witness when it starts one: its settings, and its threads and processes by role. */
export interface WitnessRun {
  config: WitnessConfig;
  /** The load threads: they introduce themselves as their workers come up, so read this when sampling. */
  loadThreads: () => { pid: number; tid: number }[];
  /** The run's processes in a role (the embedded target's, --watch-pid and their children). */
  pidsOf: (role: WatchRole) => number[];
}

/** The live part: what a witness does while the run lasts. R is what the section is built from. */
export interface LiveWitness<R> {
  /** The load begins (after --start-at): readings count from here. */
  start(): void;
  /** A timeline second closes: the witness writes its field of the row. `ourCores`: the run's own CPU that second. */
  tick(row: TimelineRow, second: { ourCores: number }): void;
  /** The run enters a phase (the last is `stopping`, before the workers drain). */
  phase(phase: Phase): void;
  /** The workers are gone: the witness's last reading, and what its section is built from. */
  stop(): R;
}

/** A run with its label, as reports show several side by side. */
export interface LabelledRun {
  label: string;
  result: RunResult;
}

/** A table in the report: a heading, a header, a row per run, and what the figures cover. */
export interface WitnessTable {
  title: string;
  header: string[];
  rows: string[][];
  note?: string;
}

/** A chart on the run's time axis: one point per series and second. */
export interface WitnessChart {
  title: string;
  note: string;
  yLabel: string;
  points: { series: string; t: number; value: number }[];
}

/** A gauge on --metrics-port (`l4stress_<name>`), set from each second's row: one value, or one per label value. */
export interface WitnessGauge {
  name: string;
  help: string;
  /** The label its values are keyed by (a series name), for a gauge of several values. */
  label?: string;
  /** This second's value (or values by label); undefined when the row has none. */
  read(row: TimelineRow): number | Record<string, number> | undefined;
}

export interface Witness<K extends WitnessKey, R> {
  /** The result's section and the timeline rows' field it fills. */
  key: K;
  /** What it watches: the target (the report charts those first) or the generator's host. */
  subject: 'target' | 'host';
  live(run: WitnessRun): LiveWitness<R>;
  /** Its section of a built result, from its record and the timeline rows it wrote. */
  section(record: R, run: { timeline: TimelineRow[]; cores: number }): RunResult[K];
  /** Its section of a merged result, from each shard's (in shard order). */
  merge(shards: RunResult[K][]): RunResult[K];
  /** Its metrics by name (each also in its document's metricNames: documents/witness-documents.ts). */
  metrics: Record<string, MetricDef>;
  /** Metrics named by a prefix and a series (`scrape.<name>`): read whole from its section, unitless, median. */
  seriesMetrics?: { prefix: string; read: (section: RunResult[K]) => Record<string, number | null> };
  /** For a metric it owns: null when a run of `config` can measure it, else why not (naming what is missing). */
  measurable(metric: string, config: WitnessConfig): string | null;
  /** What its section says in words, in the result's warnings. */
  warnings(section: RunResult[K], facts: { connectP99Us: number | null }): string[];
  /** Its lines in the text summary (`kernel       ...`). */
  summary(section: NonNullable<RunResult[K]>): string[];
  /** Its table in the HTML report, over the runs that have its section; null when none has (absent: it has none). */
  table?(runs: LabelledRun[]): WitnessTable | null;
  /** Its charts in the HTML report, on the run's time axis. */
  charts(runs: LabelledRun[]): WitnessChart[];
  /** Its live figures on --metrics-port (run/metrics-endpoint.ts), each second. */
  gauges: WitnessGauge[];
}

/** A witness whose types are not spelled out: what the list and the loops hold. */
// biome-ignore lint/suspicious/noExplicitAny: each witness's section and record types differ; each file checks its own.
export type AnyWitness = Omit<Witness<any, any>, 'key'> & { key: WitnessKey };

/** The live part, with nothing to do at a moment it does not need. */
export function live<R>(parts: Partial<LiveWitness<R>> & Pick<LiveWitness<R>, 'stop'>): LiveWitness<R> {
  return { start: () => {}, tick: () => {}, phase: () => {}, ...parts };
}
