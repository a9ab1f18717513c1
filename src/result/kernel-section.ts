/** The result's kernel section: built from the readings around a run, and merged over shards. */
import type { RunResult } from '../documents/result.js';
import { counterDeltas, KERNEL_COUNTER_NAMES, type KernelTcpReading } from '../instruments/kernel-tcp.js';

type Kernel = NonNullable<RunResult['kernel']>;

/** What the counters did over the run, and the gauges before and after; null without both readings. */
export function buildKernel(before: KernelTcpReading | null, after: KernelTcpReading | null): Kernel | null {
  if (!before || !after) return null;
  return { counters: counterDeltas(before.counters, after.counters), before: before.sockets, after: after.sockets };
}

/** The shards' witnesses as one: each machine's counters added up, each gauge the worst machine's. */
export function mergeKernel(shards: (Kernel | null)[]): Kernel | null {
  const present = shards.filter((k): k is Kernel => k !== null);
  if (present.length === 0) return null;
  const counters = Object.fromEntries(
    KERNEL_COUNTER_NAMES.map((name) => [name, present.reduce((n, k) => n + k.counters[name], 0)]),
  ) as Kernel['counters'];
  const worst = (pick: (k: Kernel) => Kernel['before']): Kernel['before'] => ({
    timeWait: Math.max(...present.map((k) => pick(k).timeWait)),
    orphans: Math.max(...present.map((k) => pick(k).orphans)),
    memPages: Math.max(...present.map((k) => pick(k).memPages)),
  });
  return { counters, before: worst((k) => k.before), after: worst((k) => k.after) };
}
