/**
 * The performance goals (issue: "as fast as the kernel allows"), each a same-run ratio to a reference measured
 * beside it. Against native C peers (native-goals.ts): round trips/s and p50 against the native C client on the
 * same native server, the embedded target as the peer, the 10,000-session v2 ramp. Here: generator memory per
 * held session after a full GC, churn against netperf TCP_CRR, and 100,000 sessions held (scale-goal.ts). Each
 * reference is measured before and after l4stress (A-B-A) and averaged, so a machine that drifts during the bench
 * weighs on both sides. Every l4stress figure comes from its own CLI and result document, as a user would get it.
 */
import { runNetperf, startNetserver } from '../native-tools/netperf.js';
import { freePort } from '../native-tools/ports.js';
import { findGoals } from './find-goal.js';
import { type Goal, goal, mean } from './goal.js';
import { nativeGoals } from './native-goals.js';
import { l4stress } from './run-cli.js';
import { holdAtScale } from './scale-goal.js';
import { tlsHandshakeGoals, tlsMemoryGoals } from './tls-goal.js';

export type { Goal };

export async function performanceGoals(log: (line: string) => void): Promise<Goal[]> {
  const goals: Goal[] = await nativeGoals(log);
  for (const conns of [10_000, 50_000]) {
    log(`memory, ${conns.toLocaleString('en-US')} held sessions (embedded target)`);
    const r = await l4stress([
      '--mode',
      'hold',
      '-c',
      String(conns),
      '-d',
      '1s',
      '--warmup',
      '0s',
      '--ramp-timeout',
      '120s',
    ]);
    goals.push(
      goal({
        goal: `generator memory per held session, ${conns.toLocaleString('en-US')}`,
        l4stress: r.resources.generator.memoryPerConnectionBytes,
        reference: 2048,
        referenceName: 'the 2 KB budget',
        unit: 'B',
        want: { op: '<=', ratio: 1 },
        note: `${r.connections.established} established, RSS after a full GC`,
      }),
    );
  }

  log('churn: netperf TCP_CRR, l4stress --mode connect, netperf TCP_CRR');
  const port = await freePort();
  const netserver = await startNetserver(port);
  try {
    const a = await runNetperf('127.0.0.1', port, 'TCP_CRR', 3, 64);
    const l = await l4stress(['--mode', 'connect', '--churn-echo', '-c', '50', '-d', '3s', '--warmup', '1s']);
    const b = await runNetperf('127.0.0.1', port, 'TCP_CRR', 3, 64);
    goals.push(
      goal({
        goal: 'churn, connections/s',
        l4stress: l.modeStats.churn?.cyclesPerSecond ?? null,
        reference: Math.round(mean(a.throughput, b.throughput)),
        referenceName: 'netperf TCP_CRR (64 B)',
        unit: 'conn/s',
        want: { op: '>=', ratio: 1 },
        note: 'l4stress: 50 in flight, embedded target; netperf: one at a time',
      }),
    );
  } finally {
    await netserver.stop();
  }
  log('100,000 held sessions, each pinged (about a minute)');
  goals.push(await scaleGoal(100_000, false));
  log('50,000 TLS sessions held, each pinged (about two minutes)');
  goals.push(await scaleGoal(50_000, true));
  goals.push(...(await tlsMemoryGoals(log)));
  goals.push(...(await tlsHandshakeGoals(log)));
  goals.push(...(await findGoals(log)));
  return goals;
}

/** N sessions held on this machine, each pinged (scale-goal.ts): every one, or short with what fell short. */
async function scaleGoal(conns: number, tls: boolean): Promise<Goal> {
  const s = await holdAtScale(conns, tls);
  return goal({
    goal: `${conns.toLocaleString('en-US')} ${tls ? 'TLS ' : ''}sessions held, each pinged`,
    l4stress: s.problems.length === 0 ? s.held : 0,
    reference: conns,
    referenceName: 'every session',
    unit: '',
    want: { op: '>=', ratio: 1 },
    note: `${s.summary}${s.problems.length ? `; short: ${s.problems.join('; ')}` : ''}`,
  });
}
