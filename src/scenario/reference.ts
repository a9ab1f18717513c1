/**
 * The noise-immune gate's other half: every step iteration is also run by a reference build of l4stress (another
 * checkout's bin/l4stress.js, e.g. the commit the baseline was taken from), interleaved with the candidate's on
 * the same machine in the same minutes (ABBA order), so a busy core or a slower CPU model weighs on both sides
 * alike and only a real difference between the builds remains. The reference runs as a child process with the
 * step's options as flags; a reference that cannot run a step (an option it does not know) leaves that step
 * ungated, and says so.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../core/errors.js';
import { readResult } from '../documents/readers.js';
import type { RunResult } from '../documents/result.js';
import { flagOf, type RawRunOptions, RUN_OPTIONS, type RunOptionKey } from '../options/run-options.js';

/** Test-only switches that must reach the candidate alone (see serve/echo-server.ts). */
const CANDIDATE_ONLY_ENV = ['L4STRESS_TEST_TARGET_SLOWDOWN'];

/**
 * A step's options as flags for the reference build. Values equal to the defaults are left out, so a reference
 * that predates an option still runs the step with its own (same) default.
 */
export function referenceArgs(raw: RawRunOptions): string[] {
  const args: string[] = [];
  for (const key of Object.keys(RUN_OPTIONS) as RunOptionKey[]) {
    const def = RUN_OPTIONS[key];
    if (!def.applies.includes('step') && key !== 'target') continue;
    const v = raw[key];
    if (v === undefined || v === false || (def.default !== undefined && v === def.default)) continue;
    if (v === true) args.push(flagOf(key));
    else if (Array.isArray(v)) for (const x of v) args.push(flagOf(key), x);
    else args.push(flagOf(key), String(v));
  }
  return args;
}

/** This build's own CLI (bin/l4stress.js, which runs dist/): the candidate side of an A/B gate. */
export const THIS_CLI = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../../bin/l4stress.js' : '../../../bin/l4stress.js', import.meta.url),
);

/**
 * Runs one iteration with a build's CLI as a child process: the reference, and in an A/B gate the candidate too, so
 * both sides start, warm up and measure the same way. `candidate`: test-only switches reach it; never the reference.
 */
export function runBuild(
  cli: string,
  raw: RawRunOptions,
  out: string,
  signal: AbortSignal,
  candidate = false,
): Promise<{ result: RunResult | null; error: string | null }> {
  const env = { ...process.env };
  if (!candidate) for (const k of CANDIDATE_ONLY_ENV) delete env[k];
  // In its own checkout, so its result records its own git SHA; the result path is made absolute for that.
  const cwd = path.dirname(path.dirname(path.resolve(cli)));
  const file = path.resolve(out);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve(cli), 'run', ...referenceArgs(raw), '--out', file, '--quiet'], {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    const onAbort = (): void => {
      child.kill('SIGINT');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      // Exit 0, 3, 4, 130 write a result (a failing target is data); internal (1) and usage (2) do not.
      if (code === ExitCode.internal || code === ExitCode.usage || code === null) {
        resolve({ result: null, error: `${cli} exited ${code ?? 'by a signal'}: ${stderr.trim().split('\n')[0]}` });
        return;
      }
      try {
        resolve({ result: readResult(file), error: null });
      } catch (e) {
        resolve({ result: null, error: `result of ${cli} unreadable: ${(e as Error).message}` });
      }
    });
  });
}
