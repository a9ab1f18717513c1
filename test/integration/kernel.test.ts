/**
 * The kernel's witness in every result, proven in a network namespace of the test's own (the counters are per
 * namespace: nothing else on the machine can add to them). A target with a listen backlog of 1 that never accepts
 * makes the kernel drop SYNs (ListenOverflows) and the clients retransmit them (TCPSynRetrans): the result says so,
 * with the warning that explains it. A clean run against `serve` in the same namespace shows zeros.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { CLI, tempDir } from '../helpers/cli.js';
import { createNamespace, type TestNamespace } from '../helpers/netns.js';

const dir = tempDir();
let ns: TestNamespace;
const runInNs = (name: string, args: string[]): RunResult => ns.run(path.join(dir, `${name}.json`), args);

beforeAll(async () => {
  ns = createNamespace('l4stress-kernel');
  // A listener with a backlog of 1 that never accepts: its accept queue is full after the first two connections.
  const stuck =
    "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',7100))\ns.listen(1)\nprint('ready',flush=True)\n" +
    'time.sleep(60)\n';
  await ns.start(['python3', '-c', stuck]);
  await ns.start([process.execPath, CLI, 'serve', '--port', '7200']);
});

afterAll(() => ns?.remove());

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
