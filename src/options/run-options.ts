/**
 * The one table of `l4stress run` options, each row saying where it applies (options/applies.ts: a single run,
 * --scenario, a scenario step, find, a find step, the library's run()). Commander's options and --help, the
 * scenario file's step keys, find's run options, the library's option type and the raw option type are all read
 * from it, so an option cannot exist in one place and be missing from another. Values stay strings here (as typed,
 * with the same units everywhere); config/resolve-run-config.ts turns them into a RunConfig.
 *
 * Over 300 lines on purpose: it is one table, a row per option, and splitting it would bring back the copies it
 * replaced.
 */

import { SCRAPE_BOUNDS_TEXT } from '../core/scrape-bounds.js';
import {
  CLOSE_STYLES,
  LOAD_MODES,
  PROXY_COMMANDS,
  PROXY_VERSIONS,
  STREAM_DIRECTIONS,
  TLS_VERSIONS,
  WATCH_TARGET,
} from '../core/vocabulary.js';
import { longFlag, type OptionDef, type OptionPath } from './applies.js';

/** PROXY v2 TLVs --proxy-tlv accepts (also named in the parser's error message). */
export const TLV_HELP =
  'authority=NAME, alpn=PROTO, unique-id=auto|TEXT, noop=BYTES, crc32c, netns=NAME, ' +
  'ssl=VERSION[,cn=NAME][,cipher=NAME], 0xE0..0xEF=TEXT|hex:BYTES';

/** Every path: a run, --scenario and its steps, find and its steps, the library. */
const EVERY = ['run', 'scenario', 'step', 'find', 'find-step', 'library'] as const;
/** A step option a search sets itself or cannot split: not find's, nor a find step's. */
const NOT_FIND = ['run', 'scenario', 'step', 'library'] as const;
/** For the whole run, scenario or search: given once, never a step key. */
const WHOLE = ['run', 'scenario', 'find', 'library'] as const;
/** One run's or one search's own document (a scenario writes one per step). */
const OWN_DOCUMENT = ['run', 'find', 'library'] as const;
/** A single run only. */
const SINGLE = ['run', 'library'] as const;
/** With --scenario only. */
const SCENARIO = ['scenario'] as const;

export type RunOptionDef = OptionDef & { applies: readonly OptionPath[] };

/** Options as commander hands them over: strings as typed (or defaults), booleans for flags, lists when repeatable. */
export interface RawRunOptions {
  target?: string;
  udp?: boolean;
  bitrate?: string;
  conns: string;
  proxy: string;
  proxySrc: string;
  proxyDst: string;
  proxyCommand: string;
  proxyTlv?: string[];
  verifyProxy?: string | boolean;
  tls?: boolean;
  sni?: string;
  alpn?: string;
  tlsCa?: string;
  tlsInsecure?: boolean;
  tlsMin?: string;
  tlsMax?: string;
  tlsCiphers?: string;
  tlsResume?: boolean;
  duration: string;
  warmup: string;
  connectRate: string;
  maxConnecting: string;
  connectTimeout: string;
  rampTimeout?: string;
  size?: string;
  mode: string;
  rate?: string;
  direction?: string;
  pingInterval?: string;
  reconnect?: boolean;
  shard?: string;
  startAt?: string;
  close: string;
  churnEcho?: boolean;
  echoTimeout: string;
  drainTimeout: string;
  sourceIps?: string;
  processes?: string;
  workers?: string;
  seed?: string;
  name?: string;
  out?: string;
  resultsDir: string;
  watchPid?: string[];
  watchTarget?: string;
  scrape?: string[];
  scrapeMetric?: string[];
  metricsPort?: string;
  calibration?: string;
  calibrate?: boolean;
  quiet?: boolean;
  json?: boolean;
  scenario?: string;
  profile?: string;
  iterations?: string;
  baseline?: string;
  referenceCli?: string;
  allow: string;
  gate: string;
  alpha: string;
  markdown?: string;
  report?: string;
  threshold?: string[];
}
export type RunOptionKey = keyof RawRunOptions;

