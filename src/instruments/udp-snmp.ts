/**
 * The kernel's UDP counters, of this process's network namespace: /proc/net/snmp's `Udp:` table (IPv4) and
 * /proc/net/snmp6's `Udp6*` lines. They attribute a loss the generator sees: RcvbufErrors and InErrors rise when a
 * socket's receive buffer was full (the host dropped it, not the ingress), SndbufErrors when a send found no room,
 * NoPorts when a datagram came to a port nobody listens on (a flow the target forgot, or an ICMP-less reply to a
 * closed client port). Read before and after a run (deltas) and once a second (timeline); a few KiB each time.
 * A source that cannot be read is `unavailable` with why, and a field an older kernel does not have is null:
 * never a 0 that would read as "no drops".
 */
import { readFileSync } from 'node:fs';
import { UDP_COUNTER_NAMES, UDP_COUNTERS, type UdpCounterName } from '../core/vocabulary.js';
import { parseProcNetTables } from './kernel-tcp.js';

export { UDP_COUNTER_NAMES, type UdpCounterName };

/** Each counter, or null where this kernel's table has no such field. */
export type UdpCounters = Record<UdpCounterName, number | null>;

export type UdpSource = { available: true; counters: UdpCounters } | { available: false; why: string };

/** One reading: IPv4's and IPv6's tables, each on its own (a host without IPv6 still has IPv4's). */
export interface UdpSnmpReading {
  udp: UdpSource;
  udp6: UdpSource;
}

/** `Udp:` names then values in /proc/net/snmp's text. */
export function parseSnmpUdp(text: string): UdpSource {
  const table = parseProcNetTables(text).Udp;
  if (!table) return { available: false, why: 'no Udp: table in /proc/net/snmp' };
  return { available: true, counters: pick((field) => table[field]) };
}

/** `Udp6InDatagrams   123` lines in /proc/net/snmp6's text. */
export function parseSnmp6Udp(text: string): UdpSource {
  const fields: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^Udp6(\w+)\s+(\d+)\s*$/.exec(line);
    if (m) fields[m[1]] = Number(m[2]);
  }
  if (Object.keys(fields).length === 0) return { available: false, why: 'no Udp6 lines in /proc/net/snmp6' };
  return { available: true, counters: pick((field) => fields[field]) };
}

function pick(value: (field: string) => number | undefined): UdpCounters {
  const counters = {} as UdpCounters;
  for (const name of UDP_COUNTER_NAMES) {
    const v = value(UDP_COUNTERS[name]);
    counters[name] = v === undefined || !Number.isFinite(v) ? null : v;
  }
  return counters;
}

function readSource(file: string, parse: (text: string) => UdpSource): UdpSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    // ENOENT: not Linux, or (snmp6) a kernel without IPv6; EACCES: a sandbox that hides /proc/net.
    return { available: false, why: `${file}: ${code}` };
  }
  return parse(text);
}

/** This namespace's UDP counters now. `root` is for tests (a folder of fixture files). */
export function readUdpSnmp(root = '/proc/net'): UdpSnmpReading {
  return {
    udp: readSource(`${root}/snmp`, parseSnmpUdp),
    udp6: readSource(`${root}/snmp6`, parseSnmp6Udp),
  };
}

/**
 * What each counter did between two readings. Unavailable if either reading was (with the first reason); a field
 * null in either is null. A counter never runs backwards: a negative difference (a wrap, or a namespace that was
 * replaced) reads as unavailable for that field (null), not as 0.
 */
export function udpDelta(before: UdpSource, after: UdpSource): UdpSource {
  if (!before.available) return before;
  if (!after.available) return after;
  const counters = {} as UdpCounters;
  for (const name of UDP_COUNTER_NAMES) {
    const a = before.counters[name];
    const b = after.counters[name];
    counters[name] = a === null || b === null || b < a ? null : b - a;
  }
  return { available: true, counters };
}

export function udpSnmpDelta(before: UdpSnmpReading, after: UdpSnmpReading): UdpSnmpReading {
  return { udp: udpDelta(before.udp, after.udp), udp6: udpDelta(before.udp6, after.udp6) };
}

/** IPv4 and IPv6 together (a dual-stack run): null where either side has no figure. */
export function udpCombined(reading: UdpSnmpReading, name: UdpCounterName): number | null {
  const { udp, udp6 } = reading;
  if (!udp.available || !udp6.available) return null;
  const a = udp.counters[name];
  const b = udp6.counters[name];
  return a === null || b === null ? null : a + b;
}
