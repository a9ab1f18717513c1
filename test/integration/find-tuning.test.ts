/**
 * A tuning session against a real HAProxy (issue 30): `find --scrape` carries the ingress's own view per probe into
 * the table, the document and the HTML (checked in Chromium: `haproxy_frontend_current_sessions` pinned at
 * maxconn); a scenario find step whose `expect` fails exits 5; two scenario summaries with find steps (maxconn 200,
 * then 400) are compared by the searches' own rule (capacity, bracket, precision, whose limit: "improved", and the
 * other way round "regressed", exit 5) and reported with the step's two searches on the same charts.
 * Probes are short (1 s warm-up + 1 s window) and searches start near the limit, so each takes under a minute here.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindDocument } from '../../src/documents/find.js';
import type { ScenarioSummary } from '../../src/documents/summary.js';
import { CHROMIUM, openReport } from '../helpers/browser.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { freePort, HAPROXY_BASE, type RunningProcess, startHaproxy, startServe } from '../helpers/processes.js';

const dir = tempDir('l4stress-find-tuning-');
const SHORT = ['--warmup', '1s', '--window', '1s', '--echo-timeout', '1s', '--max-time', '3m'];
const SESSIONS = 'haproxy_frontend_current_sessions{proxy="fe"}';
let backend: RunningProcess;

/** HAProxy with a Prometheus stats frontend, `fe` capped at `maxconn` before the backend. */
async function haproxy(maxconn: number): Promise<{ proc: RunningProcess; port: number; metrics: string }> {
  const [port, stats] = [await freePort(), await freePort()];
  const cfg = `${HAPROXY_BASE}
frontend stats
  mode http
  bind 127.0.0.1:${stats}
  http-request use-service prometheus-exporter if { path /metrics }
frontend fe
  bind 127.0.0.1:${port}
  maxconn ${maxconn}
  default_backend be
backend be
  server s1 127.0.0.1:${backend.port}
`;
  return { proc: await startHaproxy(cfg, port), port, metrics: `http://127.0.0.1:${stats}/metrics` };
}

beforeAll(async () => {
  backend = await startServe(['--quiet']);
});
afterAll(async () => {
  await backend.stop();
});

