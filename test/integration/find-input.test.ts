/**
 * `l4stress find` refusing bad input (exit 2, one line, before any socket), Ctrl-C mid-search (the document still
 * written, exit 130), and a scenario step that is a capacity search, its `capacity` judged by a threshold.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FindDocument } from '../../src/documents/find.js';
import type { ScenarioSummary } from '../../src/documents/summary.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { startServe } from '../helpers/processes.js';
import { findValidator } from '../helpers/schema.js';

const SHORT = ['--warmup', '1s', '--window', '2s', '--max-time', '4m'];
const validate = findValidator();

describe('l4stress find: bad input and interruption', () => {
  it.each([
    [['--slo', 'p99<5ms'], /--vary is required/],
    [['--vary', 'qps', '--slo', 'p99<5ms'], /--vary.*qps/],
    [['--vary', 'rate'], /at least one --slo/],
    [['--vary', 'rate', '--rate', '100', '--slo', 'p99<5ms'], /--rate: --vary rate sets it/],
    [['--vary', 'conns', '--conns', '10', '--slo', 'p99<5ms'], /--conns: --vary conns sets it/],
    [['--vary', 'cps', '--slo', 'p99<5ms'], /cannot be judged with --vary cps: a round-trip figure has no samples/],
    [['--vary', 'rate', '--slo', 'cps>5'], /cps is measured in connect mode only/],
    [['--vary', 'rate', '--slo', 'p99<5'], /give a unit for a time/],
    [['--vary', 'rate', '--slo', 'p99<5ms', '--from', '500', '--to', '100'], /--from 500 is above --to 100/],
    [['--vary', 'rate', '--slo', 'p99<5ms', '--precision', '0'], /--precision: '0' is outside/],
    [['--vary', 'rate', '--slo', 'p99<5ms', '--precision', '60%'], /--precision: '60%' is outside/],
    [['--vary', 'tls-handshakes', '--slo', 'errors==0'], /needs --tls/],
    [['--vary', 'conns', '--mode', 'stream', '--slo', 'errors==0'], /--vary conns runs in --mode hold or echo/],
    [['--vary', 'rate', '--slo', 'p99<5ms', '--expect', 'speed>5'], /--expect 'speed>5': not of the form/],
    [
      ['--vary', 'rate', '--slo', 'p99<5ms', '--duration', '5s'],
      /^l4stress: --duration: does not apply to find \(a probe/,
    ],
  ])('find %j: exit 2, one line, nothing started', async (args, message) => {
    const run = await runCli(['find', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['cps', ['--vary', 'cps', '--slo', 'connect.p99<100ms']],
    ['rate', ['--vary', 'rate', '--slo', 'p99<20ms', '--conns', '4']],
  ])("a closed port (%s): unreachable, the target's, at once; never the generator's", async (_name, args) => {
    const file = path.join(tempDir(), 'closed.json');
    const run = await runCli([
      'find',
      ...args,
      '--target',
      '127.0.0.1:1',
      '--warmup',
      '0s',
      '--window',
      '1s',
      '--out',
      file,
    ]);
    expect(run.code, run.stderr).toBe(3);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as FindDocument;
    expect(validate(doc)).toEqual([]);
    expect(doc.probes).toHaveLength(1);
    expect(doc.answer.limitOf).toBe('target');
    expect(doc.answer.text).toMatch(/^the target is unreachable: the target refused .* connects \(ECONNREFUSED \d+\)/);
    expect(doc.answer.text).not.toMatch(/generator/);
  });

  it('Ctrl-C mid-search writes what was found so far and exits 130', async () => {
    const file = path.join(tempDir(), 'find.json');
    const run = startCli(
      ['find', '--vary', 'rate', '--slo', 'p99<50ms', '--conns', '10', '--from', '200', ...SHORT, '--out', file],
      {
        timeoutMs: 60_000,
      },
    );
    // Into the second probe: the first is recorded, the second is cut short.
    await new Promise<void>((resolve) => {
      let err = '';
      run.child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('probe 1 ')) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 1500));
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(130);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as FindDocument;
    expect(validate(doc)).toEqual([]);
    expect(doc.answer.end).toBe('stopped');
    expect(doc.answer.text).toMatch(/stopped by Ctrl-C/);
    expect(doc.probes[0].pass).toBe(true);
    expect(doc.answer.capacity).toBe(200);
  });

  it('a scenario step may be a capacity search: its capacity in the summary, judged by a threshold', async () => {
    const backend = await startServe(['--quiet', '--max-sessions', '30']);
    try {
      const dir = tempDir();
      const file = path.join(dir, 'find.yaml');
      writeFileSync(
        file,
        `name: find-step
target: 127.0.0.1:${backend.port}
steps:
  - name: sessions
    echoTimeout: 1s
    warmup: 1s
    find: { vary: conns, slo: ['opened==target'], from: 10, window: 2s }
    thresholds: ['capacity >= 27', 'capacity <= 33']
`,
      );
      const run = await runCli(['--scenario', file, '--results-dir', dir], { timeoutMs: 200_000 });
      expect(run.code, run.stderr).toBe(0);
      const summaryFile = run.stdout.match(/(\S+summary\.json)/)?.[1];
      const summary = JSON.parse(readFileSync(summaryFile!, 'utf8')) as ScenarioSummary;
      const iteration = summary.steps.sessions.iterations[0];
      expect(iteration.metrics.capacity).toBe(30);
      expect(iteration.status).toMatch(/^found: capacity 30 sessions/);
      const doc = JSON.parse(readFileSync(iteration.resultFile, 'utf8')) as FindDocument;
      expect(validate(doc)).toEqual([]);
      expect(summary.steps.sessions.thresholds.every((t) => t.pass)).toBe(true);
    } finally {
      await backend.stop();
    }
  }, 240_000);

  it("an 'at least' answer is a find step's capacity, flagged; its thresholds judge it as expect does", async () => {
    const backend = await startServe(['--quiet']);
    try {
      const dir = tempDir();
      const file = path.join(dir, 'find.yaml');
      writeFileSync(
        file,
        `name: find-at-least
target: 127.0.0.1:${backend.port}
steps:
  - name: sessions
    warmup: 1s
    find: { vary: conns, slo: ['opened==target'], from: 10, to: 20, window: 2s, expect: ['capacity>=15'] }
    thresholds: ['capacity >= 15', 'capacity <= 100']
`,
      );
      const run = await runCli(['--scenario', file, '--results-dir', dir], { timeoutMs: 200_000 });
      // "at least 20" meets a lower bound and cannot judge an upper one: the step fails on that alone (exit 5).
      expect(run.code, run.stderr).toBe(5);
      const summaryFile = run.stdout.match(/(\S+summary\.json)/)?.[1];
      const step = (JSON.parse(readFileSync(summaryFile!, 'utf8')) as ScenarioSummary).steps.sessions;
      expect(step.iterations[0]).toMatchObject({ metrics: { capacity: 20 }, atLeast: true });
      expect(step.thresholds.map((t) => [t.threshold, t.pass, t.reason])).toEqual([
        ['capacity >= 15', true, 'capacity at least 20 meets >= 15'],
        ['capacity <= 100', false, 'capacity at least 20: an upper bound cannot be judged on a lower bound'],
        ['expect capacity>=15', true, 'capacity at least 20 meets >= 15'],
      ]);
    } finally {
      await backend.stop();
    }
  }, 240_000);

  it("a find step's expect is a gate: a search short of it fails the scenario (exit 5)", async () => {
    const backend = await startServe(['--quiet', '--max-sessions', '20']);
    try {
      const dir = tempDir();
      const file = path.join(dir, 'find-expect.yaml');
      writeFileSync(
        file,
        `name: find-expect
target: 127.0.0.1:${backend.port}
steps:
  - name: sessions
    echoTimeout: 1s
    warmup: 1s
    find: { vary: conns, slo: ['opened==target'], from: 10, window: 1s, confirm: 1, expect: ['capacity >= 5000'] }
`,
      );
      const run = await runCli(['--scenario', file, '--results-dir', dir], { timeoutMs: 200_000 });
      expect(run.code, run.stderr).toBe(5);
      const summaryFile = run.stdout.match(/(\S+summary\.json)/)?.[1];
      const summary = JSON.parse(readFileSync(summaryFile!, 'utf8')) as ScenarioSummary;
      const gate = summary.steps.sessions.thresholds.find((t) => t.threshold === 'expect capacity >= 5000');
      expect(gate).toMatchObject({ pass: false, actual: 20 });
      expect(summary.pass).toBe(false);
    } finally {
      await backend.stop();
    }
  }, 240_000);

  it('a find step with --reference-cli is refused: a reference build does not run searches', async () => {
    const file = path.join(tempDir(), 'find.yaml');
    writeFileSync(file, "name: f\nsteps:\n  - name: s\n    find: { vary: rate, slo: ['p99<5ms'] }\n");
    const run = await runCli(['--scenario', file, '--reference-cli', 'bin/l4stress.js']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/step 's' is a find step/);
  });
});
