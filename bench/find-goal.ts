/**
 * The capacity search's goal (issue: "Find the limit"): against `serve --service-time 1ms`, a backend of known
 * capacity (1,000 messages/s), `find --vary rate` with its default probes (2 s warm-up + 5 s window) must land
 * within 10% of it and confirm the answer in under 90 s. Both rows come from the find document the CLI writes.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../native-tools/ports.js';
import type { FindDocument } from '../src/documents/find.js';
import { type Goal, goal } from './goal.js';
import { CLI, run } from './run-cli.js';

const CAPACITY = 1000;
const TIME_GOAL_S = 90;

export async function findGoals(log: (line: string) => void): Promise<Goal[]> {
  const port = await freePort();
  const backend = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--service-time', '1ms', '-q'], {
    stdio: 'ignore',
  });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    log(`find --vary rate against serve --service-time 1ms (${CAPACITY} messages/s), default probes`);
    const out = path.join(tmpdir(), `l4stress-bench-find-${process.pid}.json`);
    const started = performance.now();
    const target = `127.0.0.1:${port}`;
    await run(
      process.execPath,
      [
        CLI,
        'find',
        '--vary',
        'rate',
        '--slo',
        'p99<20ms',
        '--conns',
        '50',
        '--from',
        '200',
        '--target',
        target,
        '--out',
        out,
        '-q',
      ],
      300_000,
    );
    const seconds = (performance.now() - started) / 1000;
    const doc = JSON.parse(readFileSync(out, 'utf8')) as FindDocument;
    const found = doc.answer.end === 'found' ? doc.answer.capacity : null;
    const accuracy = goal({
      goal: 'find --vary rate: capacity found / configured',
      l4stress: found,
      reference: CAPACITY,
      referenceName: 'serve --service-time 1ms',
      unit: 'msg/s',
      want: { op: '>=', ratio: 0.9 },
      note: `${doc.answer.text} (${doc.probes.length} probes; wanted within 10%, so at most 1.1x too)`,
    });
    if (accuracy.ratio !== null && accuracy.ratio > 1.1) accuracy.verdict = 'short';
    return [
      accuracy,
      goal({
        goal: 'find --vary rate: time to a confirmed answer',
        l4stress: Math.round(seconds),
        reference: TIME_GOAL_S,
        referenceName: 'the 90 s goal',
        unit: 's',
        want: { op: '<=', ratio: 1 },
        note:
          `${doc.probes.length} probes (${doc.probes.filter((p) => p.scout).length} scouts of 1 s warm-up + 2 s ` +
          'window, the rest 2 s + 5 s); each probe a fresh run (its ramp included)',
      }),
    ];
  } finally {
    backend.kill('SIGTERM');
  }
}
