/**
 * --scrape against hostile exporters, served by a real HTTP server in the test and scraped by the built CLI: an
 * endless body, a 50 MB body, a body that trickles, a 10 MB label, a kept series with a long label, thousands of
 * series, a counter that jumps to the largest double, a password in the URL, a port fetch() refuses. The generator's
 * RSS stays bounded, the timeline keeps its rows, the result stays small, each failure is counted by its bound's
 * name, the result is one `report` and `compare` read, and the password is nowhere.
 */

import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRAPE_BOUNDS } from '../../src/core/scrape-bounds.js';
import type { RunResult } from '../../src/documents/result.js';
import { type CliRun, runCli, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const SECRET = 's3cret-pw';
const MiB = 1024 * 1024;
/** The most /slow had open at once: a slow body must never pile up scrapes. */
let slowOpen = 0;
let slowOpenMax = 0;
let flip = false;

/** Writes `line` over and over, with backpressure, until `total` bytes (or forever) or the client leaves. */
function pour(res: http.ServerResponse, line: string, total = Number.POSITIVE_INFINITY): void {
  const chunk = Buffer.from(line.repeat(Math.ceil(65_536 / line.length)));
  let sent = 0;
  const more = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return;
    }
    if (sent >= total) res.end();
  };
  res.on('drain', more);
  more();
}

