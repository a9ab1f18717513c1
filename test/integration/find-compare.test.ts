/**
 * Capacity searches before and after, compared and reported: two real searches of `serve --max-sessions 100` then
 * `200` (capacity doubled: "improved", and the other way round "regressed", exit 5), their report in Chromium (log
 * latency axis with the SLO line, y = x, whole-number error ticks, separators), HAProxy maxconn 200 then 400, and
 * every command given a document of another kind: one line naming the kind and the command that reads it, exit 2.
 * Probes are short (1 s warm-up + 1 s window) and searches start small, so each takes about a minute here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FindDocument } from '../../src/documents/find.js';
import type { FindComparison } from '../../src/gates/compare-find.js';
import { CHROMIUM, openReport } from '../helpers/browser.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { freePort, HAPROXY_BASE, startHaproxy, startServe } from '../helpers/processes.js';

const dir = tempDir('l4stress-find-compare-');
const SHORT = ['--warmup', '1s', '--window', '1s', '--echo-timeout', '1s', '--max-time', '3m'];
const CONNS = ['--vary', 'conns', '--slo', 'opened==target', '--from', '25', ...SHORT];
const before = path.join(dir, 'before.find.json');
const after = path.join(dir, 'after.find.json');
const result = path.join(dir, 'run.json');

async function find(args: string[], out: string): Promise<FindDocument> {
  const run = await runCli(['find', ...args, '--out', out], { timeoutMs: 240_000 });
  if (!existsSync(out)) throw new Error(`no find document: ${run.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8')) as FindDocument;
}

beforeAll(async () => {
  for (const [sessions, out] of [
    ['100', before],
    ['200', after],
  ]) {
    const target = await startServe(['--quiet', '--max-sessions', sessions]);
    try {
      const doc = await find([...CONNS, '--to', '400', '--target', `127.0.0.1:${target.port}`], out);
      expect(doc.answer.limitOf, doc.answer.text).toBe('target');
    } finally {
      await target.stop();
    }
  }
  const r = await runCli(['-c', '1', '-d', '1s', '--warmup', '0s', '--out', result]);
  expect(existsSync(result), r.stderr).toBe(true);
}, 600_000);

describe('compare and report of capacity searches', { timeout: 240_000 }, () => {
  it('capacity doubled is "improved" (exit 0); the other way round "regressed" (exit 5)', async () => {
    const up = await runCli(['compare', before, after]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^baseline\s+before\.find\.json\s+100 sessions\s+100–10\d sessions\s+5%\s+target/m);
    expect(up.stdout).toMatch(/^candidate\s+after\.find\.json\s+200 sessions\s+200–2\d\d sessions\s+5%\s+target/m);
    // Each SLO at the loads both probed: 25, 50 and 100 passed on both sides.
    expect(up.stdout).toMatch(/^25\s+opened==target\s+25 \(1\/1 pass\)\s+25 \(1\/1 pass\)$/m);
    expect(up.stdout).toMatch(/^verdict: IMPROVED: capacity up/m);
    const down = await runCli(['compare', after, before, '--json']);
    expect(down.code).toBe(5);
    const c = JSON.parse(down.stdout) as FindComparison;
    expect([c.verdict, c.baseline.capacity, c.candidate.capacity]).toEqual(['regressed', 200, 100]);
    // One search against itself: the brackets overlap, no change.
    const same = await runCli(['compare', before, before]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^verdict: no change: the brackets overlap/m);
    // Options that judge runs are refused, not ignored.
    const allow = await runCli(['compare', before, after, '--allow', '20%']);
    expect([allow.code, allow.stderr]).toEqual([2, expect.stringMatching(/--allow: a comparison of capacity/)]);
  });

  it('report of one and of two find documents: drawn in Chromium, before and after on the same charts', async () => {
    if (!CHROMIUM) throw new Error('no Chromium: native-tools/install.sh installs it');
    // A rate search with a latency SLO, loads in the thousands (the embedded target; any answer draws).
    const rate = path.join(dir, 'rate.find.json');
    await find(
      ['--vary', 'rate', '--slo', 'p99<20ms', '--from', '1000', '--to', '2000', '--conns', '20', ...SHORT],
      rate,
    );
    const one = path.join(dir, 'rate.html');
    const r1 = await runCli(['report', rate, '--html', one]);
    expect(r1.code, r1.stderr).toBe(0);
    // Screenshots to look at: in this file's own temp folder (printed below).
    const shot = path.join(dir, 'find-rate.png');
    const opened = await openReport(one, shot);
    expect([opened.consoleErrors, opened.pageErrors, opened.requests]).toEqual([[], [], []]);
    expect(opened.charts.map((c) => c.title)).toEqual([
      'Latency against load',
      'Achieved against asked',
      'Errors against load',
      'CPU against load',
    ]);
    const html = readFileSync(one, 'utf8');
    const latency = svgOf(html, 'Latency against load');
    // A log axis: 1 -> 10 ms spans as many pixels as 10 -> 100 ms; the SLO's line (20 ms) is drawn above the x axis.
    const y = tickPositions(latency, 'y');
    expect(Math.abs(y.get('1')! - y.get('10')! - (y.get('10')! - y.get('100')!))).toBeLessThan(1);
    const slo = /class="slo-limit"[^>]*><line[^>]*y1="([\d.]+)"/.exec(latency);
    expect(slo, 'the SLO line').not.toBeNull();
    expect(Math.abs(Number(slo![1]) - y.get('10')!)).toBeLessThan(Math.abs(y.get('10')! - y.get('100')!));
    // Separators on every figure: load ticks and cells read 1,000; no bare or exponent figure on any axis.
    const labels = [...html.matchAll(/aria-label="[xy]-axis tick label"[^>]*>(.*?)<\/g>/g)].flatMap((m) =>
      [...m[1].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]),
    );
    expect(labels).toContain('1,000');
    for (const l of labels) expect(l).not.toMatch(/^\d{4,}|e[+-]|\.0{4,}/);
    expect(html).toMatch(/<td>1,000<\/td>/);
    // Errors tick as whole numbers, the achieved chart has its y = x line.
    for (const t of tickPositions(svgOf(html, 'Errors against load'), 'y').keys()) expect(t).toMatch(/^[\d,]+$/);
    expect(svgOf(html, 'Achieved against asked')).toMatch(/class="identity"[^>]*><path d="M/);

    const two = path.join(dir, 'two.html');
    const r2 = await runCli(['report', before, after, '--html', two]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(/verdict: IMPROVED/);
    const both = await openReport(two, path.join(dir, 'find-before-after.png'));
    expect([both.consoleErrors, both.pageErrors, both.requests]).toEqual([[], [], []]);
    for (const c of both.charts.slice(0, 3)) expect(c.marks, c.title).toBeGreaterThan(10);
    const page = readFileSync(two, 'utf8');
    for (const s of ['IMPROVED', 'before capacity 100', 'after capacity 200', 'before achieved', 'after achieved'])
      expect(page).toContain(s);
    console.log(`screenshots: ${shot}, ${path.join(dir, 'find-before-after.png')}`);
  });

  it('a document of another kind: one line naming its kind and the command that reads it, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['merge', before, '--out', path.join(dir, 'm.json')],
        /before\.find\.json is an l4stress find document .*'l4stress compare'/,
      ],
      [
        ['compare', before, result],
        /run\.json is an l4stress result \(one run\), not a find document.*'l4stress merge'/,
      ],
      [['compare', result, after], /run\.json is an l4stress result \(one run\), not a find document/],
      [['report', before, result], /run\.json is an l4stress result \(one run\), not a find document/],
      [['summary', before], /before\.find\.json is an l4stress find document .*not an l4stress scenario summary/],
      [['summary', result], /run\.json is an l4stress result .*not an l4stress scenario summary.*'l4stress report'/],
      [['baseline', 'save', after, '--dir', dir], /after\.find\.json is an l4stress find document/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/expected|received|and \d+ more/);
    }
  });

  it('HAProxy maxconn 200 then 400: capacity doubled, "improved"', async () => {
    const backend = await startServe(['--quiet']);
    const docs: string[] = [];
    try {
      for (const maxconn of [200, 400]) {
        const port = await freePort();
        const cfg = `${HAPROXY_BASE}
frontend fe
  bind 127.0.0.1:${port}
  maxconn ${maxconn}
  default_backend be
backend be
  server s1 127.0.0.1:${backend.port}
`;
        const haproxy = await startHaproxy(cfg, port);
        try {
          const out = path.join(dir, `haproxy-${maxconn}.find.json`);
          const doc = await find([...CONNS, '--from', '50', '--to', '800', '--target', `127.0.0.1:${port}`], out);
          expect(doc.answer.capacity, doc.answer.text).toBeGreaterThanOrEqual(maxconn * 0.9);
          docs.push(out);
        } finally {
          await haproxy.stop();
        }
      }
    } finally {
      await backend.stop();
    }
    const r = await runCli(['compare', ...docs]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^verdict: IMPROVED/m);
  }, 420_000);
});

/** The SVG of the chart captioned `title`. */
function svgOf(html: string, title: string): string {
  const start = html.indexOf(`<b>${title}</b>`);
  return html.slice(start, html.indexOf('</figure>', start));
}

/** Each tick label of an axis and its position (y: pixels from the top; x: from the left). */
function tickPositions(svg: string, axis: 'x' | 'y'): Map<string, number> {
  const group = new RegExp(`aria-label="${axis}-axis tick label"[^>]*>(.*?)</g>`).exec(svg)?.[1] ?? '';
  const out = new Map<string, number>();
  for (const m of group.matchAll(/<text[^>]*transform="translate\(([\d.-]+),([\d.-]+)\)"[^>]*>([^<]*)<\/text>/g))
    out.set(m[3], Number(axis === 'y' ? m[2] : m[1]));
  return out;
}
