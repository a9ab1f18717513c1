/**
 * A network namespace of a test's own (its kernel counters and port range are nobody else's): commands run in it,
 * background processes started in it (ready at their first line of output), and l4stress runs whose result file is
 * the oracle. `remove()` kills what was started and deletes the namespace.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../../src/documents/result.js';
import { CLI } from './cli.js';

export interface TestNamespace {
  exec(cmd: string[]): string;
  start(args: string[]): Promise<void>;
  /** l4stress in the namespace; a failing run still writes its result (the caller checks its exit code). */
  run(out: string, args: string[]): RunResult;
  remove(): void;
}

export function createNamespace(name: string): TestNamespace {
  const ns = `${name}-${process.pid}`;
  const children: ReturnType<typeof spawn>[] = [];
  const exec = (cmd: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8' });
  execFileSync('ip', ['netns', 'add', ns]);
  exec(['ip', 'link', 'set', 'lo', 'up']);
  return {
    exec,
    start(args) {
      const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      return new Promise((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
      });
    },
    run(out, args) {
      try {
        exec([process.execPath, CLI, ...args, '--out', path.resolve(out), '--quiet']);
      } catch {
        // a failing run still writes its result
      }
      return JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    },
    remove() {
      for (const c of children) c.kill('SIGKILL');
      execFileSync('ip', ['netns', 'delete', ns]);
    },
  };
}
