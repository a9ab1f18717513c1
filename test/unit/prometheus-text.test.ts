/**
 * The Prometheus text and OpenMetrics parser on a corpus of real exporter output: HAProxy 2.6's built-in exporter
 * (captured from the Debian package here, test/fixtures/native/haproxy-2.6-metrics.txt) and prom-client's OpenMetrics
 * (made by the library in the test), then the series selection and the counter rates.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, seriesKey } from '../../src/instruments/prometheus-text.js';
import { namePattern, SeriesTracker } from '../../src/instruments/scrape-series.js';
import { ROOT } from '../helpers/cli.js';

const haproxy = readFileSync(path.join(ROOT, 'test/fixtures/native/haproxy-2.6-metrics.txt'), 'utf8');

describe('Prometheus text', () => {
  it("reads every sample of HAProxy's exporter, with its family's type", () => {
    const { samples, skipped } = parsePrometheusText(haproxy);
    const sampleLines = haproxy.split('\n').filter((l) => l.trim() && !l.startsWith('#')).length;
    expect(skipped).toBe(0);
    expect(samples).toHaveLength(sampleLines);
    expect(samples.find((s) => s.name === 'haproxy_process_idle_time_percent')).toMatchObject({ type: 'gauge' });
    const fe = samples.find((s) => s.name === 'haproxy_frontend_current_sessions' && s.labels.proxy === 'fe');
    expect(fe).toMatchObject({ type: 'gauge', value: 0 });
    expect(samples.find((s) => s.name === 'haproxy_frontend_sessions_total')?.type).toBe('counter');
  });

  it("reads prom-client's OpenMetrics: _total samples of a counter family, escaped labels, # EOF", async () => {
    const registry = new Registry();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    new Counter({ name: 'app_conns', help: 'h', labelNames: ['kind'], registers: [registry] }).inc(
      { kind: 'a "q"\\b' },
      3,
    );
    new Gauge({ name: 'app_open', help: 'h', registers: [registry] }).set(-1.5);
    const { samples, skipped } = parsePrometheusText(await registry.metrics());
    expect(skipped).toBe(0);
    expect(samples).toEqual([
      { name: 'app_conns_total', labels: { kind: 'a "q"\\b' }, value: 3, type: 'counter' },
      { name: 'app_open', labels: {}, value: -1.5, type: 'gauge' },
    ]);
    expect(seriesKey('app_conns_total', { kind: 'a "q"\\b', a: 'x' })).toBe(
      'app_conns_total{a="x",kind="a \\"q\\"\\\\b"}',
    );
  });

  it('a line it cannot read is skipped and counted, never fatal', () => {
    const { samples, skipped } = parsePrometheusText('ok 1\nbroken{a="x" 2\nalso broken\nnan_ok NaN\n+Inf\n');
    expect(samples.map((s) => s.name)).toEqual(['ok', 'nan_ok']);
    expect(skipped).toBe(3);
  });
});

describe('series selection and rates', () => {
  it('keeps the built-in HAProxy series without --scrape-metric; a pattern selects instead', () => {
    const { samples } = parsePrometheusText(haproxy);
    const builtIn = new SeriesTracker([]);
    builtIn.update(samples, 0);
    const names = new Set([...builtIn.series.values()].map((s) => s.name));
    expect([...names]).toEqual(
      expect.arrayContaining(['haproxy_process_idle_time_percent', 'haproxy_frontend_current_sessions']),
    );
    expect(names.has('haproxy_server_uweight')).toBe(false);
    const picked = new SeriesTracker(['haproxy_server_*']);
    picked.update(samples, 0);
    expect([...picked.series.values()].every((s) => s.name.startsWith('haproxy_server_'))).toBe(true);
    expect(namePattern('a*c').test('abbc')).toBe(true);
    expect(namePattern('a.c').test('abc')).toBe(false);
  });

  it('a counter becomes a rate per second; a reset gives no rate for that second; a gauge is as read', () => {
    const t = new SeriesTracker(['x_total', 'g']);
    const at = (total: number, g: number) =>
      parsePrometheusText(`# TYPE x counter\nx_total ${total}\ng ${g}\n`).samples;
    expect(t.update(at(100, 5), 0)).toEqual({ g: 5 });
    expect(t.update(at(350, 6), 500)).toEqual({ x_total: 500, g: 6 });
    expect(t.update(at(10, 7), 1500)).toEqual({ g: 7 });
  });
});
