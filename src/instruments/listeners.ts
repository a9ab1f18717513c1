/**
 * The processes that hold a port's listening socket, read from /proc without `ss`: the kernel's socket tables
 * (/proc/net/tcp and tcp6 for TCP, udp and udp6 for UDP, this network namespace's) give the socket inodes bound to
 * the port, and each process's /proc/PID/fd links (`socket:[INODE]`) say who holds them. nginx's master and workers
 * (and HAProxy's, with several processes) all hold the one listening socket: every holder is found. Throws nothing:
 * what could not be read is said in `why`.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Transport } from '../core/vocabulary.js';

/** Whose socket tables to read: a transport's. */
export type SocketProtocol = Transport;

/** One socket table row: its local address (dotted or colon text), port and state, and its inode. */
export interface SocketRow {
  address: string;
  port: number;
  /** The kernel's state number: 0x0A (10) is TCP_LISTEN; 0x07 (7) an unconnected UDP socket. */
  state: number;
  inode: number;
}

/** /proc/net/{tcp,tcp6,udp,udp6}: `sl local_address rem_address st ... uid timeout inode`. */
export function parseSocketTable(text: string): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [hex, port] = f[1].split(':');
    const address = hex.length === 8 ? ipv4(hex) : hex.length === 32 ? ipv6(hex) : null;
    if (address === null || port === undefined) continue;
    rows.push({ address, port: Number.parseInt(port, 16), state: Number.parseInt(f[3], 16), inode: Number(f[9]) });
  }
  return rows;
}

/** The kernel prints an IPv4 address as one 32-bit word in host (little-endian) order. */
function ipv4(hex: string): string {
  const bytes = [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

/** An IPv6 address as four 32-bit words, each in host order; written out in full (no `::` shortening). */
function ipv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++)
    for (const i of [6, 4, 2, 0]) bytes.push(Number.parseInt(hex.slice(w * 8 + i, w * 8 + i + 2), 16));
  const groups: string[] = [];
  for (let g = 0; g < 8; g++) groups.push(((bytes[g * 2] << 8) | bytes[g * 2 + 1]).toString(16));
  const text = groups.join(':');
  // An IPv4-mapped address reads as ::ffff:a.b.c.d, the form Node and the target option use.
  return text.startsWith('0:0:0:0:0:ffff:') ? `::ffff:${bytes.slice(12).join('.')}` : text;
}

const ANY = new Set(['0.0.0.0', '0:0:0:0:0:0:0:0']);
const LOOPBACK6 = '0:0:0:0:0:0:0:1';

/** Whether a socket bound to `bound` takes connections to `host` (the target's address, or `localhost`). */
export function takes(bound: string, host: string): boolean {
  if (ANY.has(bound)) return true;
  const h = host.toLowerCase() === '::1' ? LOOPBACK6 : host.toLowerCase();
  if (h === 'localhost') return bound === LOOPBACK6 || /^(::ffff:)?127\./.test(bound);
  return bound === h || bound === `::ffff:${h}` || `::ffff:${bound}` === h;
}

/** The inodes of the sockets that take `host:port`: listening (TCP) or unconnected (UDP), in this namespace. */
export function socketInodes(rows: SocketRow[], protocol: SocketProtocol, host: string, port: number): number[] {
  const state = protocol === 'tcp' ? 0x0a : 0x07;
  return rows
    .filter((r) => r.port === port && r.state === state && r.inode > 0 && takes(r.address, host))
    .map((r) => r.inode);
}

export interface Listeners {
  /** The processes holding the socket, lowest PID first; empty when none was found. */
  pids: number[];
  /** Why none was found (or not all could be looked at); null when every process was read. */
  why: string | null;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Every process (but `skip`) holding one of `inodes`, and how many processes' fds could not be read. */
export function holders(inodes: number[], skip: number[] = []): { pids: number[]; unreadable: number } {
  const links = new Set(inodes.map((i) => `socket:[${i}]`));
  const pids: number[] = [];
  let unreadable = 0;
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  for (const dir of all) {
    const pid = Number(dir);
    if (skip.includes(pid)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch (e) {
      // Gone since the listing is not a holder; another user's process is one we cannot see into.
      if ((e as NodeJS.ErrnoException).code === 'EACCES') unreadable++;
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (links.has(link)) {
        pids.push(pid);
        break;
      }
    }
  }
  return { pids: pids.sort((a, b) => a - b), unreadable };
}

/**
 * The processes that take `host:port` over `protocol`, found by the socket's inode; `skip` (this process and its
 * own children) is never one of them.
 */
export function findListeners(protocol: SocketProtocol, host: string, port: number, skip: number[] = []): Listeners {
  const tables = protocol === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6'];
  const rows = tables.flatMap((t) => parseSocketTable(read(`/proc/net/${t}`)));
  const inodes = socketInodes(rows, protocol, host, port);
  const what = `${protocol.toUpperCase()} ${host}:${port}`;
  if (inodes.length === 0)
    return {
      pids: [],
      why:
        `no socket ${protocol === 'tcp' ? 'listens on' : 'is bound to'} ${what} in this network namespace ` +
        '(the target runs in another one, a container or a netns?)',
    };
  const { pids, unreadable } = holders(inodes, skip);
  if (pids.length > 0) return { pids, why: null };
  return {
    pids: [],
    why:
      `a socket takes ${what} but no process this user can read holds it` +
      (unreadable > 0
        ? ` (${unreadable} processes' /proc/PID/fd not readable: another user's, run as it or root)`
        : ''),
  };
}
