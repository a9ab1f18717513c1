/**
 * The scenario summary: one document per scenario run, each step's iterations reduced to the metrics gates and
 * comparisons read, the threshold verdicts, and where each full result lies. A baseline is a saved summary.
 */

import { z } from 'zod';
import { count, gitInfoSchema } from './common.js';
import { machineSectionSchema } from './machine.js';
import { WITNESS_METRIC_NAMES, type WitnessMetricName } from './witness-documents.js';

export const SUMMARY_KIND = 'l4stress-scenario-summary';
export const SUMMARY_SCHEMA_VERSION = 1;

/**
 * The metrics a summary records per iteration, by name. What each means (unit, direction, reduction, how it is read
 * from a result) is defined once, in gates/metric-table.ts, which must cover every name here.
 */
const BASE_METRIC_NAMES = [
  'p50',
  'p90',
  'p95',
  'p99',
  'p99.9',
  'max',
  'mean',
  'connect.p50',
  'connect.p95',
  'connect.p99',
  'rps',
  'cps',
  'throughput',
  'throughput.up',
  'throughput.down',
  'errors',
  'failed',
  'dropped',
  'established',
  'opened',
  'unserved',
  'target',
  'held',
  'cpu.op',
  'target.cpu.op',
  'watched.rssSlope',
  'capacity',
  'loss',
  'reorder',
  'duplicates',
  'silent',
  'jitter',
] as const;
export type MetricName = (typeof BASE_METRIC_NAMES)[number] | WitnessMetricName;
/** The table's own metrics, then each witness's (documents/witness-documents.ts). */
export const METRIC_NAMES: readonly MetricName[] = [...BASE_METRIC_NAMES, ...WITNESS_METRIC_NAMES];
/** A scraped series by name (--scrape): its measured-phase mean, series of one name added up. */
export type ScrapeMetricName = `scrape.${string}`;

/** One run's metrics; null where the run has no such samples (p95 of a stream, cps of an echo). */
export type StepMetrics = Record<MetricName, number | null> & Record<ScrapeMetricName, number | null>;

/** Metrics added after summaries were first written: absent in older summaries and baselines, read as null. */
const LATER_METRICS = new Set<MetricName>([
  'cpu.op',
  'target.cpu.op',
  'throughput.up',
  'throughput.down',
  'watched.rssSlope',
  'opened',
  'unserved',
  'capacity',
  'loss',
  'reorder',
  'duplicates',
  'silent',
  'jitter',
  ...WITNESS_METRIC_NAMES,
]);

const stepMetricsSchema = z
  .object(
    Object.fromEntries(
      METRIC_NAMES.map((name) => [
        name,
        LATER_METRICS.has(name) ? z.number().nullable().default(null) : z.number().nullable(),
      ]),
    ) as Record<MetricName, z.ZodNullable<z.ZodNumber>>,
    // The scraped series a run kept (scrape.NAME), beside the table's metrics.
  )
  .catchall(z.number().nullable());

export const thresholdVerdictSchema = z.object({
  threshold: z.string(),
  pass: z.boolean(),
  /** The value judged (after reducing the iterations), or null without samples. */
  actual: z.number().nullable(),
  reason: z.string(),
});
export type ThresholdVerdict = z.infer<typeof thresholdVerdictSchema>;

export const iterationSchema = z.object({
  resultFile: z.string(),
  status: z.string(),
  metrics: stepMetricsSchema,
  maxRssBytes: count,
  cpuPercentMax: z.number(),
  /** The machine over the iteration's measured window (witnesses/machine.ts); absent in older summaries. */
  machine: machineSectionSchema.optional(),
});

export const stepSummarySchema = z.object({
  baseName: z.string(),
  options: z.record(z.string(), z.unknown()),
  iterations: z.array(iterationSchema),
  thresholds: z.array(thresholdVerdictSchema),
  pass: z.boolean(),
});
export type StepSummary = z.infer<typeof stepSummarySchema>;

export const scenarioSummarySchema = z
  .object({
    kind: z.literal(SUMMARY_KIND),
    schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
    scenario: z.string().regex(/^[A-Za-z0-9._-]{1,60}$/),
    file: z.string(),
    profile: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string(),
    git: gitInfoSchema.nullable(),
    environment: z.object({ hostname: z.string(), cpuModel: z.string(), cores: count, kernel: z.string() }),
    /** netperf TCP_RR p50 of the host's hardware profile, for normalized comparisons; null without one. */
    tcpRrP50Us: z.number().nullable(),
    steps: z.record(z.string(), stepSummarySchema),
    pass: z.boolean(),
  })
  .meta({
    title: 'l4stress scenario summary',
    description: 'A scenario run (or a baseline): steps, iterations, verdicts.',
  });
export type ScenarioSummary = z.infer<typeof scenarioSummarySchema>;
