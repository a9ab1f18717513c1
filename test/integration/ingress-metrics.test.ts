/**
 * See inside the ingress: a real HAProxy (Debian's build has the Prometheus exporter) started by the test, loaded
 * by l4stress with --scrape on its stats frontend and --watch-pid on its process. The scraped current sessions
 * equal what l4stress holds; its idle time falls as the load rises; a bad URL is exit 2 up front; a scrape that
 * fails is counted and said, never fatal to the load.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { openReport } from '../helpers/browser.js';
import { ROOT, runCli, startCli, tempDir } from '../helpers/cli.js';
import { freePort, HAPROXY_BASE, type RunningProcess, startHaproxy, startServe } from '../helpers/processes.js';

const dir = tempDir();
let backend: RunningProcess & { port: number };
let haproxy: RunningProcess;
let front = 0;
let stats = 0;
/** The exporter behind HTTP Basic authentication (a userlist), as a scrape URL's user:password@ reaches it. */
let statsAuth = 0;
const PASSWORD = 'hap-s3cret';

beforeAll(async () => {
  backend = await startServe(['--quiet']);
  front = await freePort();
  stats = await freePort();
  statsAuth = await freePort();
  haproxy = await startHaproxy(
    `${HAPROXY_BASE}
userlist scrapers
  user prom insecure-password ${PASSWORD}

frontend stats_auth
  mode http
  bind 127.0.0.1:${statsAuth}
  http-request auth realm metrics unless { http_auth(scrapers) }
  http-request use-service prometheus-exporter if { path /metrics }

frontend stats
  mode http
  bind 127.0.0.1:${stats}
  http-request use-service prometheus-exporter if { path /metrics }

frontend fe
  bind 127.0.0.1:${front}
  default_backend be

backend be
  server s1 127.0.0.1:${backend.port}
`,
    front,
  );
});

afterAll(async () => {
  await haproxy?.stop();
  await backend?.stop();
});

async function load(name: string, args: string[]): Promise<{ code: number | null; result: RunResult }> {
  const out = path.join(dir, `${name}.json`);
  const run = await runCli([...args, '--target', `127.0.0.1:${front}`, '--out', out, '--quiet'], { timeoutMs: 90_000 });
  return { code: run.code, result: JSON.parse(readFileSync(out, 'utf8')) as RunResult };
}

const series = (r: RunResult, key: string) => r.scrape?.series.find((s) => s.key === key);