describe('a tuning session against HAProxy', { timeout: 300_000 }, () => {
  it("find --scrape: the ingress's view per probe in the table, the document and the HTML (Chromium)", async () => {
    const door = await haproxy(320);
    const out = path.join(dir, 'maxconn-320.find.json');
    try {
      const run = await runCli(
        [
          'find',
          ...['--vary', 'conns', '--slo', 'opened==target', '--from', '160', ...SHORT],
          ...['--target', `127.0.0.1:${door.port}`, '--scrape', door.metrics, '--out', out, '--report', 'html'],
        ],
        { timeoutMs: 240_000 },
      );
      expect(existsSync(out), run.stderr).toBe(true);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as FindDocument;
      expect(doc.answer, doc.answer.text).toMatchObject({ end: 'found', capacity: 320, limitOf: 'target' });
      // Every probe past maxconn: HAProxy's own gauge pinned at 320 while more was asked.
      const past = doc.probes.filter((p) => p.load > 320);
      expect(past.length).toBeGreaterThan(0);
      for (const p of past) expect(p.scrape?.[SESSIONS], `probe ${p.index}`).toBeCloseTo(320, -1);
      // The text table's ingress column and its legend name the series.
      expect(run.stdout).toMatch(/ingress\s+verdict/);
      expect(run.stdout).toContain(`ingress: ${SESSIONS}, the scraped series that moved most with the load`);
      // The HTML: the ingress's chart drawn, and the series a column of the probe table (the same one).
      const html = out.replace(/\.json$/, '.html');
      const page = readFileSync(html, 'utf8');
      expect(page).toContain("The ingress's view against load");
      expect(page).toContain(`<th>${SESSIONS.replace(/"/g, '&quot;')}</th>`);
      if (!CHROMIUM) throw new Error('no Chromium: native-tools/install.sh installs it');
      const opened = await openReport(html, path.join(dir, 'find-scrape.png'));
      expect([opened.consoleErrors, opened.pageErrors, opened.requests]).toEqual([[], [], []]);
      const chart = opened.charts.find((c) => c.title === "The ingress's view against load");
      expect(chart?.marks, 'dots and a line').toBeGreaterThanOrEqual(doc.probes.length);
    } finally {
      await door.proc.stop();
    }
  });

  it('scenario find steps before and after (maxconn 200, then 400): expect exit 5, compared and reported', async () => {
    const scenario = (port: number) => `name: tuning
target: 127.0.0.1:${port}
steps:
  - name: sessions
    echoTimeout: 1s
    warmup: 1s
    find: { vary: conns, slo: ['opened==target'], from: 100, window: 1s, expect: ['capacity >= 300'] }
`;
    const summaries: string[] = [];
    for (const [maxconn, code] of [
      [200, 5],
      [400, 0],
    ]) {
      const door = await haproxy(maxconn);
      try {
        const file = path.join(dir, `tuning-${maxconn}.yaml`);
        writeFileSync(file, scenario(door.port));
        const results = path.join(dir, `results-${maxconn}`);
        const run = await runCli(['--scenario', file, '--results-dir', results], { timeoutMs: 240_000 });
        // maxconn 200 is short of `capacity >= 300`: the step's expect fails the scenario, exit 5.
        expect(run.code, run.stdout + run.stderr).toBe(code);
        const summaryFile = run.stdout.match(/(\S+summary\.json)/)?.[1];
        const summary = JSON.parse(readFileSync(summaryFile!, 'utf8')) as ScenarioSummary;
        expect(summary.steps.sessions.iterations[0].metrics.capacity).toBe(maxconn);
        expect(summary.steps.sessions.thresholds[0]).toMatchObject({ threshold: 'expect capacity >= 300' });
        summaries.push(summaryFile!);
      } finally {
        await door.proc.stop();
      }
    }
    const up = await runCli(['compare', ...summaries]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    // The find step judged by its searches: each side's capacity with its bracket, precision and whose limit.
    expect(up.stdout).toMatch(/^sessions\s+sessions\s+200 \(200–210 sessions, 5%, target\)\s+400 \(400–420 sessions/m);
    expect(up.stdout).toMatch(/^sessions: IMPROVED: capacity up/m);
    expect(up.stdout).toMatch(/^verdict \(find steps\): no regression \(1 compared\)/m);
    const down = await runCli(['compare', summaries[1], summaries[0], '--json']);
    expect(down.code).toBe(5);
    const json = JSON.parse(down.stdout) as { findSteps: { step: string; comparison: { verdict: string } }[] };
    expect(json.findSteps.map((s) => [s.step, s.comparison.verdict])).toEqual([['sessions', 'regressed']]);
    // report of the two summaries: the step's two searches on one page, before and after on the same charts.
    const html = path.join(dir, 'tuning.html');
    const r = await runCli(['report', ...summaries, '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    const stepPage = path.join(dir, 'tuning.sessions.html');
    expect(r.stdout).toContain(`find step sessions: ${stepPage} (IMPROVED)`);
    const page = readFileSync(stepPage, 'utf8');
    for (const s of ['IMPROVED', 'before capacity 200', 'after capacity 400', 'before achieved', 'after achieved'])
      expect(page).toContain(s);
    if (!CHROMIUM) throw new Error('no Chromium: native-tools/install.sh installs it');
    const opened = await openReport(stepPage, path.join(dir, 'find-step-before-after.png'));
    expect([opened.consoleErrors, opened.pageErrors, opened.requests]).toEqual([[], [], []]);
    const achieved = opened.charts.find((c) => c.title === 'Achieved against asked');
    expect(achieved?.marks).toBeGreaterThan(10);
    // The scenario's own page is written too, without the searches (they are not runs).
    expect(existsSync(html)).toBe(true);
  });
});
