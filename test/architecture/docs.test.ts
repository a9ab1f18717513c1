/** The README stays true to the code: every run option is documented, and every documented option exists. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagOf, RUN_OPTIONS, type RunOptionKey } from '../../src/options/run-options.js';
import { ROOT } from '../helpers/cli.js';

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const flags = (Object.keys(RUN_OPTIONS) as RunOptionKey[]).map(flagOf);

describe('README', () => {
  it('documents every run option', () => {
    expect(flags.filter((f) => !readme.includes(`\`${f}`) && !readme.includes(`${f} `))).toEqual([]);
  });

  it('names no run option that does not exist in its options table', () => {
    const start = readme.indexOf('## Options');
    const table = readme.slice(start, readme.indexOf('###', start));
    const documented = [...table.matchAll(/^\| `(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(20);
    expect(documented.filter((f) => !flags.includes(f))).toEqual([]);
  });
});