/** Every key of RawRunOptions has its row (the Record type makes a missing one a compile error), in --help order. */
const TABLE = {
  target: {
    flags: '-t, --target <host:port>',
    description:
      'TCP service to load (UDP with --udp); without it an embedded echo target starts in its own process ' +
      '(with --scenario: ' +
      "replaces the scenario's target)",
    applies: WHOLE,
  },
  udp: {
    flags: '--udp',
    description:
      'load over UDP: --conns flows, each its own socket and source port, every datagram stamped (flow, sequence, ' +
      'send time) so loss, reordering, duplicates and corruption count exactly; echo, hold (flows pinged) and ' +
      'stream (paced datagrams); --proxy v2 (DGRAM) or spp on every datagram; the embedded target serves UDP',
    applies: EVERY,
  },
  bitrate: {
    flags: '--bitrate <bits/s>',
    description:
      "--udp --mode stream: the offered rate in bits per second of payload (e.g. 100M, 1G: iperf3 -u's -b), " +
      'instead of --rate datagrams per second',
    applies: EVERY,
    modes: ['stream'],
    transport: 'udp',
  },
  conns: {
    flags: '-c, --conns <n>',
    description: 'concurrent connections (--udp: flows), total across workers',
    default: '100',
    applies: EVERY,
  },
  proxy: {
    flags: '-p, --proxy <version>',
    description:
      'PROXY protocol header sent first on every connection (--udp: on every datagram, v2 with the DGRAM ' +
      "transport or spp, Cloudflare Spectrum's 38-byte header; v1 is TCP only)",
    default: 'none',
    choices: PROXY_VERSIONS,
    applies: EVERY,
  },
  proxySrc: {
    flags: '--proxy-src <spec>',
    description:
      'source the header claims: socket (the real one), IP[:port], [v6]:port, a CIDR pool (10.0.0.0/8, ' +
      '2001:db8::/64; ' +
      'one distinct address:port per connection, from --seed), unix:/path (v2), unknown (v1 UNKNOWN / v2 UNSPEC)',
    default: 'socket',
    applies: EVERY,
  },
  proxyDst: {
    flags: '--proxy-dst <spec>',
    description: 'destination the header claims (socket = the target; same forms as --proxy-src)',
    default: 'socket',
    applies: EVERY,
  },
  proxyCommand: {
    flags: '--proxy-command <command>',
    description: 'v2 command: proxy, or local (no addresses, as health checks send)',
    default: 'proxy',
    choices: PROXY_COMMANDS,
    applies: EVERY,
  },
  proxyTlv: {
    flags: '--proxy-tlv <tlv>',
    description: `v2 TLV, repeatable: ${TLV_HELP}`,
    repeatable: true,
    applies: EVERY,
  },
  verifyProxy: {
    flags: '--verify-proxy [url]',
    description:
      'check that every claimed source arrived at the backend: alone for the embedded target, or the control URL of ' +
      'an `l4stress serve --control-port` behind the ingress',
    applies: SINGLE,
  },
  tls: {
    flags: '--tls',
    description:
      'open TLS over every session, after the PROXY header (the embedded target then terminates TLS with a ' +
      'self-signed certificate this run trusts)',
    applies: EVERY,
    transport: 'tcp',
  },
  sni: {
    flags: '--sni <name>',
    description: 'TLS server name to send (default: the target host when it is a name); a trailing dot is dropped',
    applies: EVERY,
    transport: 'tcp',
  },
  alpn: {
    flags: '--alpn <protocols>',
    description: 'TLS ALPN protocols to offer, comma-separated (e.g. h2,http/1.1)',
    applies: EVERY,
    transport: 'tcp',
  },
  tlsCa: {
    flags: '--tls-ca <file>',
    description: "PEM CA certificate(s) to verify the target's certificate with (default: the system's)",
    applies: EVERY,
    transport: 'tcp',
  },
  tlsInsecure: {
    flags: '--tls-insecure',
    description: "do not verify the target's certificate",
    applies: EVERY,
    transport: 'tcp',
  },
  tlsMin: {
    flags: '--tls-min <version>',
    description: 'lowest TLS version to offer',
    choices: TLS_VERSIONS,
    applies: EVERY,
    transport: 'tcp',
  },
  tlsMax: {
    flags: '--tls-max <version>',
    description: 'highest TLS version to offer',
    choices: TLS_VERSIONS,
    applies: EVERY,
    transport: 'tcp',
  },
  tlsCiphers: {
    flags: '--tls-ciphers <list>',
    description: 'OpenSSL cipher list for TLS 1.2 and below',
    applies: EVERY,
    transport: 'tcp',
  },
  tlsResume: {
    flags: '--tls-resume',
    description:
      'resume TLS sessions (tickets or IDs) from earlier connections to the same target; resumed and full ' +
      'handshakes are counted apart',
    applies: EVERY,
    transport: 'tcp',
  },
  duration: {
    flags: '-d, --duration <time>',
    description: 'measured phase, after ramp-up and warm-up (e.g. 30s, 2m)',
    default: '10s',
    applies: NOT_FIND,
    why: { find: 'a probe measures --window', 'find-step': 'a probe measures find.window' },
  },
  warmup: {
    flags: '--warmup <time>',
    description: 'traffic excluded from the final statistics (the timeline shows it)',
    default: '1s',
    applies: EVERY,
  },
  connectRate: {
    flags: '--connect-rate <rate>',
    description: 'new connections per second during ramp-up, total (e.g. 2000, 5k/s); 0 = unlimited',
    default: '0',
    applies: EVERY,
  },
  maxConnecting: {
    flags: '--max-connecting <n>',
    description: 'sessions being opened at once, total: connect plus first echo (bounds SYN bursts)',
    default: '512',
    applies: EVERY,
  },
  connectTimeout: {
    flags: '--connect-timeout <time>',
    description: 'a connect slower than this fails as ETIMEDOUT',
    default: '5s',
    applies: EVERY,
    transport: 'tcp',
  },
  rampTimeout: {
    flags: '--ramp-timeout <time>',
    description:
      'stop waiting for the ramp-up after this long (default: none while connections make progress; the ramp ' +
      'ends when none did for twice --connect-timeout, at least 10s)',
    applies: EVERY,
  },
  size: {
    flags: '-s, --size <bytes>',
    description:
      "message size (echo, hold, churn echo; default 64) or write size (stream; default 64KiB; a UDP stream's " +
      'datagrams 1200), e.g. 512B, 4KiB',
    applies: EVERY,
  },
  mode: {
    flags: '-m, --mode <mode>',
    description:
      'echo: request/response on every session (closed loop, or open loop with --rate); stream: continuous bytes ' +
      '(--direction); connect: churn, open -> header -> [echo] -> close; hold: idle sessions pinged every ' +
      '--ping-interval',
    default: 'echo',
    choices: LOAD_MODES,
    applies: EVERY,
  },
  rate: {
    flags: '-r, --rate <rate>',
    modes: ['echo'],
    udpModes: ['echo', 'stream'],
    description:
      'echo open loop: total messages per second over all connections, sent at their intended times; latency is ' +
      'measured from those times (coordinated omission corrected); --udp --mode stream: datagrams per second',
    applies: EVERY,
  },
  direction: {
    flags: '--direction <dir>',
    description: 'stream: up (we send, the target sinks), down (the target sends), both (default: up)',
    choices: STREAM_DIRECTIONS,
    applies: EVERY,
    modes: ['stream'],
    transport: 'tcp',
  },
  pingInterval: {
    flags: '--ping-interval <time>',
    description: 'hold: one echo per connection this often, spread evenly (default: 1s)',
    applies: EVERY,
    modes: ['hold'],
  },
  close: {
    flags: '--close <style>',
    description: 'how connections close (each cycle in connect mode): fin, or rst (SO_LINGER 0: no TIME_WAIT)',
    default: 'fin',
    choices: CLOSE_STYLES,
    applies: EVERY,
    transport: 'tcp',
  },
  churnEcho: {
    flags: '--churn-echo',
    description: 'connect mode: one echo round trip per cycle before closing',
    applies: EVERY,
    modes: ['connect'],
    transport: 'tcp',
  },
  shard: {
    flags: '--shard <i/n>',
    description:
      'run shard I of N (0-based) of this run on this machine: connections, rates and connection ids split so N ' +
      'machines together make one run against one --target; job/N takes I from JOB_COMPLETION_INDEX (a ' +
      'Kubernetes Indexed Job)',
    applies: NOT_FIND,
    why: { find: 'a search runs whole, on one machine', 'find-step': 'a search runs whole, on one machine' },
  },
  startAt: {
    flags: '--start-at <time>',
    description:
      'start the load at this wall-clock time (ISO 8601 with a zone, e.g. 2026-11-28T10:00:00Z): shards ramp ' +
      'together; a late start is recorded',
    applies: SINGLE,
    why: { find: 'a search starts when it is run' },
  },
  reconnect: {
    flags: '--reconnect',
    description:
      'long-lived modes: reopen a session the target dropped, with exponential backoff (100 ms doubling to 2 s, ' +
      'jittered); drops still count as errors, reconnects are counted apart',
    applies: EVERY,
    modes: ['echo', 'stream', 'hold'],
    transport: 'tcp',
  },
  echoTimeout: {
    flags: '--echo-timeout <time>',
    description: 'an echo not back after this long counts as missing and the session moves on',
    default: '5s',
    applies: EVERY,
  },
  drainTimeout: {
    flags: '--drain-timeout <time>',
    description:
      'at the stop, wait this long at most for echoes in flight (and stream writes to flush) before closing; ' +
      'bytes still missing then count as lost',
    default: '3s',
    applies: EVERY,
    transport: 'tcp',
  },
  sourceIps: {
    flags: '--source-ips <ips>',
    description:
      'local addresses to bind, spread over connections: a range 127.0.0.1-127.0.0.16, a list, or a CIDR ' +
      '(more ephemeral ports than one address has)',
    applies: EVERY,
  },
  processes: {
    flags: '--processes <n>',
    description:
      'generator processes (default: as many as --conns needs under the fd limit); each runs --workers threads',
    applies: EVERY,
  },
  workers: {
    flags: '-w, --workers <n>',
    description:
      'worker threads (default: available cores, one fewer for a target on loopback); connections and rates are ' +
      'split among them',
    applies: EVERY,
  },
  seed: {
    flags: '--seed <n>',
    description: 'seed for every random choice (default: random, recorded in the result)',
    applies: EVERY,
  },
  name: {
    flags: '-n, --name <name>',
    description:
      'run name for the result file (default: <mode>-c<conns>-<proxy>; echo --rate: echo-open-c<conns>-<proxy>)',
    applies: OWN_DOCUMENT,
  },
  out: {
    flags: '-o, --out <file>',
    description: 'result file (default: <results-dir>/<timestamp>-<name>.json)',
    applies: OWN_DOCUMENT,
  },
  resultsDir: {
    flags: '--results-dir <dir>',
    description: 'folder for result files',
    default: 'results',
    applies: WHOLE,
  },
  metricsPort: {
    flags: '--metrics-port <port>',
    description: 'serve the per-second figures as OpenMetrics on http://127.0.0.1:PORT/metrics while the run lasts',
    applies: SINGLE,
  },
  watchPid: {
    flags: '--watch-pid <pid>',
    description:
      "also sample this process's CPU and RSS each second (repeatable; the embedded target is always watched)",
    repeatable: true,
    applies: EVERY,
  },
  watchTarget: {
    flags: '--watch-target <when>',
    description:
      'a --target on loopback: find the process(es) holding its listening socket (/proc/net, /proc/PID/fd) and ' +
      'watch them as --watch-pid would, so the machine verdict counts their CPU as ours (off: do not; a --watch-pid ' +
      'given wins)',
    default: 'auto',
    choices: WATCH_TARGET,
    applies: EVERY,
  },
  scrape: {
    flags: '--scrape <url>',
    description:
      "fetch the ingress's own metrics (Prometheus text or OpenMetrics, http or https, any port; user:password@ is " +
      'sent as Basic auth and redacted everywhere) every second during the run: HAProxy and Envoy series by default, ' +
      `into the timeline, the summary and thresholds (scrape.NAME); ${SCRAPE_BOUNDS_TEXT}; repeatable`,
    repeatable: true,
    applies: EVERY,
  },
  scrapeMetric: {
    flags: '--scrape-metric <pattern>',
    description:
      'with --scrape: keep the series whose name matches (`*` for any run of characters, e.g. haproxy_frontend_*) ' +
      'instead of the built-in selections; repeatable',
    repeatable: true,
    applies: EVERY,
  },
  calibration: {
    flags: '--calibration <file>',
    description: 'hardware profile to compare with (default: results/profiles/<hostname>.json when it exists)',
    applies: OWN_DOCUMENT,
  },
  calibrate: {
    flags: '--calibrate',
    description: "run a quick calibration (iperf3, netperf) first and save it as this host's profile",
    applies: SINGLE,
  },
  quiet: { flags: '-q, --quiet', description: 'no progress and no summary', applies: WHOLE },
  json: {
    flags: '--json',
    description: 'print the result JSON on stdout (the summary goes to stderr)',
    applies: ['run'] as const,
  },
  scenario: {
    flags: '--scenario <file>',
    description:
      'run a scenario file (steps x matrix x iterations, thresholds); run options given here override every step',
    applies: SCENARIO,
  },
  profile: {
    flags: '--profile <name>',
    description: 'with --scenario: the profile to use (e.g. ci, full)',
    applies: SCENARIO,
  },
  iterations: {
    flags: '--iterations <n>',
    description: 'with --scenario: override the iterations of every step',
    applies: SCENARIO,
  },
  referenceCli: {
    flags: '--reference-cli <file>',
    description:
      "with --scenario: another build's bin/l4stress.js; every iteration runs with it too, interleaved (ABBA), and " +
      'the gate compares this build with it on the same machine at the same time (noise-immune)',
    applies: SCENARIO,
  },
  baseline: {
    flags: '--baseline <summary>',
    description: 'with --scenario: compare with this baseline summary and fail on a regression',
    applies: SCENARIO,
  },
  allow: {
    flags: '--allow <percent>',
    description:
      'with --baseline or --reference-cli: the variance allowed before a change counts (per metric: 50%,cpu.op=25%)',
    default: '10%',
    applies: SCENARIO,
  },
  gate: {
    flags: '--gate <metrics>',
    description:
      'with --baseline or --reference-cli, and compare: metrics whose regression fails (comma-separated; errors: any ' +
      'where the baseline had none; loss: UDP steps only, skipped where neither side has it)',
    default: 'p95,errors,loss',
    applies: SCENARIO,
  },
  alpha: {
    flags: '--alpha <p>',
    description: 'with --baseline or --reference-cli: significance level of the Mann-Whitney test',
    default: '0.05',
    applies: SCENARIO,
  },
  report: {
    flags: '--report <formats>',
    description:
      'also write reports at the end: html, md (comma-separated); beside the result (a scenario: in its run folder)',
    applies: ['run', 'scenario', 'find'] as const,
  },
  threshold: {
    flags: '--threshold <expr>',
    description: "a pass/fail rule on this run, e.g. 'p95<5ms', 'errors==0' (repeatable; exit 5 when one fails)",
    repeatable: true,
    applies: SINGLE,
    why: { find: 'gate each probe with --slo, the capacity with --expect' },
  },
  markdown: {
    flags: '--markdown <file>',
    description: 'with --scenario: also write the Markdown perf summary here',
    applies: SCENARIO,
  },
} as const satisfies Record<RunOptionKey, RunOptionDef>;
export const RUN_OPTIONS: Record<RunOptionKey, RunOptionDef> = TABLE;