describe('--scrape HAProxy', () => {
  it('the scraped current sessions equal the 500 l4stress holds; --watch-pid samples HAProxy', async () => {
    const { code, result } = await load('hold', [
      ...['--mode', 'hold', '--conns', '500', '--duration', '3s', '--warmup', '1s'],
      ...['--scrape', `http://127.0.0.1:${stats}/metrics`, '--watch-pid', String(haproxy.child.pid)],
    ]);
    expect(code).toBe(0);
    const current = series(result, 'haproxy_frontend_current_sessions{proxy="fe"}');
    expect(current).toMatchObject({ kind: 'gauge', min: 500, max: 500 });
    expect(result.scrape!.targets[0]).toMatchObject({ failures: 0 });
    expect(result.scrape!.targets[0].scrapes).toBeGreaterThanOrEqual(4);
    // Counters become rates: new sessions per second, zero while held sessions just ping.
    expect(series(result, 'haproxy_frontend_sessions_total{proxy="fe"}')?.kind).toBe('counter');
    expect(result.timeline.some((row) => row.scrape?.['haproxy_frontend_current_sessions{proxy="fe"}'] === 500)).toBe(
      true,
    );
    const watched = result.resources.watched.find((w) => w.pid === haproxy.child.pid);
    expect(watched?.name).toBe('haproxy');
    // What 500 held sessions cost HAProxy: RSS per session over the ramp, CPU per ping in the measured phase.
    expect(typeof watched?.cost?.rssPerSessionBytes).toBe('number');
    expect(watched?.cost?.cpuUsPerRoundTrip).toBeGreaterThanOrEqual(0);
    // The HTML report, in a real browser: the ingress's series charted, the kernel and the watched cost tables.
    const html = path.join(dir, 'hold.html');
    const report = await runCli(['report', path.join(dir, 'hold.json'), '--html', html]);
    expect(report.code, report.stderr).toBe(0);
    const shots = path.join(ROOT, 'results', 'test-screenshots');
    mkdirSync(shots, { recursive: true });
    const opened = await openReport(html, path.join(shots, 'ingress-metrics.png'));
    expect(opened.consoleErrors).toEqual([]);
    const chart = opened.charts.find((c) => c.title === 'Ingress: haproxy_frontend_current_sessions');
    expect(chart?.marks).toBeGreaterThan(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<h2>Kernel<\/h2>/);
    expect(page).toMatch(/<h2>Watched processes: cost per unit of work<\/h2>/);
  });

  it("HAProxy's idle time falls as the load rises, and a threshold can name it", async () => {
    const scrape = ['--scrape', `http://127.0.0.1:${stats}/metrics`];
    const light = await load('light', ['--mode', 'hold', '--conns', '50', '--duration', '3s', ...scrape]);
    const heavy = await load('heavy', [
      ...['--conns', '100', '--duration', '3s', ...scrape],
      ...['--threshold', 'scrape.haproxy_process_idle_time_percent<99'],
    ]);
    const idle = (r: RunResult) => series(r, 'haproxy_process_idle_time_percent')!.mean!;
    expect(idle(heavy.result)).toBeLessThan(idle(light.result));
    expect(heavy.result.thresholds?.[0]).toMatchObject({ pass: true });
    expect(heavy.result.thresholds?.[0].actual).toBe(idle(heavy.result));
  });

  it("--metrics-port re-exports the scraped series beside the run's own figures, while it runs", async () => {
    const port = await freePort();
    const running = startCli([
      ...['--target', `127.0.0.1:${front}`, '--conns', '20', '--duration', '4s', '--quiet'],
      ...[
        '--scrape',
        `http://127.0.0.1:${stats}/metrics`,
        '--metrics-port',
        String(port),
        '--out',
        path.join(dir, 'm.json'),
      ],
    ]);
    let text = '';
    for (let i = 0; i < 40 && !text.includes('haproxy_process_idle_time_percent'); i++) {
      await new Promise((r) => setTimeout(r, 150));
      text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
    }
    await running.done;
    expect(text).toMatch(/^l4stress_ingress_value\{[^}]*series="haproxy_process_idle_time_percent"[^}]*\} \d/m);
    expect(text).toMatch(/^l4stress_kernel_syn_retransmits\{[^}]*\} \d/m);
  });

  it('a scrape that fails is counted and said, and the load is unaffected', async () => {
    const closed = await freePort();
    const { code, result } = await load('failing', [
      ...['--conns', '20', '--duration', '2s'],
      ...['--scrape', `http://127.0.0.1:${closed}/metrics`],
    ]);
    expect(code).toBe(0);
    expect(result.scrape!.targets[0].failures).toBe(result.scrape!.targets[0].scrapes);
    expect(result.warnings.join('\n')).toMatch(
      /scrapes of http:\/\/127\.0\.0\.1:\d+\/metrics failed \(last: ECONNREFUSED\)/,
    );
  });

  it("user:password@ reaches HAProxy's exporter as Basic auth; the password is printed nowhere", async () => {
    const good = `http://prom:${PASSWORD}@127.0.0.1:${statsAuth}/metrics`;
    const wrong = `http://prom:not-${PASSWORD}@127.0.0.1:${statsAuth}/metrics`;
    const out = path.join(dir, 'auth.json');
    const run = await runCli(
      [
        ...['--target', `127.0.0.1:${front}`, '--mode', 'hold', '--conns', '20', '--duration', '2s'],
        ...['--scrape', good, '--scrape', wrong, '--out', out],
      ],
      { timeoutMs: 60_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    const result = JSON.parse(text) as RunResult;
    const [ok, refused] = result.scrape!.targets;
    expect(ok).toMatchObject({ url: `http://prom:<redacted>@127.0.0.1:${statsAuth}/metrics`, failures: 0 });
    expect(refused.failures).toBe(refused.scrapes);
    expect(refused.lastError).toBe('HTTP 401');
    expect(series(result, 'haproxy_frontend_current_sessions{proxy="fe"}')?.max).toBe(20);
    for (const t of [text, run.stdout, run.stderr]) expect(t).not.toContain(PASSWORD);
  });

  it.each([
    [
      ['--scrape', 'ftp://127.0.0.1/metrics'],
      /--scrape: 'ftp:\/\/127\.0\.0\.1\/metrics' must be an http:\/\/ or https:\/\/ URL/,
    ],
    [['--scrape', 'not a url'], /--scrape: 'not a url' is not a URL/],
    [
      ['--scrape', 'http://u:50%zz@127.0.0.1/metrics'],
      /--scrape: 'http:\/\/u:<redacted>@127\.0\.0\.1\/metrics': the user or password is not valid percent-encoding/,
    ],
    [['--scrape-metric', 'haproxy_*'], /--scrape-metric: goes with --scrape/],
  ])('%s is exit 2 up front', async (args, message) => {
    const run = await runCli([...args, '--duration', '1s']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe("--watch-pid: the watched process's cost and its RSS over a soak", () => {
  it('a process that grows its RSS steadily is flagged by the slope; a steady one is not', async () => {
    // 1 MiB more every 250 ms, touched so it is resident: a leak of ~14 GiB an hour for the whole run (the verdict
    // needs 30 s of measured phase, its second half steady and as fast as the first), stopped at 300 MiB.
    const leaky = spawn(process.execPath, [
      '-e',
      'const a=[];const t=setInterval(()=>{a.push(Buffer.alloc(1<<20,1));if(a.length>300)clearInterval(t)},250);' +
        'setTimeout(()=>{},120000)',
    ]);
    const steady = spawn(process.execPath, ['-e', 'const b=Buffer.alloc(8<<20,1);setInterval(()=>b[0]++,100)']);
    try {
      const out = path.join(dir, 'soak.json');
      const run = await runCli(
        [
          ...['--mode', 'hold', '--conns', '20', '--duration', '34s', '--warmup', '0s'],
          ...['--watch-pid', String(leaky.pid), '--watch-pid', String(steady.pid), '--out', out, '--quiet'],
          ...['--threshold', 'watched.rssSlope<1000'],
        ],
        { timeoutMs: 90_000 },
      );
      const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
      const cost = (pid: number | undefined) => result.resources.watched.find((w) => w.pid === pid)!.cost!;
      expect(cost(leaky.pid)).toMatchObject({ leakSuspected: true });
      expect(cost(leaky.pid).rssSlopeMiBPerHour!).toBeGreaterThan(5000);
      expect(cost(steady.pid)).toMatchObject({ leakSuspected: false, rssSlopeNote: null });
      expect(Math.abs(cost(steady.pid).rssSlopeMiBPerHour!)).toBeLessThan(100);
      expect(result.warnings.join('\n')).toMatch(new RegExp(`watched process ${leaky.pid} \\(node\\) grew its RSS`));
      expect(result.warnings.join('\n')).not.toMatch(new RegExp(`watched process ${steady.pid}`));
      // The threshold on the slope fails the run: exit 5.
      expect(run.code).toBe(5);
    } finally {
      leaky.kill('SIGKILL');
      steady.kill('SIGKILL');
    }
  }, 100_000);
});
