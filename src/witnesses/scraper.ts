/**
 * --scrape: the ingress's own metrics, fetched once a second while the run lasts, beside the client's view. Every
 * scrape is bounded (core/scrape-bounds.ts: body bytes, time, samples, line and label lengths) and read as a
 * stream (scrape-fetch.ts); no redirect is followed (only the given host). A scrape that fails, at a bound or
 * otherwise, is counted with its reason and never touches the load; a scrape still running when the next second
 * comes skips that second. The newest values go into each timeline row.
 */
import { redactCredentials } from '../core/redact.js';
import { SCRAPE_BOUND_NAMES, ScrapeBoundError } from '../core/scrape-bounds.js';
import { PromTextReader } from '../instruments/prometheus-text.js';
import { type ScrapeTargetState, SeriesTracker } from '../instruments/scrape-series.js';
import { scrapeErrorReason, scrapeUrl } from './scrape-fetch.js';

const PERIOD_MS = 1000;

export class Scraper {
  readonly tracker: SeriesTracker;
  readonly targets: ScrapeTargetState[];
  private readonly urls: URL[];
  private latestValues: Record<string, number> = {};
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  /** Aborted at stop(): a scrape still in flight then is neither a scrape nor a failure, just over. */
  private readonly stopped = new AbortController();

  constructor(urls: string[], patterns: string[]) {
    this.tracker = new SeriesTracker(patterns);
    this.urls = urls.map((u) => new URL(u));
    this.targets = urls.map((url) => ({
      url: redactCredentials(url),
      scrapes: 0,
      failures: 0,
      failuresByBound: Object.fromEntries(
        SCRAPE_BOUND_NAMES.map((b) => [b, 0]),
      ) as ScrapeTargetState['failuresByBound'],
      lastError: null,
      skippedLines: 0,
    }));
  }

  start(): void {
    if (this.targets.length === 0 || this.stopped.signal.aborted) return;
    void this.scrapeAll();
    this.timer = setInterval(() => void this.scrapeAll(), PERIOD_MS);
  }

  /** The values of the newest scrape (what the timeline row of this second shows). */
  latest(): Record<string, number> {
    return this.latestValues;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopped.abort();
  }

  private async scrapeAll(): Promise<void> {
    // A slow exporter must not pile up requests: a scrape still running skips this period.
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const values: Record<string, number> = {};
      await Promise.all(this.targets.map(async (_, i) => Object.assign(values, await this.scrapeOne(i))));
      this.latestValues = values;
    } finally {
      this.inFlight = false;
    }
  }

  private async scrapeOne(i: number): Promise<Record<string, number>> {
    const t = this.targets[i];
    const scrape = this.tracker.begin();
    const reader = new PromTextReader(scrape.offer, (name) => this.tracker.selected(name));
    try {
      await scrapeUrl(this.urls[i], (text) => reader.push(text), this.stopped.signal);
      reader.end();
      t.scrapes++;
      t.skippedLines += reader.skipped;
      return scrape.commit(performance.now());
    } catch (err) {
      if (this.stopped.signal.aborted) return {};
      t.scrapes++;
      t.failures++;
      if (err instanceof ScrapeBoundError) t.failuresByBound[err.bound]++;
      t.lastError = redactCredentials(err instanceof ScrapeBoundError ? err.message : scrapeErrorReason(err));
      return {};
    }
  }
}
