/**
 * --scrape: the ingress's own metrics beside the client's view (scraper.ts fetches them once a second, bounded). Each
 * timeline row holds the newest values; the section keeps each series over the measured phase (mean, min, max, last),
 * and thresholds name a series by its name (`scrape.haproxy_process_idle_time_percent`).
 */
import { SCRAPE_BOUNDS, type ScrapeBoundName, scrapeBoundText } from '../core/scrape-bounds.js';
import { formatCount } from '../core/units.js';
import type { ProbeRecord } from '../documents/find.js';
import type { RunResult, TimelineRow } from '../documents/result.js';
import { round2, type ScrapeTargetState, type SeriesMeta } from '../instruments/scrape-series.js';
import { movingSeries } from './moving-series.js';
import { Scraper } from './scraper.js';
import { live, type ProbeColumn, type Witness, type WitnessChart } from './witness.js';

type Scrape = NonNullable<RunResult['scrape']>;
/** The URLs' tallies and the series kept (their values are in the timeline rows); null without --scrape. */
type ScrapeRecord = { targets: ScrapeTargetState[]; series: SeriesMeta[]; droppedSeries: number } | null;

export const scrapeWitness: Witness<'scrape', ScrapeRecord> = {
  key: 'scrape',
  subject: 'target',
  live: ({ config }) => {
    const scraper = config.scrape?.urls.length ? new Scraper(config.scrape.urls, config.scrape.metrics) : null;
    return live({
      start: () => scraper?.start(),
      tick: (row) => {
        if (scraper) row.scrape = { ...scraper.latest() };
      },
      phase: (phase) => {
        if (phase === 'stopping') scraper?.stop();
      },
      stop: () => {
        scraper?.stop();
        return scraper
          ? {
              targets: scraper.targets,
              series: [...scraper.tracker.series.values()],
              droppedSeries: scraper.tracker.dropped,
            }
          : null;
      },
    });
  },
  section: (record, { timeline }) => buildScrape(record, timeline),
  // Every shard scraped the one ingress: the first shard's view of it (their timelines keep each second's).
  merge: (shards) => shards[0],
  metrics: {},
  seriesMetrics: { prefix: 'scrape.', read: scrapeMetrics },
  measurable: (_metric, config) => (config.scrape?.urls.length ? null : 'a scraped series needs --scrape <url>'),
  warnings: (scrape) => scrapeWarnings(scrape),
  summary: (scrape) => scrapeLines(scrape),
  charts: scrapeCharts,
  probe: {
    // Each series' mean over the probe's measured window.
    figures: (s) =>
      s ? Object.fromEntries(s.series.flatMap((x) => (x.mean === null ? [] : [[x.key, x.mean]]))) : null,
    column: ingressColumn,
  },
  // Re-exported: the ingress's series beside the client's, one dashboard for both.
  gauges: [
    {
      name: 'ingress_value',
      help: "the ingress's scraped series (counters as rates per second)",
      label: 'series',
      read: (row) => row.scrape ?? {},
    },
  ],
};

export function buildScrape(scrape: ScrapeRecord, timeline: TimelineRow[]): Scrape | null {
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

/** --scrape that failed (gaps in the ingress's series), found nothing to keep, or kept too much. */
export function scrapeWarnings(scrape: RunResult['scrape']): string[] {
  if (!scrape) return [];
  const out: string[] = [];
  for (const t of scrape.targets) {
    if (t.failures === 0) continue;
    const byBound = Object.entries(t.failuresByBound ?? {})
      .filter(([, n]) => n > 0)
      .map(([bound, n]) => `${n} ${scrapeBoundText(bound as ScrapeBoundName)}`);
    out.push(
      `${t.failures} of ${t.scrapes} scrapes of ${t.url} failed (${byBound.length ? `${byBound.join(', ')}; ` : ''}` +
        `last: ${t.lastError}): the ingress's series have gaps; the load itself was not affected`,
    );
  }
  if (scrape.series.length === 0 && scrape.targets.some((t) => t.scrapes > t.failures))
    out.push(
      'the scraped metrics hold none of the series l4stress keeps by default (HAProxy, Envoy): choose them with ' +
        '--scrape-metric (e.g. --scrape-metric "nginx_*")',
    );
  if (scrape.droppedSeries > 0)
    out.push(
      `${scrape.droppedSeries} scraped series were left out past ${scrape.series.length}: narrow --scrape-metric`,
    );
  return out;
}

/** The ingress's own series (--scrape), one line each: the measured-phase mean and the last value. */
export function scrapeLines(scrape: Scrape, max = 12): string[] {
  const num = (v: number | null): string => (v === null ? '-' : Number.isInteger(v) ? formatCount(v) : v.toFixed(2));
  const lines = scrape.series.slice(0, max).map((s) => {
    const per = s.kind === 'counter' ? '/s' : '';
    return `ingress      ${s.key}: mean ${num(s.mean)}${per}, last ${num(s.last)}${per}`;
  });
  if (scrape.series.length > max)
    lines.push(`ingress      ... and ${scrape.series.length - max} more series (in the result)`);
  const scrapes = scrape.targets.reduce((n, t) => n + t.scrapes, 0);
  const failed = scrape.targets.reduce((n, t) => n + t.failures, 0);
  const urls = scrape.targets.map((t) => t.url).join(', ');
  lines.push(`ingress      ${formatCount(scrapes)} scrapes of ${urls}, ${formatCount(failed)} failed`);
  return lines;
}

/** The ingress's own series, on the same time axis as the load: one chart per series name (the first 8). */
function scrapeCharts(runs: { label: string; result: RunResult }[]): WitnessChart[] {
  const out: WitnessChart[] = [];
  const names = [...new Set(runs.flatMap((r) => r.result.scrape?.series.map((s) => s.name) ?? []))].slice(0, 8);
  for (const name of names) {
    const points = runs.flatMap(({ label, result }) =>
      (result.scrape?.series ?? [])
        .filter((s) => s.name === name)
        .flatMap((s) =>
          result.timeline.flatMap((row) => {
            const v = row.scrape?.[s.key];
            return v === undefined ? [] : [{ series: `${label} ${s.key}`.trim(), t: row.t, value: v }];
          }),
        ),
    );
    const counter = runs.some((r) => r.result.scrape?.series.some((s) => s.name === name && s.kind === 'counter'));
    if (points.length > 0)
      out.push({
        title: `Ingress: ${name}`,
        note: 'scraped once a second (--scrape)',
        yLabel: counter ? 'per second' : 'value',
        points,
      });
  }
  return out;
}

/** The ingress's own view per probe in find's table: the scraped series that moved most with the load. */
function ingressColumn(probes: ProbeRecord[]): ProbeColumn | null {
  const ingress = movingSeries(probes, 1)[0]?.key;
  if (ingress === undefined) return null;
  return {
    header: 'ingress',
    cell: (p) => (p.scrape?.[ingress] === undefined ? '-' : formatCount(p.scrape[ingress])),
    note: `ingress: ${ingress}, the scraped series that moved most with the load (probe means; all in the document)`,
  };
}