const GOOD = () => {
  flip = !flip;
  // A counter that jumps from 0 to near the largest double and back, and a gauge as large: rates and means overflow.
  return (
    '# TYPE haproxy_frontend_sessions_total counter\n' +
    `haproxy_frontend_sessions_total{proxy="fe"} ${flip ? 1.7e308 : 0}\n` +
    'haproxy_process_idle_time_percent 1.7e308\n'
  );
};

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('content-type', 'text/plain; version=0.0.4');
  switch (req.url) {
    case '/endless':
      return void pour(res, 'unkept_metric{a="b"} 1\n');
    case '/huge':
      return void pour(res, 'haproxy_frontend_current_sessions{proxy="fe"} 1\n', 50 * MiB);
    case '/slow': {
      slowOpen++;
      slowOpenMax = Math.max(slowOpenMax, slowOpen);
      res.write('haproxy_process_idle_time_percent 5\n');
      const t = setInterval(() => res.write('# still here\n'), 100);
      res.on('close', () => {
        clearInterval(t);
        slowOpen--;
      });
      return;
    }
    case '/label':
      return void res.end(`haproxy_frontend_current_sessions{proxy="${'x'.repeat(10 * MiB)}"} 1\n`);
    case '/label-kept':
      return void res.end(
        `haproxy_backend_current_queue{proxy="${'q'.repeat(SCRAPE_BOUNDS.labelValueChars + 1)}"} 1\n`,
      );
    case '/many':
      return void res.end(
        Array.from({ length: 5000 }, (_, i) => `haproxy_frontend_current_sessions{proxy="fe${i}"} ${i}\n`).join(''),
      );
    case '/auth': {
      const expected = `Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.statusCode = 401;
        return void res.end();
      }
      return void res.end(GOOD());
    }
    default:
      return void res.end(GOOD());
  }
}

let server: http.Server;
let blocked: http.Server;
let port = 0;
let blockedPort = 0;

/** Listens on the first free port of those fetch() refuses (the browsers' "bad ports"). */
async function listenOnBlockedPort(s: http.Server): Promise<number> {
  for (const p of [6000, 6665, 6666, 6667, 6668, 6669, 6697, 10080, 4045, 5060, 5061, 6566]) {
    const ok = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => resolve(true));
    });
    if (ok) return p;
  }
  throw new Error('every port fetch() blocks is taken here');
}

beforeAll(async () => {
  server = http.createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  blocked = http.createServer(handle);
  blockedPort = await listenOnBlockedPort(blocked);
});

afterAll(async () => {
  server?.closeAllConnections();
  blocked?.closeAllConnections();
  await Promise.all([server, blocked].map((s) => new Promise((r) => s?.close(r))));
});

async function scrapeRun(name: string, urls: string[]): Promise<{ run: CliRun; result: RunResult; file: string }> {
  const file = path.join(dir, `${name}.json`);
  const run = await runCli(
    [
      ...['--conns', '10', '--duration', '4s', '--warmup', '1s', '--out', file],
      ...urls.flatMap((u) => ['--scrape', u]),
    ],
    { timeoutMs: 60_000 },
  );
  return { run, result: JSON.parse(readFileSync(file, 'utf8')) as RunResult, file };
}

const target = (r: RunResult, url: string) => r.scrape!.targets.find((t) => t.url === url)!;

describe('--scrape against hostile exporters', () => {
  it('bounds body, time, samples, lines and labels: each failure counted by name, the run unharmed', async () => {
    const u = (p: string) => `http://127.0.0.1:${port}${p}`;
    const auth = `http://user:${SECRET}@127.0.0.1:${port}/auth`;
    const onBlockedPort = `http://127.0.0.1:${blockedPort}/good`;
    const bad = ['/endless', '/huge', '/slow', '/label', '/label-kept'].map(u);
    const { run, result, file } = await scrapeRun('hostile', [...bad, auth, onBlockedPort]);
    expect(run.code, run.stderr).toBe(0);

    // Bounded: the generator's RSS (an endless body took it to 1,393 MiB), the result's size (a 10 MB label made
    // 31 MB), and the timeline kept a row for every measured second (a 50 MB body lost them).
    const maxRss = Math.max(...result.timeline.map((row) => row.rssBytes));
    expect(maxRss).toBeLessThan(300 * MiB);
    expect(statSync(file).size).toBeLessThan(1 * MiB);
    expect(result.timeline.filter((row) => row.phase === 'measure').length).toBeGreaterThanOrEqual(3);

    const byBound = (p: string) => target(result, u(p)).failuresByBound!;
    const failedAll = (p: string) => {
      const t = target(result, u(p));
      expect(t.scrapes, p).toBeGreaterThanOrEqual(3);
      expect(t.failures, p).toBe(t.scrapes);
      return t.failures;
    };
    expect(byBound('/endless').bodyBytes).toBe(failedAll('/endless'));
    expect(byBound('/huge').samples).toBe(failedAll('/huge'));
    expect(byBound('/slow').timeMs).toBe(failedAll('/slow'));
    expect(byBound('/label').lineChars).toBe(failedAll('/label'));
    expect(byBound('/label-kept').labelValueChars).toBe(failedAll('/label-kept'));
    expect(slowOpenMax).toBe(1);
    const warnings = result.warnings.join('\n');
    expect(warnings).toContain(`scrapes of ${u('/endless')} failed (`);
    expect(warnings).toMatch(/\d+ body over 8 MiB/);
    expect(warnings).toMatch(/\d+ not done within 900 ms/);
    expect(warnings).toMatch(/\d+ over 10,000 samples of selected series/);
    expect(result.scrape!.bounds).toEqual(SCRAPE_BOUNDS);

    // The password: sent as Basic auth (the scrapes succeeded), never written or printed.
    const redacted = `http://user:<redacted>@127.0.0.1:${port}/auth`;
    expect(target(result, redacted)).toMatchObject({ failures: 0 });
    expect(target(result, onBlockedPort)).toMatchObject({ failures: 0 });
    expect(result.config.scrape!.urls).toContain(redacted);
    const html = path.join(dir, 'hostile.html');
    const report = await runCli(['report', file, '--html', html]);
    expect(report.code, report.stderr).toBe(0);
    for (const text of [readFileSync(file, 'utf8'), run.stdout, run.stderr, readFileSync(html, 'utf8')])
      expect(text).not.toContain(SECRET);

    // Numbers: a counter near the largest double is a finite rate (or none); its own readers take the result.
    expect(run.stdout).not.toMatch(/Infinity|NaN/);
    const rates = result.timeline.flatMap((row) => Object.values(row.scrape ?? {}));
    expect(rates.every(Number.isFinite)).toBe(true);
    const idle = result.scrape!.series.find((s) => s.name === 'haproxy_process_idle_time_percent')!;
    expect(idle.mean).toBeCloseTo(1.7e308, -300);
    const compare = await runCli(['compare', file, file]);
    expect(compare.code, compare.stderr).toBe(0);
  });

  it('thousands of series: the first 200 kept, the rest left out and counted, the scrape not failed', async () => {
    const url = `http://127.0.0.1:${port}/many`;
    const { run, result } = await scrapeRun('many', [url]);
    expect(run.code, run.stderr).toBe(0);
    expect(target(result, url).failures).toBe(0);
    expect(result.scrape!.series).toHaveLength(SCRAPE_BOUNDS.series);
    expect(result.scrape!.droppedSeries).toBe(5000 - SCRAPE_BOUNDS.series);
    expect(result.warnings.join('\n')).toContain('4800 scraped series were left out past 200');
  });
});
