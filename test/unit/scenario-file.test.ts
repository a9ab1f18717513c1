/** Scenario files: schema errors name the file, the path and what is allowed; matrix and profiles expand. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { combinations, loadScenario } from '../../src/scenario/load.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('scenario file errors', () => {
  it.each([
    [
      'unknown top-level key',
      'name: x\nsteps: [{ name: a }]\ncolour: red\n',
      /x1\.yaml: \(top level\): unknown key 'colour'/,
    ],
    [
      'unknown step key',
      'name: x\nsteps:\n  - name: a\n    conns: 10\n    colour: red\n',
      /steps\.0: unknown key 'colour'/,
    ],
    ['no steps', 'name: x\nsteps: []\n', /steps: Too small/],
    ['bad step name', 'name: x\nsteps: [{ name: "a b" }]\n', /steps\.0\.name: letters, digits/],
    [
      'bad threshold',
      'name: x\nsteps: [{ name: a, thresholds: ["p95 about 5ms"] }]\n',
      /steps\.0\.thresholds\.0: a threshold like "p95 < 5ms"/,
    ],
    ['matrix of an unknown option', 'name: x\nsteps: [{ name: a, matrix: { colour: [red] } }]\n', /steps\.0\.matrix/],
    ['iterations out of range', 'name: x\niterations: 0\nsteps: [{ name: a }]\n', /iterations: Too small/],
    ['not YAML', 'name: [x\n', /not valid YAML/],
  ])('%s', (_label, text, message) => {
    const file = write(
      `x${['unknown top-level key'].includes(_label) ? '1' : Math.random().toString(36).slice(2)}.yaml`,
      text,
    );
    expect(() => loadScenario(file, null)).toThrow(message);
  });

  it('an unknown profile names the ones there are', () => {
    const file = write(
      'p.yaml',
      'name: x\nprofiles: { ci: {} }\nsteps: [{ name: a, profiles: { full: { conns: 9 } } }]\n',
    );
    expect(() => loadScenario(file, 'nightly')).toThrow("--profile: 'nightly' is not in p.yaml (allowed: ci, full)");
  });
});

describe('expansion', () => {
  it('matrix values multiply a step, in file order', () => {
    expect(combinations({ proxy: ['none', 'v1'], size: [64, 4096] })).toEqual([
      { proxy: 'none', size: 64 },
      { proxy: 'none', size: 4096 },
      { proxy: 'v1', size: 64 },
      { proxy: 'v1', size: 4096 },
    ]);
  });

  it('defaults < profile defaults < step < step profile < matrix', () => {
    const file = write(
      'e.yaml',
      [
        'name: e',
        'iterations: 2',
        'defaults: { duration: 1s, conns: 1, warmup: 0s }',
        'profiles: { ci: { iterations: 4, defaults: { conns: 2 } } }',
        'steps:',
        '  - name: a',
        '    conns: 3',
        '    matrix: { proxy: [none, v2] }',
        '    profiles: { ci: { duration: 2s } }',
      ].join('\n'),
    );
    const plain = loadScenario(file, null);
    expect(plain.iterations).toBe(2);
    expect(plain.steps.map((s) => [s.name, s.options.conns, s.options.duration, s.options.proxy])).toEqual([
      ['a[proxy=none]', 3, '1s', 'none'],
      ['a[proxy=v2]', 3, '1s', 'v2'],
    ]);
    const ci = loadScenario(file, 'ci');
    expect(ci.iterations).toBe(4);
    expect(ci.steps[0].options).toMatchObject({ conns: 3, duration: '2s', warmup: '0s' });
  });

  it('Scenario D expands to D1, D2 x 3 proxies, D3 x 3 proxies, D4, for ci and full', () => {
    for (const profile of ['ci', 'full']) {
      const sc = loadScenario(path.join(ROOT, 'scenarios/scenario-d.yaml'), profile);
      expect(sc.steps.map((s) => s.name)).toEqual([
        'D1-hold',
        'D2-echo[proxy=none]',
        'D2-echo[proxy=v1]',
        'D2-echo[proxy=v2]',
        'D3-churn[proxy=none]',
        'D3-churn[proxy=v1]',
        'D3-churn[proxy=v2]',
        'D4-stream',
      ]);
    }
    expect(loadScenario(path.join(ROOT, 'scenarios/scenario-d.yaml'), 'full').steps[0].options.conns).toBe(20000);
  });
});
