/**
 * Which of an exporter's series a run keeps, and each one's value per scrape: a gauge as read, a counter as a rate
 * per second between two scrapes (a counter that went backwards, a restart, gives no rate for that second).
 * Without --scrape-metric, the built-in selections for HAProxy's exporter and Envoy's /stats/prometheus keep what an
 * ingress is tuned by: sessions, session and connection rates, the queue, denials, errors, retries, bytes, idle time.
 */
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
export const MAX_SERIES = 200;

/** One --scrape URL's tally over a run. */
export interface ScrapeTargetState {
  url: string;
  scrapes: number;
  failures: number;
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

export class SeriesTracker {
  readonly series = new Map<string, SeriesMeta>();
  /** Series left out because MAX_SERIES were already kept. */
  dropped = 0;
  private readonly last = new Map<string, { value: number; atMs: number }>();
  private readonly patterns: RegExp[];

  constructor(patterns: string[]) {
    this.patterns = patterns.map(namePattern);
  }

  private selected(name: string): boolean {
    return this.patterns.length > 0 ? this.patterns.some((p) => p.test(name)) : BUILT_IN.has(name);
  }

  /** One scrape's samples: the kept series' values now (a counter's first scrape gives no rate yet). */
  update(samples: PromSample[], atMs: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of samples) {
      if (!this.selected(s.name) || !Number.isFinite(s.value)) continue;
      const key = seriesKey(s.name, s.labels);
      let meta = this.series.get(key);
      if (!meta) {
        if (this.series.size >= MAX_SERIES) {
          this.dropped++;
          continue;
        }
        const kind = s.type === 'counter' || s.name.endsWith('_total') ? 'counter' : 'gauge';
        meta = { key, name: s.name, labels: s.labels, kind };
        this.series.set(key, meta);
      }
      if (meta.kind === 'gauge') {
        out[key] = s.value;
        continue;
      }
      const prev = this.last.get(key);
      this.last.set(key, { value: s.value, atMs });
      if (prev && atMs > prev.atMs && s.value >= prev.value)
        out[key] = Math.round(((s.value - prev.value) * 1000 * 100) / (atMs - prev.atMs)) / 100;
    }
    return out;
  }
}
