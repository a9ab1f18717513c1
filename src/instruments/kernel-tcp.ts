/**
 * The kernel's own witness of a run: TCP counters from /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp), and
 * socket gauges from /proc/net/sockstat, of this process's network namespace. They say why a figure moved when
 * the client cannot: a connect p99 of 1.02 s is a SYN retransmit, and the retransmit an accept queue that
 * overflowed. Read before and after a run (deltas in the result) and once a second (the timeline); a few KiB of
 * text each time. Where /proc/net is not readable (not Linux) there is nothing to say: null, never a guess.
 */
import { readFileSync } from 'node:fs';

import { KERNEL_COUNTER_NAMES, KERNEL_COUNTERS, type KernelCounterName } from '../core/vocabulary.js';

export { KERNEL_COUNTER_NAMES, type KernelCounterName };

export type KernelCounters = Record<KernelCounterName, number>;

/** Socket gauges (/proc/net/sockstat): sockets in TIME_WAIT, orphaned ones, and TCP memory in pages. */
export interface KernelSockets {
  timeWait: number;
  orphans: number;
  memPages: number;
}

export interface KernelTcpReading {
  counters: KernelCounters;
  sockets: KernelSockets;
}

/** `TcpExt: A B C` then `TcpExt: 1 2 3`: each table's names line is followed by its values line. */
export function parseProcNetTables(text: string): Record<string, Record<string, number>> {
  const tables: Record<string, Record<string, number>> = {};
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const names = lines[i].split(/\s+/);
    const values = lines[i + 1].split(/\s+/);
    if (!names[0]?.endsWith(':') || names[0] !== values[0] || !/^-?\d/.test(values[1] ?? '')) continue;
    const table: Record<string, number> = {};
    for (let k = 1; k < names.length; k++) table[names[k]] = Number(values[k]);
    tables[names[0].slice(0, -1)] = table;
    i++;
  }
  return tables;
}

/** `TCP: inuse 5 orphan 0 tw 31000 alloc 8 mem 2` */
export function parseSockstat(text: string): KernelSockets {
  const tcp = /^TCP:(.*)$/m.exec(text)?.[1] ?? '';
  const field = (name: string): number => Number(new RegExp(`\\b${name} (\\d+)`).exec(tcp)?.[1] ?? 0);
  return { timeWait: field('tw'), orphans: field('orphan'), memPages: field('mem') };
}

/** This namespace's counters and gauges now; null where /proc/net cannot be read. */
export function readKernelTcp(root = '/proc/net'): KernelTcpReading | null {
  try {
    const tables = {
      ...parseProcNetTables(readFileSync(`${root}/netstat`, 'utf8')),
      ...parseProcNetTables(readFileSync(`${root}/snmp`, 'utf8')),
    };
    const counters = {} as KernelCounters;
    for (const name of KERNEL_COUNTER_NAMES) {
      const [table, field] = KERNEL_COUNTERS[name];
      counters[name] = tables[table]?.[field] ?? 0;
    }
    return { counters, sockets: parseSockstat(readFileSync(`${root}/sockstat`, 'utf8')) };
  } catch {
    return null;
  }
}

/** What the counters did between two readings (a counter never runs backwards; a wrap reads as 0). */
export function counterDeltas(before: KernelCounters, after: KernelCounters): KernelCounters {
  const out = {} as KernelCounters;
  for (const name of KERNEL_COUNTER_NAMES) out[name] = Math.max(0, after[name] - before[name]);
  return out;
}
