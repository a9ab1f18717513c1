/**
 * The words l4stress's options and documents are made of, each list written once: commander's choices, the zod
 * enums of the documents, the TypeScript unions and resolveRunConfig all read these (a test checks no other file
 * spells one out). A mode list written five times had drifted before.
 */

/** Load modes: closed-loop or paced echo, bulk stream, connect churn, held sessions pinged. */
export const LOAD_MODES = ['echo', 'stream', 'connect', 'hold'] as const;
export type LoadMode = (typeof LOAD_MODES)[number];

/**
 * The PROXY protocol header a connection sends first (none: no header). Over UDP (--udp) v2 is sent with the DGRAM
 * transport and spp is Cloudflare Spectrum's Simple Proxy Protocol; spp is UDP's only and v1 TCP's only.
 */
export const PROXY_VERSIONS = ['none', 'v1', 'v2', 'spp'] as const;
export type ProxyVersion = (typeof PROXY_VERSIONS)[number];

/** The PROXY header's command: a proxied connection, or LOCAL (a health check). */
export const PROXY_COMMANDS = ['proxy', 'local'] as const;
export type ProxyCommand = (typeof PROXY_COMMANDS)[number];

/** What a run's load travels on: TCP sessions, or UDP flows (--udp: each flow its own socket and source port). */
export const TRANSPORTS = ['tcp', 'udp'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Which way a stream moves bytes. */
export const STREAM_DIRECTIONS = ['up', 'down', 'both'] as const;
export type StreamDirection = (typeof STREAM_DIRECTIONS)[number];

/** How l4stress closes a session on purpose. */
export const CLOSE_STYLES = ['fin', 'rst'] as const;
export type CloseStyle = (typeof CLOSE_STYLES)[number];

/** TLS versions, oldest first (the order --tls-min/--tls-max are compared in). */
export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** What a target does after the header: echo every byte back, read and discard, or send continuously. */
export const SERVE_MODES = ['echo', 'sink', 'source'] as const;
export type ServeMode = (typeof SERVE_MODES)[number];

/** How a target treats a PROXY header: never parse it, accept one if present, or require one. */
export const HEADER_POLICIES = ['none', 'accept', 'require'] as const;
export type HeaderPolicy = (typeof HEADER_POLICIES)[number];

/** The header a datagram may carry first: none, PROXY v2 with the DGRAM transport, or Cloudflare's SPP (38 B). */
export const DATAGRAM_HEADERS = ['none', 'v2', 'spp'] as const;
export type DatagramHeader = (typeof DATAGRAM_HEADERS)[number];

/** Why a datagram's header was refused (proxy/datagram.ts): a closed set, counted by the UDP target. */
export const DATAGRAM_HEADER_ERRORS = [
  'missing-header',
  'v2-bad-version',
  'v2-bad-command',
  'v2-bad-family',
  'v2-not-dgram',
  'v2-too-long',
  'v2-truncated',
  'v2-short-address',
  'v2-bad-tlv',
  'v2-bad-crc',
  'spp-truncated',
] as const;
export type DatagramHeaderError = (typeof DATAGRAM_HEADER_ERRORS)[number];

/** What is wrong with a datagram's stamp (udp/stamp.ts): too short to hold one, a bad check word, a length it does
 * not claim, a body that differs from the run's pattern. Each counts as corrupt. */
export const STAMP_FAULTS = ['short', 'check', 'length', 'body'] as const;
export type StampFault = (typeof STAMP_FAULTS)[number];

/**
 * The kernel UDP counters (instruments/udp-snmp.ts): key -> field of /proc/net/snmp's `Udp:` table; /proc/net/snmp6
 * names the same field `Udp6<field>`.
 */
export const UDP_COUNTERS = {
  inDatagrams: 'InDatagrams',
  noPorts: 'NoPorts',
  inErrors: 'InErrors',
  outDatagrams: 'OutDatagrams',
  rcvbufErrors: 'RcvbufErrors',
  sndbufErrors: 'SndbufErrors',
  inCsumErrors: 'InCsumErrors',
  memErrors: 'MemErrors',
} as const;
export type UdpCounterName = keyof typeof UDP_COUNTERS;
export const UDP_COUNTER_NAMES = Object.keys(UDP_COUNTERS) as UdpCounterName[];

/** The kernel TCP counters a result keeps (instruments/kernel-tcp.ts): result key -> (/proc/net table, field). */
export const KERNEL_COUNTERS = {
  listenOverflows: ['TcpExt', 'ListenOverflows'],
  listenDrops: ['TcpExt', 'ListenDrops'],
  synRetrans: ['TcpExt', 'TCPSynRetrans'],
  timeouts: ['TcpExt', 'TCPTimeouts'],
  abortOnTimeout: ['TcpExt', 'TCPAbortOnTimeout'],
  abortOnData: ['TcpExt', 'TCPAbortOnData'],
  backlogDrop: ['TcpExt', 'TCPBacklogDrop'],
  retransSegs: ['Tcp', 'RetransSegs'],
  outRsts: ['Tcp', 'OutRsts'],
  attemptFails: ['Tcp', 'AttemptFails'],
  estabResets: ['Tcp', 'EstabResets'],
} as const satisfies Record<string, readonly ['TcpExt' | 'Tcp', string]>;
export type KernelCounterName = keyof typeof KERNEL_COUNTERS;
export const KERNEL_COUNTER_NAMES = Object.keys(KERNEL_COUNTERS) as KernelCounterName[];

/** What `l4stress find` grows: open-loop messages/s, concurrent sessions, connections/s, full TLS handshakes/s. */
export const FIND_DIMENSIONS = ['rate', 'conns', 'cps', 'tls-handshakes'] as const;
export type FindDimension = (typeof FIND_DIMENSIONS)[number];

/** Why a capacity search proposed a probe (find/search.ts). */
export const FIND_PROBE_PURPOSES = ['grow', 'step-down', 'bisect', 'plateau', 'confirm', 'retry', 'above'] as const;
export type FindProbePurpose = (typeof FIND_PROBE_PURPOSES)[number];

/** How a capacity search ended: confirmed, a bound reached, nothing passed, the generator gave out, stopped. */
export const FIND_ENDS = [
  'found',
  'to-reached',
  'nothing-passed',
  'generator-limit',
  'machine-limit',
  'inconclusive',
  'stopped',
] as const;
export type FindEnd = (typeof FIND_ENDS)[number];

/**
 * Whose limit a failed probe (and a search's answer) was: the target's; the generator's own; the machine's (our own
 * processes filled it: the figure is this setup's); or inconclusive (others took its cores: nothing to say).
 */
export const FIND_LIMITS = ['target', 'generator', 'machine', 'inconclusive'] as const;
export type FindLimit = (typeof FIND_LIMITS)[number];

/** Whose target a run loads: the one l4stress starts itself, or one given with --target. */
export const TARGET_KINDS = ['embedded', 'external'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** A run's phases, in order: sessions opening, warm-up (not measured), the measured window, stopping. */
export const RUN_PHASES = ['ramp', 'warmup', 'measure', 'stopping'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];
