/**
 * The docs stay true to the code: docs/options.md is what the option tables generate (`npm run docs` rewrites it),
 * every run option has its row there, the README stays a page a newcomer finishes, and every relative link in the
 * README, CONTRIBUTING.md and docs/ points at a file that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderOptionsDoc } from '../../src/cli/options-doc.js';
import { flagOf, RUN_OPTIONS, type RunOptionKey } from '../../src/options/run-options.js';
import { ROOT } from '../helpers/cli.js';

const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('docs', () => {
  it('docs/options.md is what the option tables generate (run `npm run docs` after changing an option)', () => {
    expect(read('docs/options.md')).toBe(renderOptionsDoc());
  });

  it('every run option has its row in docs/options.md', () => {
    const doc = read('docs/options.md');
    const flags = (Object.keys(RUN_OPTIONS) as RunOptionKey[]).map(flagOf);
    expect(flags.filter((f) => !doc.includes(`${f} `) && !doc.includes(`${f}\``))).toEqual([]);
  });

  it('the README is a page a newcomer finishes: at most 200 lines, none over 120 columns but tables', () => {
    const lines = read('README.md').split('\n');
    expect(lines.length).toBeLessThanOrEqual(200);
    expect(lines.filter((l) => l.length > 120 && !l.startsWith('|'))).toEqual([]);
  });

  it("the README's quick start is the two commands, and .ci/run runs the second", () => {
    const readme = read('README.md');
    expect(readme).toMatch(/```sh\nnpm install && npx l4stress .*\nnpm ci && npm test && npm run gate\n```/);
    expect(read('.ci/run')).toMatch(/^npm ci && npm test && npm run gate$/m);
  });

  it.each(pages)('every relative link in %s points at a file that exists', (page) => {
    const links = [...read(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1])
      .filter((l) => !/^[a-z]+:/.test(l));
    const broken = links.filter((l) => !existsSync(path.join(ROOT, path.dirname(page), l)));
    expect(broken).toEqual([]);
  });
});