/** Options a scenario step may set (camelCase keys, the command line's units). */
export const STEP_OPTION_KEYS = (Object.keys(RUN_OPTIONS) as RunOptionKey[]).filter((k) =>
  (RUN_OPTIONS[k].applies as readonly OptionPath[]).includes('step'),
);

/** Defaults as typed, for building a RawRunOptions without commander (scenarios, the library API). */
export const RUN_DEFAULTS = Object.fromEntries(
  (Object.keys(RUN_OPTIONS) as RunOptionKey[]).flatMap((k) =>
    RUN_OPTIONS[k].default === undefined ? [] : [[k, RUN_OPTIONS[k].default]],
  ),
) as Pick<
  RawRunOptions,
  | 'conns'
  | 'proxy'
  | 'proxySrc'
  | 'proxyDst'
  | 'proxyCommand'
  | 'duration'
  | 'warmup'
  | 'connectRate'
  | 'maxConnecting'
  | 'connectTimeout'
  | 'mode'
  | 'close'
  | 'echoTimeout'
  | 'drainTimeout'
  | 'resultsDir'
  | 'allow'
  | 'gate'
  | 'alpha'
>;

/** `--proxy-src` for `proxySrc`: how messages name an option. */
export function flagOf(key: RunOptionKey): string {
  return longFlag(RUN_OPTIONS[key]);
}

/** The keys the library's run() takes, from the table (the type of its options). */
export type LibraryKey = {
  [K in RunOptionKey]: 'library' extends (typeof TABLE)[K]['applies'][number] ? K : never;
}[RunOptionKey];
