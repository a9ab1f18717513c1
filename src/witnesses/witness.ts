/**
 * A witness is what watches the run beside the load: the run's own processes (CPU, RSS, cost per unit of work), the
 * kernel's TCP counters, the ingress's own metrics (--scrape), the machine. Each is one file behind this interface,
 * listed once in witnesses/list.ts, and every stage loops over that list: the run loop starts, ticks, marks and stops
 * them (run/run-load.ts, run/tick-collector.ts),
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
import type { ProbeRecord } from '../documents/find.js';
import type { Phase, ResultConfig, RunResult, TimelineRow, WatchRole } from '../documents/result.js';
import type { LoadCounters } from '../instruments/counters.js';

/** percent: of a whole (--udp loss), 0..100. */
export type MetricUnit = 'us' | 'cpu-us' | 'per-second' | 'bytes-per-second' | 'count' | 'percent';

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
export type WitnessConfig = Pick<ResultConfig, 'mode' | 'churnEcho' | 'target' | 'watchPids' | 'scrape' | 'transport'>;

/** A field both of the result (the witness's section) and of each timeline row (its figures for that second). */
export type TopKey = keyof RunResult & keyof TimelineRow;
/** A field both of the result's `resources` (the run's own processes) and of each timeline row. */
export type ResourcesKey = keyof RunResult['resources'] & keyof TimelineRow;
export type WitnessKey = TopKey | ResourcesKey;

/** A witness's section type: a field of the result, or of its `resources` (a witness with `nested: 'resources'`). */
export type SectionOf<K extends WitnessKey> = K extends TopKey
  ? RunResult[K]
  : K extends ResourcesKey
    ? RunResult['resources'][K]
    : never;

/** The moments the run marks beside its phases: every worker up, the ramp done, the measured phase's two ends. */
export type RunMoment = 'ready' | 'ramped' | 'measure-start' | 'measure-end';

/** What the run tells a witness when it starts one: its settings, and its threads and processes by role. */
export interface WitnessRun {
  config: WitnessConfig;
  /** The load threads: they introduce themselves as their workers come up, so read this when sampling. */
  loadThreads: () => { pid: number; tid: number }[];
  /** The run's processes in a role (the embedded target's, --watch-pid and their children). */
  pidsOf: (role: WatchRole) => number[];
  /** Every process of the run besides this one, in order: the generator's children, the target's, the watched. */
  processes: { pid: number; role: WatchRole }[];
}

