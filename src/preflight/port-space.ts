/**
 * The local ports a run can still take, counted from /proc/net/tcp and /proc/net/tcp6 the way Linux picks them
 * (net/ipv4/inet_connection_sock.c and inet_hashtables.c, checked on 6.18 in test/integration/port-space.test.ts):
 *
 * - **A bound source address** (--source-ips): `bind(A, 0)` picks the port before the destination is known, and
 *   refuses any port that a socket on A (or on a wildcard, a listener on 0.0.0.0 or [::]) already holds, in any
 *   state and toward any destination: TIME_WAIT included. A run of N sessions on A needs N ports of the range free
 *   on A, or its binds fail with EADDRINUSE.
 * - **No bound address**: `connect()` picks a port per destination. A port is shared with sockets toward other
 *   destinations; toward the same one it is taken by a live socket, and by a TIME_WAIT one unless the kernel may
 *   reuse it (net.ipv4.tcp_tw_reuse 1, or 2 on loopback, with timestamps on). A port that a socket was explicitly
 *   bound to (a listener, a --source-ips session, even once in TIME_WAIT) is skipped for every destination.
 *   /proc/net/tcp does not say which connected sockets were bound explicitly: only listeners are counted, so a run
 *   beside another program's bound sockets may still meet EADDRNOTAVAIL (the run's warning then says so).
 *
 * A TIME_WAIT line's `tm->when` is the time left on its timer, in USER_HZ ticks (1/100 s): when enough ports clear.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export const TCP_TIME_WAIT = 0x06;
export const TCP_LISTEN = 0x0a;
/** USER_HZ: the unit of `tm->when` (jiffies_delta_to_clock_t). */
const TICKS_PER_S = 100;

export interface TcpSocketLine {
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
  state: number;
  /** Seconds left on the socket's timer (TIME_WAIT: until it is gone); null without a timer. */
  timerLeftS: number | null;
}

/** Parses /proc/net/tcp or /proc/net/tcp6 text (the header line is skipped); v4-mapped v6 addresses read as v4. */
export function parseProcNetTcp(text: string): TcpSocketLine[] {
  const out: TcpSocketLine[] = [];
  for (const line of text.split('\n')) {
    // The fields read here end before column 160 (a v6 line's timer); the rest of a line is not split.
    const f = line.slice(0, 160).trim().split(/\s+/);
    if (f.length < 6 || !/^\d+:$/.test(f[0])) continue;
    const [local, localPort] = endpoint(f[1]);
    const [remote, remotePort] = endpoint(f[2]);
    const [active, when] = f[5].split(':');
    out.push({
      local,
      localPort,
      remote,
      remotePort,
      state: Number.parseInt(f[3], 16),
      timerLeftS: active === '00' ? null : Number.parseInt(when, 16) / TICKS_PER_S,
    });
  }
  return out;
}

/** `0100007F:1B58` -> ['127.0.0.1', 7000]; each 32-bit word of the address is in host (little-endian) order. */
function endpoint(text: string): [string, number] {
  const colon = text.indexOf(':');
  const port = Number.parseInt(text.slice(colon + 1), 16);
  // IPv4, the common case, without allocations beyond the string: a namespace may hold 100,000 sockets.
  if (colon === 8) return [v4(Number.parseInt(text.slice(0, 8), 16)), port];
  const words = Array.from({ length: 4 }, (_, i) => Number.parseInt(text.slice(i * 8, i * 8 + 8), 16));
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff0000) return [v4(words[3]), port];
  const groups = words.flatMap((w) => {
    const b = [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24];
    return [((b[0] << 8) | b[1]).toString(16), ((b[2] << 8) | b[3]).toString(16)];
  });
  return [new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1), port];
}

const v4 = (n: number): string => `${n & 255}.${(n >>> 8) & 255}.${(n >>> 16) & 255}.${n >>> 24}`;

/**
 * TCP sockets in use plus TIME_WAIT in this namespace (/proc/net/sockstat): no socket holds more than one port, so
 * when even all of them would leave room, the slow read of /proc/net/tcp (~1 s at 25,000 sockets) is not needed.
 */
export function readSocketCount(): number | null {
  try {
    const m = /^TCP: inuse (\d+) .*\btw (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
    return m ? Number(m[1]) + Number(m[2]) : null;
  } catch {
    return null;
  }
}

/** Every TCP socket of this network namespace, v4 and v6; empty where /proc is unavailable. */
export function readTcpSockets(): TcpSocketLine[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => {
    try {
      return parseProcNetTcp(readFileSync(file, 'utf8'));
    } catch {
      return [];
    }
  });
}

