/** Runs a program, and l4stress through its own CLI as a user would: what the bench goals measure with. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../src/documents/result.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository: two up from dist/bench (the bench as built), one up from bench/ (its sources, under tests). */
export const ROOT = path.resolve(HERE, path.basename(path.dirname(HERE)) === 'dist' ? '../..' : '..');
export const CLI = path.join(ROOT, 'bin/l4stress.js');

/** `bin` with `args`, killed after `timeoutMs`; its exit code and output. */
export function run(
  bin: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** l4stress through its CLI (`cli`: another build's); the result document it prints with --json. */
export async function l4stress(args: string[], timeoutMs = 180_000, cli = CLI): Promise<RunResult> {
  const r = await run(
    process.execPath,
    [cli, ...args, '--json', '--quiet', '--results-dir', path.join(ROOT, 'results', 'bench-runs')],
    timeoutMs,
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as RunResult;
  } catch {
    throw new Error(`l4stress ${args.join(' ')}: exit ${r.code}, no result: ${r.stderr.trim().slice(-300)}`);
  }
}
