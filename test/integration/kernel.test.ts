/**
 * The kernel's witness in every result, proven in a network namespace of the test's own (the counters are per
 * namespace: nothing else on the machine can add to them). A target with a listen backlog of 1 that never accepts
 * makes the kernel drop SYNs (ListenOverflows) and the clients retransmit them (TCPSynRetrans): the result says so,
 * with the warning that explains it. A clean run against `serve` in the same namespace shows zeros.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { CLI, tempDir } from '../helpers/cli.js';

const ns = `l4stress-kernel-${process.pid}`;
const inNs = (cmd: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8' });
const dir = tempDir();
const children: ReturnType<typeof spawn>[] = [];

function startInNs(args: string[]): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

/** Runs l4stress in the namespace; the result file is the oracle (the exit code is checked by the caller). */
function runInNs(name: string, args: string[]): RunResult {
  const out = path.join(dir, `${name}.json`);
  try {
    inNs([process.execPath, CLI, ...args, '--out', out, '--quiet']);
  } catch {
    // a failing run still writes its result
  }
  return JSON.parse(readFileSync(out, 'utf8')) as RunResult;
}

beforeAll(async () => {
  execFileSync('ip', ['netns', 'add', ns]);
  inNs(['ip', 'link', 'set', 'lo', 'up']);
  // A listener with a backlog of 1 that never accepts: its accept queue is full after the first two connections.
  const stuck =
    "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',7100))\ns.listen(1)\nprint('ready',flush=True)\n" +
    'time.sleep(60)\n';
  await startInNs(['python3', '-c', stuck]);
  await startInNs([process.execPath, CLI, 'serve', '--port', '7200']);
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  execFileSync('ip', ['netns', 'delete', ns]);
});

describe('kernel TCP counters in the result', () => {
  it('a full accept queue: ListenOverflows and SYN retransmits counted, and the warning names them', () => {
    const r = runInNs('stuck', [
      ...['--target', '127.0.0.1:7100', '--mode', 'hold', '-c', '20', '-d', '1s', '--warmup', '0s'],
      ...['--connect-timeout', '2500ms', '--ramp-timeout', '4s'],
    ]);
    expect(r.kernel).toBeTruthy();
    expect(r.kernel!.counters.listenOverflows).toBeGreaterThan(0);
    expect(r.kernel!.counters.synRetrans).toBeGreaterThan(0);
    const text = r.warnings.join('\n');
    expect(text).toMatch(
      /SYN retransmits? \(each a 1 s, then 3 s wait\); the accept queue overflowed \d+ times? \(ListenOverflows\)/,
    );
    // Per second too: the timeline's kernel columns add up to no more than the run's deltas.
    const perSecond = r.timeline.reduce((n, row) => n + (row.kernel?.synRetrans ?? 0), 0);
    expect(perSecond).toBeGreaterThan(0);
    expect(perSecond).toBeLessThanOrEqual(r.kernel!.counters.synRetrans);
  });

  it('a clean run shows zeros', () => {
    const r = runInNs('clean', ['--target', '127.0.0.1:7200', '--conns', '200', '-d', '1s', '--warmup', '0s']);
    expect(r.exitCode).toBe(0);
    expect(r.kernel!.counters).toMatchObject({ listenOverflows: 0, listenDrops: 0, synRetrans: 0 });
    expect(r.warnings.join('\n')).not.toMatch(/SYN retransmit|accept queue/);
  });
});