export interface PortDemand {
  conns: number;
  /** ip_local_port_range, inclusive. */
  range: [number, number];
  /** --source-ips; empty: the kernel picks the source address (and a port per destination). */
  sourceIps: string[];
  /** Where the sessions go, when known before the run (--target with an IP, a started embedded target). */
  destinations: { host: string; port: number }[];
  /** Destinations not known yet (the embedded target's ports, before it starts): the sessions spread over them. */
  unknownDestinations: number;
  /** net.ipv4.tcp_tw_reuse and whether timestamps are on (reuse needs them). */
  twReuse: number;
  timestamps: boolean;
}

/** One source address (or destination) whose free ports fall short of the sessions it must carry. */
export interface PortShortage {
  /** The bound source address, or the destination `host:port` when the kernel picks the source. */
  where: string;
  bound: boolean;
  need: number;
  free: number;
  /** Ports of the range taken only by TIME_WAIT sockets (they clear by themselves). */
  timeWait: number;
  /** Ports taken by live sockets (connected, listening): they do not clear by waiting. */
  live: number;
  /** Seconds until enough TIME_WAIT ports have cleared; null when waiting cannot make enough room. */
  clearsInS: number | null;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** The shortages, per bound source address or per known destination; empty when the run fits. */
export function portShortages(sockets: TcpSocketLine[], d: PortDemand): PortShortage[] {
  const [lo, hi] = d.range;
  const inRange = sockets.filter((s) => s.localPort >= lo && s.localPort <= hi);
  const size = hi - lo + 1;
  const shortages: PortShortage[] = [];
  const check = (where: string, bound: boolean, need: number, taking: TcpSocketLine[]): void => {
    const shortage = shortageOf(where, bound, need, size, taking);
    if (shortage) shortages.push(shortage);
  };
  if (d.sourceIps.length > 0) {
    const n = d.sourceIps.length;
    d.sourceIps.forEach((ip, i) => {
      const need = Math.floor(d.conns / n) + (i < d.conns % n ? 1 : 0);
      check(
        ip,
        true,
        need,
        inRange.filter((s) => s.local === ip || WILDCARDS.has(s.local)),
      );
    });
    return shortages;
  }
  const listeners = inRange.filter((s) => s.state === TCP_LISTEN);
  const n = Math.max(1, d.destinations.length);
  d.destinations.forEach((dest, i) => {
    const need = Math.floor(d.conns / n) + (i < d.conns % n ? 1 : 0);
    const reusable = d.timestamps && (d.twReuse === 1 || (d.twReuse === 2 && isLoopback(dest.host)));
    const toward = inRange.filter(
      (s) => s.remote === dest.host && s.remotePort === dest.port && !(reusable && s.state === TCP_TIME_WAIT),
    );
    check(`${dest.host}:${dest.port}`, false, need, [...listeners, ...toward]);
  });
  // Not known yet: only listeners in the range can be counted against each of them.
  if (d.destinations.length === 0) {
    const ways = Math.max(1, d.unknownDestinations);
    check(`each of ${ways} target port${ways === 1 ? '' : 's'}`, false, Math.ceil(d.conns / ways), listeners);
  }
  return shortages;
}

function shortageOf(
  where: string,
  bound: boolean,
  need: number,
  size: number,
  taking: TcpSocketLine[],
): PortShortage | null {
  // A port is live while any socket on it is not in TIME_WAIT; else it clears when its last TIME_WAIT does.
  const ports = new Map<number, number | null>();
  for (const s of taking) {
    const prev = ports.get(s.localPort);
    if (s.state !== TCP_TIME_WAIT || prev === null) ports.set(s.localPort, null);
    else ports.set(s.localPort, Math.max(prev ?? 0, s.timerLeftS ?? 60));
  }
  const free = size - ports.size;
  if (need <= free) return null;
  const clearing = [...ports.values()].filter((v): v is number => v !== null).sort((a, b) => a - b);
  const missing = need - free;
  return {
    where,
    bound,
    need,
    free,
    timeWait: clearing.length,
    live: ports.size - clearing.length,
    clearsInS: missing <= clearing.length ? Math.ceil(clearing[missing - 1]) : null,
  };
}

export function isLoopback(host: string): boolean {
  return (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}
