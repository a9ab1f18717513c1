/**
 * House rules a formatter cannot keep: every source line fits 120 columns (Biome does not split long strings),
 * and a file over 300 lines says at its top why it is that long.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const files = execFileSync('git', ['ls-files', '*.ts', '*.js', '*.mjs'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
const text = (f: string): string => readFileSync(path.join(ROOT, f), 'utf8');

describe('house style', () => {
  it('checks the tracked sources (the list is not empty)', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('no line is over 120 columns', () => {
    const long = files.flatMap((f) =>
      text(f)
        .split('\n')
        .flatMap((line, i) => ([...line].length > 120 ? [`${f}:${i + 1} (${[...line].length})`] : [])),
    );
    expect(long).toEqual([]);
  });

  it('a file over 300 lines says why at its top', () => {
    const unexplained = files.filter((f) => {
      const lines = text(f).split('\n');
      return lines.length > 300 && !/over 300 lines/i.test(lines.slice(0, 15).join('\n'));
    });
    expect(unexplained).toEqual([]);
  });
});
