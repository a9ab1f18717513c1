/**
 * The performance goals (issue: "as fast as the kernel allows"), each a same-run ratio to a reference measured
 * beside it. Against native C peers (native-goals.ts): round trips/s and p50 against the native C client on the
 * same native server, the embedded target as the peer, the 10,000-session v2 ramp. Churn (churn-goal.ts): against
 * the native C churn client with the same cycles in flight, and one at a time against netperf TCP_CRR. UDP
 * (udp-goal.ts): one flow's echo against sockperf ping-pong and Node's floor, a stream against iperf3 -u. Here:
 * generator memory per held session after a full GC, and 100,000 sessions held (scale-goal.ts). Each reference is
 * measured before and after l4stress (A-B-A) and averaged, so a machine that drifts during the bench weighs on both
 * sides. Every l4stress figure comes from its own CLI and result document, as a user would get it.
 */
import { churnGoals } from './churn-goal.js';
import { findGoals } from './find-goal.js';
import { type Goal, goal } from './goal.js';
import { nativeGoals } from './native-goals.js';
import { l4stress } from './run-cli.js';
import { holdAtScale } from './scale-goal.js';
import { tlsHandshakeGoals, tlsMemoryGoals } from './tls-goal.js';
import { udpEchoGoals, udpStreamGoals } from './udp-goal.js';

export type { Goal };

type Log = (line: string) => void;

/**
 * The goals by group, in the order the bench runs them: `npm run bench -- --goals churn` (or `native,churn`) runs
 * those groups only, to measure one thing without the minutes of the rest.
 */
export const GOAL_GROUPS: Record<string, (log: Log) => Promise<Goal[]>> = {
  native: nativeGoals,
  memory: memoryGoals,
  churn: churnGoals,
  scale: async (log) => {
    log('100,000 held sessions, each pinged (about a minute)');
    const plain = await scaleGoal(100_000, false);
    log('50,000 TLS sessions held, each pinged (about two minutes)');
    return [plain, await scaleGoal(50_000, true)];
  },
  tls: async (log) => [...(await tlsMemoryGoals(log)), ...(await tlsHandshakeGoals(log))],
  find: findGoals,
  udp: async (log) => [...(await udpEchoGoals(log)), ...(await udpStreamGoals(log))],
};

export async function performanceGoals(log: Log, groups = Object.keys(GOAL_GROUPS)): Promise<Goal[]> {
  const goals: Goal[] = [];
  for (const name of groups) goals.push(...(await GOAL_GROUPS[name](log)));
  return goals;
}

async function memoryGoals(log: Log): Promise<Goal[]> {
  const goals: Goal[] = [];
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
