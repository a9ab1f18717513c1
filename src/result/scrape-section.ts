/** The result's scrape section: each kept series over the measured phase, from the timeline rows that hold it. */
import { SCRAPE_BOUNDS } from '../core/scrape-bounds.js';
import type { RunResult, TimelineRow } from '../documents/result.js';
import { round2 } from '../instruments/scrape-series.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';

type Scrape = NonNullable<RunResult['scrape']>;

export function buildScrape(scrape: LoadOutcome['scrape'], timeline: TimelineRow[]): Scrape | null {
  if (!scrape) return null;
  const measured = timeline.filter((row) => row.phase === 'measure' && row.scrape);
  return {
    targets: scrape.targets.map((t) => ({ ...t, failuresByBound: { ...t.failuresByBound } })),
    series: scrape.series.map((s) => {
      const values = measured.map((row) => row.scrape![s.key]).filter((v): v is number => v !== undefined);
      const last = [...timeline].reverse().find((row) => row.scrape?.[s.key] !== undefined)?.scrape?.[s.key] ?? null;
      return {
        key: s.key,
        name: s.name,
        labels: s.labels,
        kind: s.kind,
        // Each value divided first: a sum of values near the largest double would overflow to Infinity.
        mean: values.length ? round2(values.reduce((a, b) => a + b / values.length, 0)) : null,
        min: values.length ? Math.min(...values) : null,
        max: values.length ? Math.max(...values) : null,
        last,
      };
    }),
    droppedSeries: scrape.droppedSeries,
    bounds: { ...SCRAPE_BOUNDS },
  };
}

/** Thresholds name a series by its name (`scrape.haproxy_process_idle_time_percent`): series of one name add up. */
export function scrapeMetrics(scrape: RunResult['scrape']): Record<`scrape.${string}`, number | null> {
  const out: Record<string, number | null> = {};
  for (const s of scrape?.series ?? []) {
    const key = `scrape.${s.name}`;
    out[key] = s.mean === null ? (out[key] ?? null) : (out[key] ?? 0) + s.mean;
  }
  return out;
}
