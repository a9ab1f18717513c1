/** --metrics-port: scraped as Prometheus would while a run is going, it shows the current rate and phase. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startCli } from '../helpers/cli.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function value(text: string, name: string): number | null {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

describe('--metrics-port', () => {
  it('serves OpenMetrics with the live rate while the run lasts, and stops with it', async () => {
    const port = await freePort();
    const run = startCli(['-c', '20', '-d', '5s', '--warmup', '1s', '--quiet', '--metrics-port', String(port)], {
      timeoutMs: 60_000,
    });
    let scraped: { type: string; text: string } | null = null;
    // Bounded: at most 20 s of scrapes, every 250 ms, until a second of the measured phase shows up.
    for (let i = 0; i < 80 && !scraped; i++) {
      await new Promise((r) => setTimeout(r, 250));
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const text = await res.text();
        if (value(text, 'l4stress_phase\\{[^}]*phase="measure"[^}]*\\}') === 1)
          scraped = { type: res.headers.get('content-type') ?? '', text };
      } catch {
        // not listening yet
      }
    }
    expect(scraped, 'no scrape during the measured phase').not.toBeNull();
    const { type, text } = scraped!;
    expect(type).toMatch(/^application\/openmetrics-text/);
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
    expect(value(text, 'l4stress_round_trips_per_second')).toBeGreaterThan(100);
    expect(value(text, 'l4stress_open_connections')).toBe(20);
    expect(value(text, 'l4stress_target_connections')).toBe(20);
    expect(value(text, 'l4stress_round_trips_total')).toBeGreaterThan(100);
    expect(text).toMatch(/l4stress_round_trip_latency_seconds\{[^}]*quantile="0.99"[^}]*\} \d/);
    expect(text).toMatch(/scenario="echo-[^"]+"/);
    // The Grafana dashboard in the repo asks only for metrics the endpoint serves.
    const dashboard = readFileSync(path.join(ROOT, 'deploy/grafana/l4stress-live.json'), 'utf8');
    const asked = new Set([...dashboard.matchAll(/l4stress_[a-z_]+/g)].map((m) => m[0]));
    expect(asked.size).toBeGreaterThan(8);
    for (const name of asked) expect(text, name).toMatch(new RegExp(`^${name}(\\{| )`, 'm'));
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  }, 60_000);

  it('--udp: the datagrams so far as counters, and the silent flows', async () => {
    const port = await freePort();
    const run = startCli(['--udp', '-c', '4', '-d', '3s', '--quiet', '--metrics-port', String(port)], {
      timeoutMs: 60_000,
    });
    let text = '';
    // Bounded: at most 20 s of scrapes, every 250 ms, until datagrams have come back.
    for (let i = 0; i < 80 && !((value(text, 'l4stress_datagrams_received_total') ?? 0) > 100); i++) {
      await new Promise((r) => setTimeout(r, 250));
      try {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      } catch {
        // not listening yet
      }
    }
    expect(value(text, 'l4stress_datagrams_received_total')).toBeGreaterThan(100);
    expect(value(text, 'l4stress_datagrams_sent_total')).toBeGreaterThanOrEqual(
      value(text, 'l4stress_datagrams_received_total')!,
    );
    expect(value(text, 'l4stress_datagrams_lost_total')).toBe(0);
    expect(value(text, 'l4stress_silent_flows')).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
  }, 60_000);

  it('a port already taken is a clear error before any load (exit 3)', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await startCli(['-c', '5', '-d', '1s', '--metrics-port', String(port)]).done;
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`--metrics-port ${port}: cannot listen on 127.0.0.1 \\(EADDRINUSE\\)`));
    } finally {
      busy.close();
    }
  });
});