/** The live part: what a witness does while the run lasts. R is what the section is built from. */
export interface LiveWitness<R> {
  /** The load begins (after --start-at): readings count from here. */
  start(): void;
  /**
   * A timeline second closes: the witness writes its field of the row. `ourCores`: the run's own CPU that second,
   * the generator's and the watched processes' its witness wrote in this row (listed first, so it wrote already).
   */
  tick(row: TimelineRow, second: { ourCores: number }): void;
  /** The run enters a phase (the last is `stopping`, before the workers drain). */
  phase(phase: Phase): void;
  /**
   * A moment the run marks (a moment may not come: a run that never measured has no `measure-start`): every worker
   * up with its heap collected, the ramp done (heaps collected again), the measured phase's start and end.
   */
  moment(moment: RunMoment): void;
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

/** What the result builder hands a witness to build its section from, beside its record. */
export interface BuiltRun {
  timeline: TimelineRow[];
  cores: number;
  /** The run's counters (whole run, and the measured phase's `measured*`). */
  totals: LoadCounters;
  /** Round trips in the measured phase. */
  measuredRoundTrips: number;
  /** The mode holds its sessions (echo, hold, stream) rather than cycling them (connect). */
  longLived: boolean;
}

/** A column of find's probe table (reporters/find-text.ts): its header, each probe's cell, a line under the table. */
export interface ProbeColumn {
  header: string;
  cell(p: ProbeRecord): string;
  note?: string;
}

/** The find document's figure of a witness in each probe: the probe field of its key (none: no figure). */
export type ProbeFigure<K extends WitnessKey> = K extends keyof ProbeRecord ? ProbeRecord[K] : never;

/**
 * A witness. Where its section sits follows from its key: a field of the result (no `nested`), or of its `resources`
 * (the run's own processes: `nested: 'resources'`, which the compiler then asks for).
 */
export type Witness<K extends WitnessKey, R> = WitnessParts<K, R> &
  (K extends TopKey ? { nested?: undefined } : { nested: 'resources' });

interface WitnessParts<K extends WitnessKey, R> {
  /** The result's section and the timeline rows' field it fills. */
  key: K;
  /**
   * What it watches: the run's own processes (the report charts them first, beside the load's charts, and closes its
   * witness tables with theirs), the target (charted next), or the generator's host.
   */
  subject: 'target' | 'host' | 'process';
  live(run: WitnessRun): LiveWitness<R>;
  /** Its section of a built result, from its record, the timeline rows it wrote and the builder's totals. */
  section(record: R, run: BuiltRun): SectionOf<K>;
  /** Its section of a merged result, from each shard's (in shard order). */
  merge(shards: SectionOf<K>[]): SectionOf<K>;
  /** Its metrics by name (each also in its document's metricNames: documents/witness-documents.ts). */
  metrics: Record<string, MetricDef>;
  /** Metrics named by a prefix and a series (`scrape.<name>`): read whole from its section, unitless, median. */
  seriesMetrics?: { prefix: string; read: (section: SectionOf<K>) => Record<string, number | null> };
  /** For a metric it owns: null when a run of `config` can measure it, else why not (naming what is missing). */
  measurable(metric: string, config: WitnessConfig): string | null;
  /** What its section says in words, in the result's warnings. */
  warnings(section: SectionOf<K>, facts: { connectP99Us: number | null; config: WitnessConfig }): string[];
  /** Its lines in the text summary (`kernel       ...`); `config` is the run's (its transport words them). */
  summary(section: NonNullable<SectionOf<K>>, config: WitnessConfig): string[];
  /** Its table in the HTML report, over the runs that have its section; null when none has (absent: it has none). */
  table?(runs: LabelledRun[]): WitnessTable | null;
  /** Its charts in the HTML report, on the run's time axis. */
  charts(runs: LabelledRun[]): WitnessChart[];
  /** Its live figures on --metrics-port (run/metrics-endpoint.ts), each second. */
  gauges: WitnessGauge[];
  /**
   * Its view of each probe of a capacity search (find/probe.ts): a few figures from its section, kept in the find
   * document's probe under its key (documents/find.ts's probeSchema), and its column of find's probe table from the
   * probes (null: no column for these). Absent: a witness with no per-probe figure.
   */
  probe?: {
    figures(section: SectionOf<K>): ProbeFigure<K>;
    column?(probes: ProbeRecord[]): ProbeColumn | null;
  };
}

/** A witness whose types are not spelled out: what the list and the loops hold. */
// biome-ignore lint/suspicious/noExplicitAny: each witness's section and record types differ; each file checks its own.
export type AnyWitness = Omit<Witness<any, any>, 'key'> & { key: WitnessKey };

/** The live part, with nothing to do at a moment it does not need. */
export function live<R>(parts: Partial<LiveWitness<R>> & Pick<LiveWitness<R>, 'stop'>): LiveWitness<R> {
  return { start: () => {}, tick: () => {}, phase: () => {}, moment: () => {}, ...parts };
}

/** A witness's section of a result, where it sits (a field of the result, or of its resources). */
export function sectionOf(w: AnyWitness, r: RunResult): unknown {
  return w.nested === 'resources'
    ? (r.resources as Record<string, unknown>)[w.key]
    : (r as unknown as Record<string, unknown>)[w.key];
}
