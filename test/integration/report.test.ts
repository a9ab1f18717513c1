/**
 * `l4stress report` and `--report html` from real runs on loopback: the HTML opens in Chromium with no console
 * error and every chart drawn; .hlog reads back with hdr-histogram-js; --threshold gates a plain run.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { decodeHistogram } from '../../src/instruments/histogram.js';
import { openReport } from '../helpers/browser.js';
import { ROOT, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'l4stress-report-'));
/** Screenshots the test run writes, for a person to look at (CI keeps them in the clone). */
const shots = path.join(ROOT, 'results', 'test-screenshots');
const closed = path.join(dir, 'closed.json');
const paced = path.join(dir, 'paced.json');
const read = (f: string): RunResult => JSON.parse(readFileSync(f, 'utf8'));

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // The runs only feed the reports: any verdict with a result written will do (a busy CI machine may make a
  // paced run fall behind, exit 4); what the verdicts should be is tested elsewhere.
  const common = ['-c', '50', '-d', '2s', '--warmup', '500ms', '--proxy', 'v2'];
  for (const args of [
    [...common, '--out', closed, '--report', 'html,md'],
    [...common, '--rate', '2000', '--out', paced],
  ]) {
    const r = await runCli(args);
    if (r.code !== 0) console.warn(`${args.join(' ')}: exit ${r.code}\n${r.stdout}`);
    expect([0, 4], r.stderr).toContain(r.code);
  }
}, 120_000);

