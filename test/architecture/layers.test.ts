/**
 * Imports run one way. Each folder has a floor; a module may import its own folder or any folder on a lower floor,
 * never one on the same floor or above (type-only imports included: a type names a dependency too). Nothing
 * imports the CLI, the forked-process entry files or the library entry: they are the top.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** Floor of each folder, lowest first. Same floor, different folder: siblings that must not know each other. */
const FLOORS: Record<string, number> = {
  'src/core': 0,
  'src/options': 1,
  'src/documents': 2,
  'src/proxy': 3,
  'src/instruments': 3,
  /** Witnesses beside the load (kernel, scrape, machine): over the instruments, under all that loops over them. */
  'src/witnesses': 3.5,
  'native-tools': 3,
  'src/worker-contract': 4,
  'src/environment': 4,
  'src/preflight': 4,
  /** UDP's own parts below the target and the workers: the datagram stamp, the per-flow receive tracker. */
  'src/udp': 4.5,
  'src/serve': 5,
  'src/calibration': 5,
  workers: 6,
  'src/config': 6,
  'src/result': 7,
  'src/gates': 8,
  'src/reporters': 9,
  /** The HTML report: charts over the text reporters' tables, loaded only by `report` and `--report`. */
  'src/reporters/html': 9.5,
  'src/run': 10,
  'src/find': 10.5,
  'src/scenario': 11,
  'src/cli': 12,
  'src/entry': 12,
  src: 12,
  bench: 13,
};

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return name.endsWith('.ts') ? [rel] : [];
  });
}

const folderOf = (file: string): string => path.dirname(file).split(path.sep).join('/');

function imports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((spec) => path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, '.ts'));
}

const files = ['src', 'workers', 'native-tools', 'bench'].flatMap(sources);

describe('import direction', () => {
  it('every source folder has a floor', () => {
    expect(files.map(folderOf).filter((f) => !(f in FLOORS))).toEqual([]);
  });

  it('no module imports its own floor or a higher one', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const target of imports(file)) {
        const to = folderOf(target);
        if (to === from) continue;
        if (!(to in FLOORS) || FLOORS[to] >= FLOORS[from]) wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the check sees real imports (a layered file has some)', () => {
    expect(imports('src/run/execute.ts').length).toBeGreaterThan(3);
  });
});
