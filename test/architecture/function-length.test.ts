/**
 * A long function hides its phases: no function in src/, workers/ or bench/ runs over 100 lines unless a comment at
 * its top (the doc comment before it, or the first lines of its body) says why, with the words "over 100 lines". The
 * parse is TypeScript 5's own (TypeScript 7, the project's compiler, has no JavaScript API).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript5';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const MAX_LINES = 100;
const files = execFileSync('git', ['ls-files', 'src', 'workers', 'bench'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('.ts'));

/** Every function-like node longer than MAX_LINES, with its name, length and whether it says why. */
function longFunctions(file: string, text: string): { name: string; lines: number; explained: boolean }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; lines: number; explained: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > MAX_LINES) {
        const lead = text.slice(node.getFullStart(), node.getStart(source));
        const bodyStart = text.slice(node.body.getStart(source), node.body.getStart(source) + 600);
        out.push({ name: nameOf(node), lines, explained: /over 100 lines/i.test(lead + bodyStart) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function nameOf(node: ts.Node): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText();
  const parent = node.parent as { name?: ts.Node } | undefined;
  return parent?.name?.getText() ?? '(anonymous)';
}

describe('function length', () => {
  it('finds a long function, and its reason', () => {
    const body = Array.from({ length: 120 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    expect(longFunctions('x.ts', `function f(): void {\n${body}\n}`)).toEqual([
      { name: 'f', lines: 122, explained: false },
    ]);
    const why = `/** Over 100 lines on purpose: one table. */\nfunction f(): void {\n${body}\n}`;
    expect(longFunctions('x.ts', why)[0].explained).toBe(true);
  });

  it('no function in src/, workers/ or bench/ is over 100 lines without saying why at its top', () => {
    const unexplained = files.flatMap((f) =>
      longFunctions(f, readFileSync(path.join(ROOT, f), 'utf8'))
        .filter((x) => !x.explained)
        .map((x) => `${f}: ${x.name} (${x.lines} lines)`),
    );
    expect(unexplained).toEqual([]);
  });
});
