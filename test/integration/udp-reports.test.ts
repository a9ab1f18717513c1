/**
 * UDP runs through every consumer of a result, as a user drives them (the built CLI, loopback only): scenario steps
 * with `udp: true` gate on loss, reordering and the kernel's RcvbufErrors and record the UDP metrics; compare judges
 * loss, reordering and duplicates and refuses UDP against TCP; merge of shards sums the datagrams exactly; the HTML
 * report (opened in Chromium), the Markdown and history show the UDP figures. Lossy, reordering and forgetful peers
 * are real sockets (test/fixtures/faulty-udp-echo.ts, a dgram peer here) whose faults are counted exactly elsewhere
 * (run-udp.test.ts); here they only make the figures non-zero.
 */
import dgram from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import type { ScenarioSummary } from '../../src/documents/summary.js';
import { type FaultyUdpEcho, startFaultyUdpEcho } from '../fixtures/faulty-udp-echo.js';
import { openReport } from '../helpers/browser.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { serveUdp, stopUdp } from '../helpers/serve-udp.js';

const dir = tempDir('l4stress-udp-reports-');
const resultsDir = path.join(dir, 'results');
const shots = path.join(ROOT, 'results', 'test-screenshots');
const file = (name: string): string => path.join(dir, name);
const read = (f: string): RunResult => JSON.parse(readFileSync(f, 'utf8')) as RunResult;
const RUN = ['run', '-q', '--warmup', '200ms', '--seed', '7'];

let faulty: FaultyUdpEcho;
let forgetful: dgram.Socket;

