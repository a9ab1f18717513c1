/**
 * Each vocabulary (modes, PROXY versions and commands, directions, close styles, TLS versions, serve modes, header
 * policies) is written once, in src/core/vocabulary.ts: no other source spells a whole list out again, as an array,
 * an enum or a union type. A list written five times had drifted before.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as vocabulary from '../../src/core/vocabulary.js';
import { ROOT } from '../helpers/cli.js';

const LISTS = Object.entries(vocabulary).filter(([, v]) => Array.isArray(v)) as [string, readonly string[]][];
const HOME = 'src/core/vocabulary.ts';
const sources = execFileSync('git', ['ls-files', 'src', 'workers', 'bench', 'native-tools'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f.endsWith('.ts') && f !== HOME);
/** A run of quoted words joined by commas or bars: an array literal, an enum's values, a union type. */
const RUN = /(?:(['"])[\w.-]+\1\s*(?:,|\|)\s*)+(['"])[\w.-]+\2/g;

function respelled(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(RUN)) {
    const words = new Set([...m[0].matchAll(/['"]([\w.-]+)['"]/g)].map((w) => w[1]));
    for (const [name, list] of LISTS) if (list.every((w) => words.has(w))) found.push(`${name}: ${m[0]}`);
  }
  return found;
}

describe('the vocabulary is defined once', () => {
  it('has its lists, each of two words or more', () => {
    expect(LISTS.map(([n]) => n)).toEqual(expect.arrayContaining(['LOAD_MODES', 'PROXY_VERSIONS', 'CLOSE_STYLES']));
    expect(LISTS.every(([, l]) => l.length >= 2)).toBe(true);
  });

  it('the check finds a list spelled out again (a union type, an array)', () => {
    expect(respelled(`type M = 'echo' | 'stream' | 'connect' | 'hold';`)).toEqual([
      "LOAD_MODES: 'echo' | 'stream' | 'connect' | 'hold'",
    ]);
    expect(respelled(`z.enum(['fin', 'rst'])`)).toHaveLength(1);
    expect(respelled(`modes: ['echo', 'stream', 'hold']`)).toEqual([]);
  });

  it('no source outside src/core/vocabulary.ts spells a whole list out', () => {
    const found = sources.flatMap((f) => respelled(readFileSync(path.join(ROOT, f), 'utf8')).map((x) => `${f}: ${x}`));
    expect(found).toEqual([]);
  });
});
