/**
 * The kernel's witness, in the generator's network namespace (instruments/kernel-tcp.ts reads /proc/net): its TCP
 * counters' deltas over the run and each second (SYN retransmits, accept-queue overflows, resets, ...), and its socket
 * gauges (TIME_WAIT, orphans, memory) before and after. Null off Linux.
 */
import { formatCount, formatMicros } from '../core/units.js';
import { KERNEL_COUNTER_NAMES } from '../core/vocabulary.js';
import type { RunResult } from '../documents/result.js';
import { counterDeltas, type KernelTcpReading, readKernelTcp } from '../instruments/kernel-tcp.js';
import { live, type MetricDef, type Witness } from './witness.js';

type Kernel = NonNullable<RunResult['kernel']>;
type Readings = { before: KernelTcpReading | null; after: KernelTcpReading | null };

/** TIME_WAIT past this many before a run slows connects (the port search walks them): said beside the figures. */
const TIME_WAIT_NOTE = 10_000;

export const kernelWitness: Witness<'kernel', Readings> = {
  key: 'kernel',
  subject: 'host',
  live: () => {
    const readings: Readings = { before: null, after: null };
    let last: KernelTcpReading | null = null;
    return live({
      start: () => {
        readings.before = readKernelTcp();
        last = readings.before;
      },
      // Each row gets what the counters did in its second.
      tick: (row) => {
        const now = readKernelTcp();
        if (now && last) {
          const d = counterDeltas(last.counters, now.counters);
          row.kernel = {
            synRetrans: d.synRetrans,
            listenOverflows: d.listenOverflows,
            retransSegs: d.retransSegs,
            outRsts: d.outRsts,
            timeWait: now.sockets.timeWait,
          };
        }
        last = now;
      },
      stop: () => ({ ...readings, after: readKernelTcp() }),
    });
  },
  section: ({ before, after }) => buildKernel(before, after),
  merge: mergeKernel,
  // Over the run (worst iteration): null where the result has no kernel witness.
  metrics: Object.fromEntries(
    KERNEL_COUNTER_NAMES.map((n): [string, MetricDef] => [
      `kernel.${n}`,
      { unit: 'count', better: 'lower', reduce: 'max', events: true, read: (r) => r.kernel?.counters[n] ?? null },
    ]),
  ),
  measurable: () => null,
  warnings: (kernel, { connectP99Us }) => kernelWarnings(kernel, connectP99Us),
  // A UDP run's TCP counters are the namespace's, not its own: said only when they moved, and as TCP's.
  summary: (k, config) =>
    config.transport !== 'udp' ? [kernelLine(k)] : kernelMoved(k).length ? [kernelLine(k, 'TCP beside the run: ')] : [],
  table: (runs) => {
    const withKernel = runs.filter(({ result: r }) => r.kernel);
    if (withKernel.length === 0) return null;
    const names = KERNEL_COUNTER_NAMES.filter(
      (n) =>
        ['synRetrans', 'listenOverflows', 'retransSegs'].includes(n) ||
        withKernel.some((x) => x.result.kernel!.counters[n] > 0),
    );
    return {
      title: 'Kernel',
      header: ['run', ...names, 'TIME_WAIT before', 'TIME_WAIT after'],
      rows: withKernel.map(({ label, result: r }) => [
        label,
        ...names.map((n) => formatCount(r.kernel!.counters[n])),
        formatCount(r.kernel!.before.timeWait),
        formatCount(r.kernel!.after.timeWait),
      ]),
      note:
        'TCP counters from /proc/net (netstat, snmp) over the whole run; a SYN retransmit turns a ' +
        'connect into a 1 s, then 3 s wait, and ListenOverflows says the accept queue was full.',
    };
  },
  charts: () => [],
  // Each probe: the counters that moved during it.
  probe: { figures: (k) => (k ? Object.fromEntries(Object.entries(k.counters).filter(([, v]) => v > 0)) : null) },
  gauges: [
    {
      name: 'kernel_syn_retransmits',
      help: 'SYN retransmits in the last second (the namespace)',
      read: (row) => row.kernel?.synRetrans,
    },
    {
      name: 'kernel_listen_overflows',
      help: 'accept-queue overflows in the last second (the namespace)',
      read: (row) => row.kernel?.listenOverflows,
    },
  ],
};

/** What the counters did over the run, and the gauges before and after; null without both readings. */
export function buildKernel(before: KernelTcpReading | null, after: KernelTcpReading | null): Kernel | null {
  if (!before || !after) return null;
  return { counters: counterDeltas(before.counters, after.counters), before: before.sockets, after: after.sockets };
}

/** The shards' witnesses as one: each machine's counters added up, each gauge the worst machine's. */
export function mergeKernel(shards: (Kernel | null | undefined)[]): Kernel | null {
  const present = shards.filter((k): k is Kernel => k != null);
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

/**
 * What the kernel saw, in words: SYN retransmits (each turns a connect into a 1 s, then 3 s step), the accept queue
 * overflowing, and a machine still full of TIME_WAIT sockets from earlier runs.
 */
export function kernelWarnings(kernel: RunResult['kernel'], connectP99Us: number | null): string[] {
  if (!kernel) return [];
  const out: string[] = [];
  const { synRetrans, listenOverflows, listenDrops } = kernel.counters;
  const overflowed =
    `the accept queue overflowed ${listenOverflows.toLocaleString('en-US')} time${listenOverflows === 1 ? '' : 's'} ` +
    "(ListenOverflows): raise the target's listen backlog or net.core.somaxconn, or let it accept faster";
  if (synRetrans > 0) {
    const p99 = connectP99Us === null ? '' : `connect p99 ${formatMicros(connectP99Us)}: `;
    out.push(
      `${p99}${synRetrans.toLocaleString('en-US')} SYN retransmit${synRetrans === 1 ? '' : 's'} (each a 1 s, then ` +
        `3 s wait); ${listenOverflows > 0 ? overflowed : 'SYNs went unanswered (a full SYN queue, a filter, or loss)'}`,
    );
  } else if (listenOverflows > 0 || listenDrops > 0) out.push(overflowed);
  if (kernel.before.timeWait > TIME_WAIT_NOTE)
    out.push(
      `${kernel.before.timeWait.toLocaleString('en-US')} sockets were in TIME_WAIT before the run: connects may be ` +
        'slower than on a fresh machine (they clear within 60 s)',
    );
  return out;
}

/** The kernel's TCP counters that moved, as `name count`. */
function kernelMoved(k: Kernel): string[] {
  return Object.entries(k.counters)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} ${formatCount(n)}`);
}

/** The kernel's counters that moved (all of them named when none did), and TIME_WAIT around the run. */
export function kernelLine(k: Kernel, prefix = ''): string {
  const moved = kernelMoved(k);
  const what = moved.length ? moved.join(', ') : 'no SYN retransmit, accept-queue overflow, timeout or reset';
  return (
    `kernel       ${prefix}${what}; ` +
    `TIME_WAIT ${formatCount(k.before.timeWait)} before, ${formatCount(k.after.timeWait)} after`
  );
}
