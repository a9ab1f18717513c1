/**
 * The options of `l4stress serve`, one row each, defaults as typed: the one copy of them (serve/serve-process.ts
 * SERVE_DEFAULTS, which the embedded target uses too, reads them from here).
 */
import { HEADER_POLICIES, SERVE_MODES, type Transport } from '../core/vocabulary.js';
import type { OptionDef } from './applies.js';

/** A serve option's row: `transport` where it means something over TCP only or UDP only (absent: both). */
type ServeOptionDef = OptionDef;

export const SERVE_OPTIONS = {
  host: { flags: '--host <address>', description: 'address to listen on', default: '127.0.0.1' },
  port: { flags: '--port <n>', description: 'port to listen on (0 = any free port)', default: '7000' },
  proxy: {
    flags: '--proxy <mode>',
    description:
      'PROXY header: none = never parsed, accept = optional (v1/v2 auto-detected), require = close ' +
      'connections without one',
    default: 'accept',
    choices: HEADER_POLICIES,
  },
  mode: {
    flags: '--mode <mode>',
    description: 'after the header: echo every byte back, sink (read and discard), or source (send continuously)',
    default: 'echo',
    choices: SERVE_MODES,
  },
  headerTimeout: {
    flags: '--header-timeout <time>',
    description: 'close a connection whose header is incomplete after this long',
    default: '5s',
    transport: 'tcp',
  },
  maxHeader: {
    flags: '--max-header <bytes>',
    description: "largest PROXY v2 header variable part (addresses + TLVs) accepted; the spec's field allows 65535",
    default: '2048',
  },
  backlog: {
    flags: '--backlog <n>',
    description: 'listen backlog (capped by net.core.somaxconn)',
    default: '4096',
    transport: 'tcp',
  },
  controlPort: {
    flags: '--control-port <n>',
    description: 'HTTP control endpoint: GET /stats, GET /sources, POST /reset (for --verify-proxy)',
  },
  controlHost: {
    flags: '--control-host <address>',
    description: 'address the control endpoint listens on (not --host: it stays on loopback unless told)',
    default: '127.0.0.1',
  },
  controlToken: {
    flags: '--control-token <token>',
    description:
      'require `Authorization: Bearer <token>` on every control request; required beyond loopback (or set ' +
      'L4STRESS_CONTROL_TOKEN: a command line is visible to every user of the machine)',
  },
  dumpSources: {
    flags: '--dump-sources <file>',
    description: 'on exit, write every claimed source address with its count, one per line',
  },
  tls: {
    flags: '--tls',
    description:
      'terminate TLS after the optional PROXY header (with --cert/--key, or a self-signed certificate made ' +
      'by openssl at start)',
    transport: 'tcp',
  },
  tlsTimeout: {
    flags: '--tls-timeout <time>',
    description: 'with --tls: close a connection whose TLS handshake is not done this long after the header',
    default: '10s',
    transport: 'tcp',
  },
  cert: { flags: '--cert <file>', description: 'with --tls: PEM certificate (chain)', transport: 'tcp' },
  key: { flags: '--key <file>', description: 'with --tls: PEM private key', transport: 'tcp' },
  serviceTime: {
    flags: '--service-time <time>',
    description:
      'echo: serve each message in turn, taking this long (e.g. 200us), so this process answers at most 1/time ' +
      'messages per second: a backend of known capacity (default 0: answer at once). Bounded: connections take ' +
      'turns, one with 64 KiB waiting is not read until served below it, one whose echoes back up is not served, ' +
      "and a closed one's queue is dropped at once (GET /stats: serviceQueue)",
  },
  messageSize: {
    flags: '--message-size <bytes>',
    description:
      'with --service-time (refused without it): the message size it counts in (l4stress sends 64 B unless --size ' +
      'says); with --udp --mode source: the size of each datagram sent back (at most 65,507)',
    implied: '64',
  },
  maxSessions: {
    flags: '--max-sessions <n>',
    description:
      'serve at most n sessions at once; connections past it are accepted but wait unanswered until one ends ' +
      "(a proxy's maxconn queue, as a client sees it): a backend of known session capacity (default: no limit)",
    transport: 'tcp',
  },
  udp: {
    flags: '--udp',
    description:
      'serve UDP instead of TCP: each datagram answered by --mode (echo without its header, sink, source), PROXY v2 ' +
      "DGRAM or SPP headers read per datagram under --proxy (accept reads SPP from a payload's first bytes 0x56EC)",
  },
  queueLimit: {
    flags: '--queue-limit <n>',
    description:
      'with --udp --service-time: datagrams that may wait to be served; past it each is dropped and counted ' +
      '(GET /stats: dropped.queue-full)',
    implied: '1024',
    transport: 'udp',
  },
  rcvbuf: {
    flags: '--rcvbuf <bytes>',
    description:
      "with --udp: SO_RCVBUF asked for (the kernel doubles it, capped by net.core.rmem_max; default: the kernel's)",
    transport: 'udp',
  },
  sndbuf: {
    flags: '--sndbuf <bytes>',
    description:
      "with --udp: SO_SNDBUF asked for (the kernel doubles it, capped by net.core.wmem_max; default: the kernel's)",
    transport: 'udp',
  },
  quiet: { flags: '-q, --quiet', description: 'print nothing' },
} as const satisfies Record<keyof RawServeOptions, ServeOptionDef>;

export interface RawServeOptions {
  host: string;
  port: string;
  proxy: string;
  mode: string;
  headerTimeout: string;
  backlog: string;
  maxHeader: string;
  controlPort?: string;
  controlHost: string;
  controlToken?: string;
  dumpSources?: string;
  tls?: boolean;
  tlsTimeout: string;
  cert?: string;
  key?: string;
  serviceTime?: string;
  messageSize?: string;
  maxSessions?: string;
  udp?: boolean;
  queueLimit?: string;
  rcvbuf?: string;
  sndbuf?: string;
  quiet?: boolean;
}

/** Serve's options for one transport only, by their rows' `transport`: refused with the other (cli/serve-udp.ts). */
export const TRANSPORT_ONLY_SERVE_OPTIONS = (transport: Transport): (keyof RawServeOptions)[] =>
  (Object.keys(SERVE_OPTIONS) as (keyof RawServeOptions)[]).filter(
    (k) => (SERVE_OPTIONS[k] as ServeOptionDef).transport === transport,
  );
