/** One line of results/history/<scenario>.jsonl: a step of a scenario run, enough for a trend. */
import { z } from 'zod';
import { count } from './common.js';

export const HISTORY_SCHEMA_VERSION = 1;

export const historyLineSchema = z
  .object({
    /** Absent in lines written before the field existed: read as version 1. */
    schemaVersion: z.literal(HISTORY_SCHEMA_VERSION).optional(),
    date: z.string(),
    scenario: z.string(),
    profile: z.string().nullable(),
    step: z.string(),
    sha: z.string().nullable(),
    dirty: z.boolean().nullable(),
    host: z.string(),
    iterations: count,
    /** Each metric reduced over the iterations as thresholds reduce it (gates/metric-table.ts). */
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
    rps: z.number().nullable(),
    cps: z.number().nullable(),
    throughput: z.number().nullable().optional(),
    errors: z.number().nullable(),
    /** Every summary metric reduced the same way (CPU per operation included); absent in older lines. */
    metrics: z.record(z.string(), z.number().nullable()).optional(),
    pass: z.boolean(),
    summary: z.string().optional(),
  })
  .meta({ title: 'l4stress history line', description: 'One step of one scenario run, as results/history keeps it.' });
export type HistoryLine = z.infer<typeof historyLineSchema>;
