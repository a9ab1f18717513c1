/**
 * Every document reader validates what it loads: null, {}, a truncated file and a wrong schemaVersion are each a
 * clear error, exit 2, naming the file, through the built CLI where a command reads that document. The published
 * JSON Schemas are the ones generated from the zod source.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { jsonSchemaText, PUBLISHED } from '../../src/documents/published.js';
import { readHistory, readResult, readSummary } from '../../src/documents/readers.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const BASELINE = path.join(ROOT, 'results/baselines/scenario-d.ci.json');
const baselineText = readFileSync(BASELINE, 'utf8');

/** The four bad files every reader must refuse, by name. */
const BAD: Record<string, string> = {
  null: 'null\n',
  empty: '{}\n',
  truncated: baselineText.slice(0, Math.floor(baselineText.length / 2)),
  version: `${JSON.stringify({ ...JSON.parse(baselineText), schemaVersion: 99 })}\n`,
};
const badFile = (kind: string, name: string): string => {
  const file = path.join(dir, `${kind}-${name}.json`);
  writeFileSync(file, BAD[name]);
  return file;
};
const scenarioFile = path.join(dir, 'tiny.yaml');
writeFileSync(scenarioFile, 'name: tiny\nsteps: [{ name: a, conns: 2, duration: 200ms, warmup: 0s }]\n');

const cases: [string, (file: string) => string[]][] = [
  ['compare (summary)', (f) => ['compare', BASELINE, f]],
  ['compare (baseline)', (f) => ['compare', f, BASELINE]],
  ['summary', (f) => ['summary', f]],
  ['baseline save', (f) => ['baseline', 'save', f, '--dir', path.join(dir, 'baselines')]],
  [
    'run --scenario --baseline',
    (f) => ['run', '--scenario', scenarioFile, '--baseline', f, '--results-dir', path.join(dir, 'r')],
  ],
  [
    'run --calibration (profile)',
    (f) => ['run', '-c', '2', '-d', '200ms', '--calibration', f, '--results-dir', path.join(dir, 'r')],
  ],
];

describe('document readers refuse bad files with exit 2, naming the file', () => {
  for (const [label, args] of cases) {
    for (const name of Object.keys(BAD)) {
      it(`${label}: ${name}`, async () => {
        const file = badFile(label.replace(/[^a-z]+/g, '-'), name);
        const run = await runCli(args(file));
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toContain(file);
        expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
        // The bad files are made from a summary: the profile reader names it as one before reading its version.
        if (name === 'version')
          expect(run.stderr).toMatch(
            label.includes('profile')
              ? /is an l4stress scenario summary, not an l4stress hardware profile/
              : /schemaVersion 99 is not supported/,
          );
        if (name === 'null') expect(run.stderr).toMatch(/expected a JSON object, got null/);
        if (name === 'empty') expect(run.stderr).toMatch(/at (kind|schemaVersion): /);
        if (name === 'truncated') expect(run.stderr).toMatch(/not valid JSON/);
      });
    }
  }

  it('history: a bad or torn line is skipped with a warning naming file and line; good lines still show', async () => {
    const results = path.join(dir, 'hist');
    mkdirSync(path.join(results, 'history'), { recursive: true });
    const good = {
      date: '2026-01-01T00:00:00Z',
      scenario: 's',
      profile: null,
      step: 'a',
      sha: null,
      dirty: null,
      host: 'h',
      iterations: 1,
      p50: 1,
      p95: 2,
      p99: 3,
      rps: 4,
      cps: null,
      errors: 0,
      pass: true,
    };
    const file = path.join(results, 'history', 's.jsonl');
    for (const [name, bad] of [
      ['null', 'null'],
      ['empty', '{}'],
      ['truncated', JSON.stringify(good).slice(0, 40)],
      ['version', JSON.stringify({ ...good, schemaVersion: 7 })],
    ]) {
      writeFileSync(file, `${JSON.stringify(good)}\n${bad}\n${JSON.stringify({ ...good, step: 'b' })}\n`);
      const run = await runCli(['history', '--results-dir', results]);
      expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      expect(run.stderr).toContain(`warning: skipped ${file}:2`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).toMatch(/\ba\b[\s\S]*\bb\b/);
      const read = readHistory(file);
      expect(read.lines.map((l) => l.step)).toEqual(['a', 'b']);
      expect(read.skipped.map((s) => s.where)).toEqual([`${file}:2`]);
    }
  });

  it('results (read by the library API and the bench): each bad file is a UsageError (exit 2) naming it', () => {
    for (const name of Object.keys(BAD)) {
      const file = badFile('result', name);
      let error: unknown;
      try {
        readResult(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).message).toContain(file);
    }
  });

  it('a directory given as a document is refused clearly', () => {
    expect(() => readSummary(dir)).toThrow(/it is a directory/);
  });

  it('the committed baseline is a valid summary', () => {
    expect(readSummary(BASELINE).scenario).toBe('scenario-d');
  });
});

describe('published JSON Schemas', () => {
  it('are exactly what the zod sources generate (npm run schema)', () => {
    for (const file of Object.keys(PUBLISHED) as (keyof typeof PUBLISHED)[]) {
      expect(readFileSync(path.join(ROOT, 'schemas', file), 'utf8'), file).toBe(jsonSchemaText(file));
    }
  });
});
