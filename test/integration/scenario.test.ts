/** Scenario runs through the built CLI: gates that must fail do, with exit 5; baselines, compare, history, summary. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../native-tools/ports.js';
import type { ScenarioSummary } from '../../src/documents/summary.js';
import { CLI, runCli, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const resultsDir = path.join(dir, 'results');
const scenario = (name: string, steps: string): string => {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\niterations: 2\ndefaults: { conns: 10, duration: 500ms, warmup: 0s, seed: 1 }\nsteps:\n${steps}`,
  );
  return file;
};
const summaryOf = (stdout: string): string => /summary: (\S+summary\.json)/.exec(stdout)![1];

let passing: { code: number | null; stdout: string; stderr: string };
beforeAll(async () => {
  passing = await runCli([
    'run',
    '--scenario',
    scenario(
      'tiny',
      [
        '  - name: echo',
        '    matrix: { proxy: [none, v2] }',
        '    thresholds: ["errors == 0", "established == target", "p95 < 10s"]',
      ].join('\n'),
    ),
    '--results-dir',
    resultsDir,
  ]);
}, 120_000);

describe('l4stress run --scenario', () => {
  it('runs every step x iteration, passes its gates, exits 0 and writes a summary', () => {
    expect(passing.code, passing.stderr).toBe(0);
    expect(passing.stdout).toMatch(/echo\[proxy=none\] +2 /);
    expect(passing.stdout).toMatch(/echo\[proxy=v2\] +2 /);
    expect(passing.stdout).toMatch(/verdict: PASS/);
    const s = JSON.parse(readFileSync(summaryOf(passing.stdout), 'utf8')) as ScenarioSummary;
    expect(Object.keys(s.steps)).toEqual(['echo[proxy=none]', 'echo[proxy=v2]']);
    expect(s.steps['echo[proxy=v2]'].iterations).toHaveLength(2);
    expect(s.steps['echo[proxy=v2]'].iterations.every((it) => it.metrics.established === 10)).toBe(true);
    // Every iteration kept its own full result file.
    const folder = path.dirname(summaryOf(passing.stdout));
    expect(readdirSync(folder).filter((f) => f.endsWith('.json') && f !== 'summary.json')).toHaveLength(4);
  });

  it('a gate that must fail fails the CLI with exit 5, and says which', async () => {
    const run = await runCli([
      'run',
      '--scenario',
      scenario('strict', '  - name: echo\n    thresholds: ["p50 < 1us", "errors == 0"]\n'),
      '--results-dir',
      resultsDir,
    ]);
    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(/failed thresholds:\n {2}echo: p50 < 1us — median of 2: [\d.]+ breaks < 1/);
    expect(run.stdout).toMatch(/verdict: FAIL/);
  });

  it('a threshold on a metric its step can never measure is refused before anything runs', async () => {
    // It once ran the step and failed the gate "no samples for p95" (exit 5); now measurable() refuses it up front.
    const run = await runCli([
      'run',
      '--scenario',
      scenario('nodata', '  - name: churn\n    mode: connect\n    thresholds: ["p95 < 1s"]\n'),
      '--results-dir',
      resultsDir,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /step 'churn': threshold 'p95 < 1s': a round-trip figure has no samples in --mode connect/,
    );
    expect(existsSync(path.join(resultsDir, 'scenarios', 'nodata'))).toBe(false);
  });

  it('an invalid scenario is exit 2 before anything runs', async () => {
    const run = await runCli(['run', '--scenario', scenario('bad', '  - name: echo\n    mode: teleport\n')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^l4stress: bad\.yaml: step 'echo': --mode: 'teleport' is not allowed/);
  });
});

describe('command-line options with --scenario: override, refuse, never drop', () => {
  it('--target at a closed port replaces the embedded target: the step fails, the run does not exit 0', async () => {
    const closed = await freePort();
    const run = await runCli([
      'run',
      '--scenario',
      scenario('closed', '  - name: echo\n'),
      '--target',
      `127.0.0.1:${closed}`,
      '--iterations',
      '1',
      '--results-dir',
      resultsDir,
    ]);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stdout).toMatch(
      new RegExp(`echo: target reachable — iteration 1: no connection established \\(127\\.0\\.0\\.1:${closed}\\)`),
    );
    const s = JSON.parse(readFileSync(summaryOf(run.stdout), 'utf8')) as ScenarioSummary;
    expect(s.steps.echo.iterations[0].status).toBe('unreachable');
  });

  it('a step option given on the command line overrides every step (command line > step > defaults)', async () => {
    const run = await runCli([
      'run',
      '--scenario',
      scenario('override', '  - name: echo\n    conns: 3\n'),
      '--conns',
      '4',
      '--iterations',
      '1',
      '--results-dir',
      resultsDir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const s = JSON.parse(readFileSync(summaryOf(run.stdout), 'utf8')) as ScenarioSummary;
    expect(s.steps.echo.iterations[0].metrics.established).toBe(4);
    const result = JSON.parse(readFileSync(s.steps.echo.iterations[0].resultFile, 'utf8'));
    expect(result.config.conns).toBe(4);
  });

  it.each([
    [['--conns', '5'], 'matrix', /--conns: step 'echo' of m\.yaml varies it in its matrix/],
    [['--out', 'x.json'], 'single', /--out: does not apply with --scenario/],
    [['--json'], 'single', /--json: does not apply with --scenario/],
  ])('%s is refused with exit 2 (%s)', async (extra, _why, message) => {
    const run = await runCli([
      'run',
      '--scenario',
      scenario('m', '  - name: echo\n    matrix: { conns: [2, 3] }\n'),
      ...extra,
      '--results-dir',
      resultsDir,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('scenario-only options without --scenario are refused, not ignored', async () => {
    const run = await runCli(['run', '--baseline', 'x.json', '-c', '2', '-d', '200ms']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^l4stress: --baseline: does not apply to a single run \(it goes with: run --scenario\)$/m,
    );
  });
});

describe('baselines, compare, history, summary', () => {
  it('baseline save, then compare a summary with itself: no regression, exit 0', async () => {
    const summary = summaryOf(passing.stdout);
    const save = await runCli(['baseline', 'save', summary, '--dir', path.join(dir, 'baselines')]);
    expect(save.code).toBe(0);
    const base = path.join(dir, 'baselines', 'tiny.json');
    const cmp = await runCli(['compare', base, path.dirname(summary)]);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toMatch(/echo\[proxy=v2\] +p95\* .* 1x +unchanged/);
    expect(cmp.stdout).toMatch(/verdict: no regression/);
  });

  it('compare exits 5 when a gated metric clearly regressed', async () => {
    const s = JSON.parse(readFileSync(summaryOf(passing.stdout), 'utf8')) as ScenarioSummary;
    const worse = structuredClone(s);
    for (const step of Object.values(worse.steps))
      for (const it of step.iterations) it.metrics.p95 = (it.metrics.p95 ?? 1) * 10;
    const file = path.join(dir, 'worse.json');
    writeFileSync(file, JSON.stringify(worse));
    const cmp = await runCli(['compare', summaryOf(passing.stdout), file]);
    expect(cmp.code).toBe(5);
    expect(cmp.stdout).toMatch(/REGRESSED/);
  });

  it('history prints one line per step and run', async () => {
    const run = await runCli(['history', '--scenario', 'tiny', '--results-dir', resultsDir]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((l) => / tiny /.test(l))).toHaveLength(2);
  });

  it('summary writes Markdown with commit, environment and a row per step', async () => {
    const out = path.join(dir, 'perf.md');
    const run = await runCli(['summary', summaryOf(passing.stdout), '-o', out]);
    expect(run.code).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(/^## l4stress: tiny/);
    expect(md).toMatch(/- environment: .* cores, kernel/);
    expect(md).toMatch(/\| echo\[proxy=v2\] \| .* \| ✅ \| no baseline \|/);
  });

  it('summary -o into missing folders makes them; baseline save --dir at a plain file: one line, exit 3', async () => {
    const deep = path.join(dir, 'nodir', 'x', 'perf.md');
    const made = await runCli(['summary', summaryOf(passing.stdout), '-o', deep]);
    expect(made.code, made.stderr).toBe(0);
    expect(readFileSync(deep, 'utf8')).toMatch(/^## l4stress: tiny/);
    const plain = path.join(dir, 'plain-file');
    writeFileSync(plain, 'x');
    const save = await runCli(['baseline', 'save', summaryOf(passing.stdout), '--dir', plain]);
    expect(save.code).toBe(3);
    expect(save.stderr).toMatch(/^l4stress: --dir '.*plain-file' is a file, not a folder$/m);
    expect(save.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe('the A/B gate: --reference-cli runs every iteration with another build too, interleaved', () => {
  it('both sides run each iteration (relative paths too); every gated metric compared; both summaries', async () => {
    // From another folder, with a relative --results-dir: the reference runs in its own checkout.
    const cwd = tempDir();
    const run = await runCli(
      [
        ...['run', '--scenario', scenario('ab', ['  - name: echo', '    thresholds: ["errors == 0"]'].join('\n'))],
        ...['--reference-cli', CLI, '--results-dir', 'results', '--gate', 'p95,target.cpu.op', '--allow', '50%'],
      ],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/against the reference build .*bin\/l4stress\.js \(same machine, interleaved\):/);
    expect(run.stdout).not.toMatch(/missing|reference: /);
    expect(run.stdout).toMatch(/target\.cpu\.op\*/);
    const folder = path.resolve(cwd, path.dirname(summaryOf(run.stdout)));
    const files = readdirSync(folder);
    // Two iterations of one step, each by both builds.
    expect(files.filter((f) => /^echo-i\d\.json$/.test(f))).toHaveLength(2);
    expect(files.filter((f) => /^echo-i\d\.reference\.json$/.test(f))).toHaveLength(2);
    const ref = JSON.parse(readFileSync(path.join(folder, 'reference-summary.json'), 'utf8')) as ScenarioSummary;
    expect(ref.steps.echo.iterations).toHaveLength(2);
  });

  it('a reference that cannot run a step leaves that step ungated and says why; the others are compared', async () => {
    // A reference that predates --rate: it refuses the paced step and runs the other.
    const older = path.join(dir, 'older-cli.mjs');
    writeFileSync(
      older,
      [
        "import { spawnSync } from 'node:child_process';",
        "if (process.argv.includes('--rate')) { process.stderr.write('unknown option --rate\\n'); process.exit(2); }",
        `const cli = ${JSON.stringify(CLI)};`,
        "const r = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });",
        'process.exit(r.status ?? 1);',
      ].join('\n'),
    );
    const steps = ['  - name: echo', '  - name: paced', '    rate: 100'].join('\n');
    const run = await runCli([
      ...['run', '--scenario', scenario('abx', steps), '--reference-cli', older],
      ...['--results-dir', path.join(dir, 'abx'), '--gate', 'p95', '--allow', '50%'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/reference: paced iteration 1: .*older-cli\.mjs exited 2: unknown option --rate/);
    expect(run.stdout).toMatch(/paced\s+p95\*.*missing/);
    expect(run.stdout).toMatch(/echo\s+p95\*.*(unchanged|improved)/);
  });

  it('a reference that runs no step at all fails the gate: nothing compared is never a pass', async () => {
    const broken = path.join(dir, 'broken-cli.mjs');
    writeFileSync(broken, "process.stderr.write('cannot start\\n'); process.exit(1);\n");
    const run = await runCli([
      ...['run', '--scenario', scenario('aby', '  - name: echo\n'), '--reference-cli', broken],
      ...['--results-dir', path.join(dir, 'aby')],
    ]);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stdout).toMatch(/the reference build ran no step: nothing was compared, so the gate fails/);
  });

  it.each([
    [['--baseline', 'x.json'], /--reference-cli and --baseline: compare with one or the other/],
    [[], /--reference-cli: no file 'nowhere\.js'/],
  ])('%s with a bad --reference-cli is exit 2', async (extra, message) => {
    const run = await runCli([
      ...['run', '--scenario', scenario('abz', '  - name: echo\n'), '--reference-cli', 'nowhere.js', ...extra],
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
