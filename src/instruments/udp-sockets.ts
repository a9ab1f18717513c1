/**
 * The receive drops of a set of processes' own UDP sockets: each socket's `drops` (the kernel's sk_drops: datagrams
 * it threw away for that socket, its receive buffer full above all) from /proc/net/udp and udp6, for the sockets
 * whose inodes the processes hold open (/proc/<pid>/fd links `socket:[inode]`). Where the namespace's RcvbufErrors
 * (udp-snmp.ts) say that some socket on this host dropped, this says whether it was the generator's: a target on
 * the same host, or another program's burst beside the run, is not. The tables are read at the measured window's
 * two ends (a line per UDP socket in the namespace); whose sockets dropped (a readlink per descriptor the generator
 * holds) is asked only when some did.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Each UDP socket's drops so far, by inode (IPv4 and IPv6 tables); or why the table could not be read. */
export type UdpSocketTable = { available: true; drops: Map<number, number> } | { available: false; why: string };

/** The socket inodes `pids` hold open (none for a process gone or not ours to read). */
export function socketInodes(pids: number[]): Set<number> {
  const inodes = new Set<number>();
  for (const pid of pids) {
    const dir = `/proc/${pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(dir);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${dir}/${fd}`);
      } catch {
        continue; // closed between the listing and the link
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(Number(m[1]));
    }
  }
  return inodes;
}

/**
 * Each socket's `drops` by inode, from a /proc/net/udp (or udp6) text: the header names the columns, so `inode` and
 * `drops` are found by name, not by position.
 */
export function parseUdpSocketTable(text: string, into: Map<number, number>): void {
  const [header, ...lines] = text.split('\n');
  // `tx_queue rx_queue` and `tr tm->when` are one field each in the rows: the header has one name more for each.
  const names = header.trim().replace('tx_queue rx_queue', 'queues').replace('tr tm->when', 'timer').split(/\s+/);
  const inodeAt = names.indexOf('inode');
  const dropsAt = names.indexOf('drops');
  if (inodeAt < 0 || dropsAt < 0) return;
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (fields.length > dropsAt) into.set(Number(fields[inodeAt]), Number(fields[dropsAt]));
  }
}

/** Every UDP socket's drops in this namespace now. */
export function readUdpSocketTable(): UdpSocketTable {
  const drops = new Map<number, number>();
  try {
    parseUdpSocketTable(readFileSync('/proc/net/udp', 'utf8'), drops);
  } catch (e) {
    return { available: false, why: `/proc/net/udp: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  try {
    parseUdpSocketTable(readFileSync('/proc/net/udp6', 'utf8'), drops);
  } catch {
    // A host without IPv6 has no udp6 table: its IPv4 sockets are all there is.
  }
  return { available: true, drops };
}

/**
 * What sockets dropped between two readings, each at the end against its drops at the start (0 for one opened
 * since; one closed meanwhile is not seen): every socket's, and those of `ours` (inodes) apart. Null when either
 * reading was unavailable.
 */
export function udpSocketDrops(
  from: UdpSocketTable,
  to: UdpSocketTable,
  ours: () => Set<number>,
): { all: number; ours: number } | null {
  if (!from.available || !to.available) return null;
  let all = 0;
  const rose = new Map<number, number>();
  for (const [inode, v] of to.drops) {
    const d = v - (from.drops.get(inode) ?? 0);
    if (d > 0) {
      all += d;
      rose.set(inode, d);
    }
  }
  // Whose sockets is asked only when some dropped: a readlink per descriptor the generator holds.
  const mine = all > 0 ? ours() : new Set<number>();
  let sum = 0;
  for (const [inode, d] of rose) if (mine.has(inode)) sum += d;
  return { all, ours: sum };
}