describe('report', () => {
  it('--report html,md writes both beside the result', () => {
    for (const ext of ['html', 'md']) expect(statSync(closed.replace(/json$/, ext)).size).toBeGreaterThan(200);
    expect(readFileSync(closed.replace(/json$/, 'md'), 'utf8')).toMatch(
      /\| closed \| echo \| v2 \| 50 \| completed \|/,
    );
  });

  it('two runs overlay in one HTML file that Chromium draws with no console error and no request', async () => {
    const html = path.join(dir, 'both.html');
    const r = await runCli(['report', closed, paced, '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    const opened = await openReport(html, path.join(shots, 'report-two-runs.png'));
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.pageErrors).toEqual([]);
    expect(opened.requests).toEqual([]);
    expect(opened.charts.length).toBeGreaterThanOrEqual(4);
    for (const c of opened.charts) expect(c.marks, c.title).toBeGreaterThan(0);
    // The paced run brings its service curve beside the corrected one; both runs are in the legend.
    const text = readFileSync(html, 'utf8');
    for (const s of ['closed round trip', 'paced round trip (corrected)', 'paced service']) expect(text).toContain(s);
    expect(existsSync(path.join(shots, 'report-two-runs.png'))).toBe(true);
  }, 60_000);

  it('.hgrm and .hlog exports read back to the histograms of the result', async () => {
    const hgrm = path.join(dir, 'hgrm');
    const hlog = path.join(dir, 'runs.hlog');
    const r = await runCli(['report', closed, paced, '--hgrm', hgrm, '--hlog', hlog]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(hgrm, 'paced.service.hgrm'))).toBe(true);
    const reader = new hdr.HistogramLogReader(readFileSync(hlog, 'utf8'));
    const byTag = new Map<string, hdr.Histogram>();
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) byTag.set(h.tag, h);
    expect([...byTag.keys()].sort()).toEqual(
      ['closed.connect', 'closed.round-trip', 'paced.connect', 'paced.round-trip', 'paced.service'].sort(),
    );
    for (const [label, file] of [
      ['closed', closed],
      ['paced', paced],
    ] as const) {
      const stored = decodeHistogram(read(file).histograms.roundTripUs);
      const back = byTag.get(`${label}.round-trip`)!;
      expect(back.totalCount).toBe(stored.totalCount);
      for (const p of [50, 90, 99, 99.9, 100])
        expect(back.getValueAtPercentile(p)).toBe(stored.getValueAtPercentile(p));
    }
  });

  it('a scenario with --report html overlays its matrix steps, drawn in Chromium', async () => {
    const file = path.join(dir, 'matrix.yaml');
    writeFileSync(
      file,
      [
        'name: matrix',
        'iterations: 2',
        'defaults: { conns: 20, duration: 1s, warmup: 0s, seed: 7 }',
        'steps:',
        '  - name: echo',
        '    matrix: { proxy: [none, v1, v2] }',
        '    thresholds: ["errors == 0"]',
      ].join('\n'),
    );
    const r = await runCli(['run', '--scenario', file, '--results-dir', dir, '--report', 'html', '--quiet'], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const html = r.stderr.match(/html report: (\S+)/)?.[1];
    expect(html).toMatch(/scenarios\/matrix\/[^/]+\/report\.html$/);
    const text = readFileSync(html!, 'utf8');
    for (const step of ['echo[proxy=none] round trip', 'echo[proxy=v1] round trip', 'echo[proxy=v2] round trip'])
      expect(text).toContain(step);
    const opened = await openReport(html!, path.join(shots, 'report-scenario.png'));
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.charts.length).toBeGreaterThanOrEqual(4);
    for (const c of opened.charts) expect(c.marks, c.title).toBeGreaterThan(0);
  }, 150_000);

  it('history records every gated metric and --html draws the trend in Chromium', async () => {
    const lines = readFileSync(path.join(dir, 'history', 'matrix.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(3);
    const first = JSON.parse(lines[0]) as { metrics: Record<string, number | null> };
    for (const m of ['p95', 'rps', 'cpu.op', 'target.cpu.op']) expect(first.metrics[m], m).toBeGreaterThan(0);
    const html = path.join(dir, 'trend.html');
    const r = await runCli(['history', '--results-dir', dir, '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    const opened = await openReport(html, path.join(shots, 'history.png'));
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.charts.length).toBeGreaterThanOrEqual(4);
    for (const c of opened.charts) expect(c.marks, c.title).toBeGreaterThan(0);
  }, 60_000);

  it("--threshold 'p95<1us' fails a plain run with exit 5, its verdict in the result", async () => {
    const out = path.join(dir, 'gated.json');
    const r = await runCli([
      '-c',
      '5',
      '-d',
      '1s',
      '--warmup',
      '0s',
      '--threshold',
      'p95<1us',
      '--threshold',
      'errors==0',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toMatch(/^Gates: 1 passed, 1 failed$/m);
    const result = read(out);
    expect(result.exitCode).toBe(5);
    expect(result.thresholds?.map((t) => [t.threshold, t.pass])).toEqual([
      ['p95<1us', false],
      ['errors==0', true],
    ]);
  });

  it('compare takes two single-run results (and refuses a result beside a summary)', async () => {
    const same = await runCli(['compare', closed, closed, '--gate', 'p95,rps']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/^run\s+p95\*.*1x\s+unchanged/m);
    expect(same.stdout).toMatch(/^run\s+rps\*.*1x\s+unchanged/m);
    const both = await runCli(['compare', closed, paced, '--json']);
    expect([0, 5]).toContain(both.code);
    const metrics = (JSON.parse(both.stdout) as { comparisons: { metric: string }[] }).comparisons.map((c) => c.metric);
    expect(metrics).toEqual(expect.arrayContaining(['p95', 'p50', 'rps']));
    expect(metrics).not.toContain('cps');
    const mixed = await runCli(['compare', closed, path.join(dir, 'scenarios')]);
    expect(mixed.code).toBe(2);
  });

  it('bad report input is a one-line error with exit 2', async () => {
    const junk = path.join(dir, 'junk.json');
    writeFileSync(junk, '{"kind": "something else"}');
    for (const args of [
      ['report', path.join(dir, 'missing.json')],
      ['report', junk],
      ['-c', '1', '--report', 'pdf'],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