/** A peer that answers every flow for 1.2 s, then forgets the first three it hears from (an evicting ingress). */
async function forgetfulPeer(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  let first = 0;
  const forgotten = new Set<number>();
  socket.on('message', (msg, r) => {
    first ||= Date.now();
    if (Date.now() - first >= 1200 && forgotten.size < 3) forgotten.add(r.port);
    if (!forgotten.has(r.port)) socket.send(msg, r.port, r.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  forgetful = socket;
  return socket.address().port;
}

/** A run whose result is written whatever its verdict (a lossy peer exits 4; a busy machine may too). */
async function run(out: string, args: string[]): Promise<RunResult> {
  const r = await runCli([...RUN, '--out', out, ...args], { timeoutMs: 90_000 });
  expect([0, 4], `${args.join(' ')}: ${r.stderr}`).toContain(r.code);
  return read(out);
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  faulty = await startFaultyUdpEcho();
  const forgetfulPort = await forgetfulPeer();
  // Closed loop against the embedded target: at most one datagram in flight per flow, so none is lost on loopback.
  await run(file('clean.json'), ['--udp', '-c', '4', '-d', '1s']);
  // Open loop against the faulty peer: of each ten datagrams of a flow, one dropped, one sent twice, one reordered,
  // one corrupt.
  await run(file('lossy.json'), [
    ...['--udp', '--target', `127.0.0.1:${faulty.port}`, '-c', '4', '--rate', '400', '--echo-timeout', '100ms'],
    ...['-d', '1s'],
  ]);
  await run(file('silent.json'), [
    ...['--udp', '--target', `127.0.0.1:${forgetfulPort}`, '--mode', 'hold', '-c', '8', '--ping-interval', '100ms'],
    ...['--echo-timeout', '200ms', '-d', '2500ms'],
  ]);
  await run(file('tcp.json'), ['-c', '4', '-d', '1s']);
}, 240_000);

afterAll(async () => {
  await faulty?.close();
  forgetful?.close();
  await stopUdp();
});

const scenario = (name: string, body: string): string => {
  const f = file(`${name}.yaml`);
  writeFileSync(
    f,
    `name: ${name}\niterations: 1\ndefaults: { conns: 4, duration: 1s, warmup: 200ms, seed: 1 }\n${body}`,
  );
  return f;
};

describe('scenario steps over UDP', () => {
  let summary: ScenarioSummary;
  let summaryFile: string;
  beforeAll(async () => {
    const steps = [
      'steps:',
      '  - name: echo',
      '    udp: true',
      '    thresholds: ["loss < 0.1%", "reorder == 0", "udp.rcvbufErrors == 0", "errors == 0"]',
      '  - name: stream',
      '    udp: true',
      '    mode: stream',
      '    bitrate: 2M',
      '    size: 1200',
      '    thresholds: ["loss < 5%", "jitter < 1s", "delivered > 50"]',
    ].join('\n');
    const r = await runCli(['run', '--scenario', scenario('udp-ok', steps), '--results-dir', resultsDir], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/step +iter .* rate +loss +errors/);
    expect(r.stderr).toMatch(/echo 1\/1: \S+, .*, loss 0%, [\d,]+ datagrams\/s back/);
    summaryFile = /summary: (\S+summary\.json)/.exec(r.stdout)![1];
    summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  }, 150_000);

  it('runs, gates on loss, reorder and the kernel RcvbufErrors, and records the UDP metrics', () => {
    const echo = summary.steps.echo;
    expect(echo.options.udp).toBe(true);
    expect(echo.thresholds.map((t) => [t.threshold, t.pass])).toEqual([
      ['loss < 0.1%', true],
      ['reorder == 0', true],
      ['udp.rcvbufErrors == 0', true],
      ['errors == 0', true],
    ]);
    const m = echo.iterations[0].metrics;
    expect([m.loss, m.reorder, m.duplicates, m.silent]).toEqual([0, 0, 0, 0]);
    expect(m.delivered).toBeGreaterThan(0);
    expect(m.jitter).toBeNull();
    const stream = summary.steps.stream.iterations[0].metrics;
    expect(stream.jitter).not.toBeNull();
    expect(stream.delivered).toBeGreaterThan(50);
  });

  it('its HTML report shows the loss column and the datagrams per second of each UDP step group', async () => {
    const html = file('udp-scenario.html');
    const r = await runCli(['report', path.dirname(summaryFile), '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/<th>rate<\/th><th>loss<\/th><th>errors<\/th>/);
    expect(text.match(/<b>Datagrams per second<\/b>/g)).toHaveLength(2);
  });

  it('history shows the UDP steps with their loss and datagrams back per second', async () => {
    const h = await runCli(['history', '--results-dir', resultsDir, '--scenario', 'udp-ok']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout.split('\n')[0]).toMatch(/rate +loss +datagrams\/s back +errors/);
    expect(h.stdout).toMatch(/udp-ok .* echo .* 0% +[\d,]+ +0 +pass/);
    const html = file('history.html');
    const trend = await runCli(['history', '--results-dir', resultsDir, '--scenario', 'udp-ok', '--html', html]);
    expect(trend.code, trend.stderr).toBe(0);
    for (const t of ['Datagrams lost (UDP)', 'Datagrams back per second (UDP)'])
      expect(readFileSync(html, 'utf8')).toContain(`<b>${t}</b>`);
  });

  it('a TCP step against a UDP baseline step of its name is refused before anything runs, exit 2', async () => {
    const f = scenario('udp-vs-tcp', 'steps:\n  - name: echo\n');
    const r = await runCli(['run', '--scenario', f, '--results-dir', resultsDir, '--baseline', summaryFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^l4stress: compare: step 'echo' is UDP in the baseline and TCP in the candidate: not comparable\n/,
    );
    expect(existsSync(path.join(resultsDir, 'scenarios', 'udp-vs-tcp'))).toBe(false);
  });

  it('a loss or a reordering the gate forbids fails the scenario, exit 5, naming the threshold', async () => {
    const steps = `target: 127.0.0.1:${faulty.port}\nsteps:\n  - name: echo\n    udp: true\n    echoTimeout: 100ms\n`;
    const f = scenario('udp-lossy', `${steps}    thresholds: ["loss < 0.1%", "reorder == 0"]\n`);
    const r = await runCli(['run', '--scenario', f, '--results-dir', resultsDir], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toMatch(/echo: loss < 0\.1% — worst iteration: [\d.]+ breaks < 0\.1/);
    expect(r.stdout).toMatch(/echo: reorder == 0 — worst iteration: [1-9]\d* breaks == 0/);
  }, 150_000);

  it.each([
    ['--tls', 'udp: true\n    tls: true', /step 'echo': --tls: does not apply with --udp \(TCP only\)/],
    ['--mode connect', 'udp: true\n    mode: connect', /step 'echo': --mode connect: does not apply with --udp/],
    [
      '--drain-timeout',
      'udp: true\n    drainTimeout: 1s',
      /step 'echo': --drain-timeout: does not apply with --udp \(TCP only\)/,
    ],
    [
      'a loss threshold on a TCP step',
      'thresholds: ["loss < 1%"]',
      /step 'echo': threshold 'loss < 1%': loss is measured over UDP only/,
    ],
  ])('%s is refused in one line, exit 2, before anything runs', async (_what, lines, message) => {
    const f = scenario('udp-bad', `steps:\n  - name: echo\n    ${lines}\n`);
    const r = await runCli(['run', '--scenario', f, '--results-dir', resultsDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('l4stress:'))).toHaveLength(1);
    expect(existsSync(path.join(resultsDir, 'scenarios', 'udp-bad'))).toBe(false);
  });
});

describe('compare over UDP', () => {
  it('a lossy, reordering candidate regresses on loss, reorder and duplicates; --gate loss fails, exit 5', async () => {
    const r = await runCli(['compare', file('clean.json'), file('lossy.json'), '--gate', 'loss']);
    expect(r.code, r.stderr).toBe(5);
    for (const m of ['loss\\*', 'reorder', 'duplicates'])
      expect(r.stdout).toMatch(new RegExp(`run +${m} +\\S+ +\\S+ +\\S+ +REGRESSED`));
    expect(r.stdout).toMatch(/verdict: REGRESSED: loss; also worse: .*reorder/);
  });

  it('two clean UDP runs compare loss, delivered rate and the rest, and pass', async () => {
    const r = await runCli(['compare', file('clean.json'), file('clean.json'), '--gate', 'loss,delivered']);
    expect(r.code, r.stderr).toBe(0);
    for (const m of ['loss\\*', 'reorder', 'duplicates', 'silent', 'delivered\\*'])
      expect(r.stdout).toMatch(new RegExp(`run +${m} +.* unchanged`));
  });

  it('a UDP result against a TCP one is refused as not comparable, in one line, exit 2', async () => {
    const r = await runCli(['compare', file('tcp.json'), file('clean.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^l4stress: compare: step 'run' is TCP in the baseline and UDP in the candidate: not comparable\n/,
    );
  });
});

describe('merge of UDP shards', () => {
  it('sums the datagrams exactly, recomputes the loss ratio and keeps the flows of one whole run', async () => {
    const serve = await serveUdp([]);
    const target = ['--udp', '--target', `127.0.0.1:${serve.port}`, '-c', '4', '--rate', '400', '-d', '1s'];
    const [s0, s1] = await Promise.all(
      [0, 1].map((i) => run(file(`shard${i}.json`), [...target, '--shard', `${i}/2`])),
    );
    const whole = await run(file('whole.json'), target);
    const m = await runCli(['merge', file('shard0.json'), file('shard1.json'), '--out', file('merged.json')]);
    expect([0, 4], m.stderr).toContain(m.code);
    const merged = read(file('merged.json'));
    const [a, b, d] = [s0.datagrams!, s1.datagrams!, merged.datagrams!];
    for (const k of ['sent', 'received', 'lost', 'reordered', 'duplicated', 'late', 'corrupt', 'notSent'] as const)
      expect(d[k], k).toBe(a[k] + b[k]);
    expect(d.lossRatio).toBe(d.sent > 0 ? d.lost / d.sent : null);
    expect(d.measured.received).toBe(a.measured.received + b.measured.received);
    expect(d.flows.silentExamples.length).toBeLessThanOrEqual(20);
    // Two shards of 2 flows are the whole run's 4, every one answered, as in the run that was never split.
    expect([d.flows.target, d.flows.answered]).toEqual([whole.datagrams!.flows.target, 4]);
    expect(whole.datagrams!.flows.answered).toBe(4);
    // Each second's datagrams add up across the shards.
    const perRow = (r: RunResult) => r.timeline.reduce((n, row) => n + (row.datagrams?.sent ?? 0), 0);
    expect(perRow(merged)).toBe(perRow(s0) + perRow(s1));
  }, 180_000);
});

describe('the HTML report and the Markdown of UDP runs', () => {
  it('has a UDP section Chromium draws: datagrams per second, loss, silent flows, target and host counts', async () => {
    const html = file('udp.html');
    const md = file('udp.md');
    const runs = ['clean', 'lossy', 'silent'].map((n) => file(`${n}.json`));
    const r = await runCli(['report', ...runs, '--html', html, '--md', md]);
    expect(r.code, r.stderr).toBe(0);
    const opened = await openReport(html, path.join(shots, 'report-udp.png'));
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.pageErrors).toEqual([]);
    expect(opened.requests).toEqual([]);
    const chart = opened.charts.find((c) => c.title === 'Datagrams per second');
    expect(chart?.marks).toBeGreaterThan(0);
    const text = readFileSync(html, 'utf8');
    for (const s of ['Datagrams (UDP)', 'Where the loss happened', 'host RcvbufErrors', 'Silent flows'])
      expect(text).toContain(s);
    // The clean run against the embedded target: every datagram reached it and every answer came back.
    const clean = read(file('clean.json')).datagrams!;
    const where = text.slice(text.indexOf('Where the loss happened'));
    const row = /<tr><td>clean<\/td>(.*?)<\/tr>/.exec(where)![1];
    const cells = [...row.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    const count = (v: number) => v.toLocaleString('en-US');
    expect(cells.slice(0, 5)).toEqual(['0 (0%)', '0', '0', count(clean.sent), count(clean.target!.datagramsOut)]);
    const silent = read(file('silent.json')).datagrams!;
    expect(silent.flows.silent).toBe(3);
    expect(text).toContain(`flow ${silent.flows.silentExamples[0].flow} at `);
    expect(readFileSync(md, 'utf8')).toMatch(
      /\| lossy \| echo \(udp\) \| none \| 4 \| \S+ \|.*\| [\d.]+% \([\d,]+ of [\d,]+\) \|/,
    );
  }, 120_000);
});
