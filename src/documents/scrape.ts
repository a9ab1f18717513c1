/**
 * --scrape as a witness (witnesses/scrape.ts keeps it): the ingress's own series, read from its Prometheus or
 * OpenMetrics endpoint each second while the run lasts. Its section and its timeline field.
 */
import { z } from 'zod';
import { count } from './common.js';

const nullableNumber = z.number().nullable();

/** The bounds a scrape is held to (core/scrape-bounds.ts); a failure past one is counted under its name. */
const scrapeBoundsSchema = z.object({
  bodyBytes: count,
  timeMs: count,
  samples: count,
  lineChars: count,
  labelValueChars: count,
  seriesKeyChars: count,
  series: count,
});

/**
 * Each URL's scrapes and failures, and each kept series (gauges as read, counters as rates per second) over the
 * measured phase: its mean, min, max and the last value.
 */
export const scrapeSectionSchema = z.object({
  targets: z.array(
    z.object({
      url: z.string(),
      scrapes: count,
      failures: count,
      /** Failures by the bound they hit (core/scrape-bounds.ts); absent in older results. */
      failuresByBound: scrapeBoundsSchema
        .pick({ bodyBytes: true, timeMs: true, samples: true, lineChars: true, labelValueChars: true })
        .optional(),
      lastError: z.string().nullable(),
      skippedLines: count,
    }),
  ),
  series: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      labels: z.record(z.string(), z.string()),
      kind: z.enum(['counter', 'gauge']),
      mean: nullableNumber,
      min: nullableNumber,
      max: nullableNumber,
      last: nullableNumber,
    }),
  ),
  /** Series left out past the cap (bounds.series): the most any one scrape left out. */
  droppedSeries: count,
  /** The bounds every scrape was held to (core/scrape-bounds.ts); absent in older results. */
  bounds: scrapeBoundsSchema.optional(),
});

/** The ingress's series at the newest scrape (gauges as read, counters per second), by series key. */
export const scrapeSampleSchema = z.record(z.string(), z.number());

/** Its document parts (witness-documents.ts lists them). Its metrics are by series (`scrape.<name>`), not named. */
export const scrapeDocument = {
  /** Absent without --scrape (and in older results); null where no scrape was kept. */
  section: scrapeSectionSchema.nullable().optional(),
  sample: scrapeSampleSchema.optional(),
  metricNames: [] as const,
};
