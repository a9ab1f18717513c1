/**
 * --scrape: the ingress's own metrics, fetched once a second while the run lasts, beside the client's view. Every
 * URL is fetched with a deadline shorter than the period and no redirect followed (only the given host); a scrape
 * that fails is counted with its reason and never touches the load. The newest values go into each timeline row.
 */
import { parsePrometheusText } from '../metrics/prometheus-text.js';
import { type ScrapeTargetState, SeriesTracker } from '../metrics/scrape-series.js';
import { fetchErrorReason } from './backend-control.js';

const PERIOD_MS = 1000;
const DEADLINE_MS = 900;

export class Scraper {
  readonly tracker: SeriesTracker;
  readonly targets: ScrapeTargetState[];
  private latestValues: Record<string, number> = {};
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;

  constructor(urls: string[], patterns: string[]) {
    this.tracker = new SeriesTracker(patterns);
    this.targets = urls.map((url) => ({ url, scrapes: 0, failures: 0, lastError: null, skippedLines: 0 }));
  }

  start(): void {
    if (this.targets.length === 0) return;
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
  }

  private async scrapeAll(): Promise<void> {
    // A slow exporter must not pile up requests: a scrape still running skips this period.
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const values: Record<string, number> = {};
      await Promise.all(this.targets.map(async (t) => Object.assign(values, await this.scrapeOne(t))));
      this.latestValues = values;
    } finally {
      this.inFlight = false;
    }
  }

  private async scrapeOne(t: ScrapeTargetState): Promise<Record<string, number>> {
    t.scrapes++;
    try {
      const res = await fetch(t.url, {
        redirect: 'error',
        signal: AbortSignal.timeout(DEADLINE_MS),
        headers: { accept: 'application/openmetrics-text;version=1.0.0, text/plain;version=0.0.4;q=0.5' },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const parsed = parsePrometheusText(await res.text());
      t.skippedLines += parsed.skipped;
      return this.tracker.update(parsed.samples, performance.now());
    } catch (err) {
      t.failures++;
      t.lastError =
        (err as Error).name === 'TimeoutError' ? `no answer within ${DEADLINE_MS} ms` : fetchErrorReason(err);
      return {};
    }
  }
}
