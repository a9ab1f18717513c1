/**
 * Which of an exporter's series a run keeps, and each one's value per scrape: a gauge as read, a counter as a rate
 * per second between two scrapes (a counter that went backwards, a restart, gives no rate for that second).
 * Without --scrape-metric, the built-in selections for HAProxy's exporter and Envoy's /stats/prometheus keep what an
 * ingress is tuned by: sessions, session and connection rates, the queue, denials, errors, retries, bytes, idle time.
 */
import { SCRAPE_BOUNDS, ScrapeBoundError, type ScrapeBoundName } from '../core/scrape-bounds.js';
import type { PromSample } from './prometheus-text.js';
import { seriesKey } from './prometheus-text.js';

/** Series names kept without --scrape-metric, by exporter. */
export const BUILT_IN_SELECTIONS = {
  haproxy: [
    'haproxy_process_idle_time_percent',
    'haproxy_process_current_connections',
    'haproxy_frontend_current_sessions',
    'haproxy_frontend_sessions_total',
    'haproxy_frontend_connections_total',
    'haproxy_frontend_denied_connections_total',
    'haproxy_frontend_denied_sessions_total',
    'haproxy_frontend_bytes_in_total',
    'haproxy_frontend_bytes_out_total',
    'haproxy_backend_current_sessions',
    'haproxy_backend_current_queue',
    'haproxy_backend_connection_errors_total',
    'haproxy_backend_retry_warnings_total',
  ],
  envoy: [
    'envoy_listener_downstream_cx_active',
    'envoy_listener_downstream_cx_total',
    'envoy_listener_downstream_cx_overflow',
    'envoy_cluster_upstream_cx_active',
    'envoy_cluster_upstream_cx_total',
    'envoy_cluster_upstream_cx_overflow',
    'envoy_cluster_upstream_cx_connect_fail',
    'envoy_cluster_upstream_cx_connect_timeout',
  ],
} as const;
const BUILT_IN = new Set<string>(Object.values(BUILT_IN_SELECTIONS).flat());

/** At most this many series per run: an exporter with thousands must not grow a result without bound. */
export const MAX_SERIES = SCRAPE_BOUNDS.series;

/** One --scrape URL's tally over a run. */
export interface ScrapeTargetState {
  /** The URL as given, its password redacted (core/redact.ts). */
  url: string;
  scrapes: number;
  failures: number;
  /** Failures by the bound they hit (core/scrape-bounds.ts); the rest failed for other reasons (refused, HTTP). */
  failuresByBound: Record<ScrapeBoundName, number>;
  lastError: string | null;
  /** Lines of the exposition that could not be read (all scrapes). */
  skippedLines: number;
}

export interface SeriesMeta {
  key: string;
  name: string;
  labels: Record<string, string>;
  /** counter: kept as a rate per second; gauge: as read. */
  kind: 'counter' | 'gauge';
}

/** `haproxy_frontend_*`: a name pattern with `*` for any run of characters. */
export function namePattern(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`);
}

/** Two decimals, and never an overflow: a value too large for cents is already whole. */
export function round2(v: number): number {
  return Math.abs(v) >= 1e15 ? v : Math.round(v * 100) / 100;
}

/** One scrape under way: its samples offered one by one, then committed, or dropped if the scrape failed. */
export interface PendingScrape {
  /** A sample of a selected series; throws ScrapeBoundError for a key past its bound. */
  offer(s: PromSample): void;
  /** The scrape ended well: the kept series' values now (a counter's first scrape gives no rate yet). */
  commit(atMs: number): Record<string, number>;
}

/**
 * The kept series and their values. Each scrape is staged apart (URLs are scraped at once) and committed only when
 * it ended well: a scrape that failed part-way leaves nothing behind, and what one scrape holds is bounded by
 * MAX_SERIES whatever the exporter writes.
 */
export class SeriesTracker {
  readonly series = new Map<string, SeriesMeta>();
  /** Series left out because MAX_SERIES were already kept: the most any one scrape left out. */
  dropped = 0;
  private readonly last = new Map<string, { value: number; atMs: number }>();
  private readonly patterns: RegExp[];

  constructor(patterns: string[]) {
    this.patterns = patterns.map(namePattern);
  }

  /** Whether a series of this name is kept (--scrape-metric, else the built-in selections). */
  selected(name: string): boolean {
    return this.patterns.length > 0 ? this.patterns.some((p) => p.test(name)) : BUILT_IN.has(name);
  }

  begin(): PendingScrape {
    const pending = new Map<string, { value: number; meta: SeriesMeta }>();
    let dropped = 0;
    let fresh = 0;
    return {
      offer: (s) => {
        if (!this.selected(s.name) || !Number.isFinite(s.value)) return;
        const key = seriesKey(s.name, s.labels);
        if (key.length > SCRAPE_BOUNDS.seriesKeyChars) throw new ScrapeBoundError('labelValueChars');
        const known = this.series.get(key) ?? pending.get(key)?.meta;
        if (!known && this.series.size + fresh >= MAX_SERIES) {
          dropped++;
          return;
        }
        if (!known) fresh++;
        const kind = known?.kind ?? (s.type === 'counter' || s.name.endsWith('_total') ? 'counter' : 'gauge');
        pending.set(key, { value: s.value, meta: known ?? { key, name: s.name, labels: s.labels, kind } });
      },
      commit: (atMs) => {
        const out: Record<string, number> = {};
        for (const [key, { value, meta }] of pending) {
          if (!this.series.has(key)) {
            // Another URL's scrape may have filled the last places since this one began.
            if (this.series.size >= MAX_SERIES) {
              dropped++;
              continue;
            }
            this.series.set(key, meta);
          }
          const v = this.valueNow(key, meta, value, atMs);
          if (v !== null) out[key] = v;
        }
        this.dropped = Math.max(this.dropped, dropped);
        return out;
      },
    };
  }

  /** One scrape's samples at once (tests): offered, then committed. */
  update(samples: PromSample[], atMs: number): Record<string, number> {
    const scrape = this.begin();
    for (const s of samples) scrape.offer(s);
    return scrape.commit(atMs);
  }

  /** A gauge as read; a counter as its rate since the last scrape, or null (first scrape, reset, overflow). */
  private valueNow(key: string, meta: SeriesMeta, value: number, atMs: number): number | null {
    if (meta.kind === 'gauge') return value;
    const prev = this.last.get(key);
    this.last.set(key, { value, atMs });
    if (!prev || atMs <= prev.atMs || value < prev.value) return null;
    // Divided before it is scaled: a counter near the largest double still gives a finite rate, or none.
    const rate = round2(((value - prev.value) / (atMs - prev.atMs)) * 1000);
    return Number.isFinite(rate) ? rate : null;
  }
}
