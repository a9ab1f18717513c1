/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a temp prefix gives a
 * working `l4stress`, and a temp project can `import { run } from 'l4stress'` and get a result document. Installs
 * use npm's cache (--prefer-offline): `npm ci` has just filled it with every runtime dependency.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/cli.js';

const dir = tempDir('l4stress-pack-');
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
let tarball = '';
let files: string[] = [];

beforeAll(() => {
  const out = npm(['pack', '--pack-destination', dir], ROOT).trim().split('\n');
  tarball = path.join(dir, out[out.length - 1]);
  files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
}, 180_000);

describe('npm pack', () => {
  it('ships the compiled CLI, workers, entry files, types and schemas, and no sources or tests', () => {
    for (const f of [
      'bin/l4stress.js',
      'dist/src/cli/main.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/workers/load-worker.js',
      'dist/src/entry/target-process.js',
      'dist/src/entry/generator-process.js',
      'schemas/result.schema.json',
    ]) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /^package\/(src|test|workers)\/|^package\/dist\/(bench|test)\//.test(f))).toEqual([]);
  });

  it('publishes a manifest without the dev-only build step, and leaves package.json as it was', () => {
    const manifest = JSON.parse(execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(manifest.scripts.prepare).toBeUndefined();
    expect(manifest.dependencies['proxy-protocol-js']).toBeUndefined();
    expect(manifest.dependencies.typescript).toBeUndefined();
    expect(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))).toEqual(pkg);
  });
});

describe('installed from the tarball', () => {
  it('npm install -g gives a working l4stress', () => {
    const prefix = path.join(dir, 'prefix');
    npm(['install', '-g', '--prefix', prefix, tarball], dir);
    const bin = path.join(prefix, 'bin', 'l4stress');
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
    expect(execFileSync(bin, ['--help'], { encoding: 'utf8' })).toMatch(/l4stress run --help/);
    expect(execFileSync(bin, ['run', '--help'], { encoding: 'utf8' })).toMatch(/--conns <n>/);
  }, 180_000);

  it('a project imports run() and gets a result document', () => {
    const project = path.join(dir, 'project');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(
      path.join(project, 'package.json'),
      '{ "name": "user-project", "private": true, "type": "module" }\n',
    );
    npm(['install', tarball], project);
    writeFileSync(
      path.join(project, 'use.mjs'),
      [
        "import { run, readResult } from 'l4stress';",
        "const r = await run({ conns: 4, duration: '300ms', warmup: '0s', proxy: 'v2', out: 'result.json' });",
        'const back = readResult("result.json");',
        'console.log(JSON.stringify({ status: r.status, established: r.connections.established, rt: ' +
          'r.throughput.roundTrips, same: back.seed === r.seed }));',
      ].join('\n'),
    );
    const out = JSON.parse(
      execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 }),
    );
    expect(out).toMatchObject({ status: 'completed', established: 4, same: true });
    expect(out.rt).toBeGreaterThan(0);
    expect(existsSync(path.join(project, 'node_modules', 'typescript'))).toBe(false);
  }, 180_000);
});
