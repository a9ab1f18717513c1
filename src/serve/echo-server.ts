/**
 * The target (`serve` and the embedded one): a TCP server that accepts PROXY v1/v2 headers (streaming,
 * auto-detected), counts what it saw, then serves the mode: echo, sink or source, with --service-time's bounded line
 * and --max-sessions' gate. It runs in its own process (see serve-process.ts) so its sockets do not share the
 * generator's file-descriptor limit.
 *
 * Why two listeners: plain TCP runs on bare libuv handles (handle-listener.ts accepts, handle-server.ts serves: a
 * tenth less CPU and 40% less memory than net.Socket), but Node's TLS needs a stream under it, so TLS (and a Node
 * without the handle API) listens on a net.Server (socket-server.ts). Both report into one TargetTally and share the
 * header parser, the source tally and the modes' rules, so what the target counts is the same whichever carried it.
 */
import { tcpBindings } from '../core/tcp-bindings.js';
import { endpointKey } from '../proxy/header.js';
import type { ProxyHeader, ProxyMode } from '../proxy/parser.js';
import { SourceTally, type SourceTallyDoc } from '../proxy/source-tally.js';
import { tlvName } from '../proxy/spec.js';
import type { ServeMode } from '../worker-contract/traits.js';
import { listenOnHandles } from './handle-listener.js';
import { ServiceQueue } from './service-queue.js';
import { listenOnSockets } from './socket-server.js';
import { bump, emptyTargetStats, type TargetStats } from './stats.js';

export type { ServeMode };

export interface EchoServerOptions {
  host: string;
  port: number;
  proxy: ProxyMode;
  mode: ServeMode;
  /** How long a connection may take to deliver a complete header before it is closed. */
  headerTimeoutMs: number;
  backlog: number;
  /** Largest v2 header variable part accepted; longer headers are closed as `v2-too-long`. */
  maxV2Length: number;
  /** Terminate TLS after the header (PEM certificate and key); null: plain TCP. */
  tls: { cert: string; key: string } | null;
  /** With TLS: a handshake not done this long after the header is closed (a TLS slowloris). */
  tlsHandshakeTimeoutMs: number;
  /** --service-time (µs per message, 0: answer at once) and the message size it counts in (service-queue.ts). */
  serviceTimeUs: number;
  messageBytes: number;
  /** --max-sessions: sessions served at once, the rest wait (session-gate.ts); 0: no limit. */
  maxSessions: number;
}

export interface EchoServer {
  address: { host: string; port: number };
  stats(): TargetStats;
  /** Claimed sources since start or the last reset (bounded: see proxy/source-tally.ts). */
  sources(): SourceTallyDoc;
  /** Starts a fresh measurement window: counters and sources back to zero (open connections stay open). */
  reset(): void;
  close(): Promise<void>;
}

/** What a listener reports into: the counters (replaced by reset) and the claimed sources. */
export interface TargetTally {
  stats: TargetStats;
  onHeader(header: ProxyHeader | null): void;
}

/** A listening socket layer: where it listens, and how to close it with every connection. */
export interface Listener {
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** What a source writes, over and over (shared by both listeners). */
const SOURCE_CHUNK = Buffer.alloc(64 * 1024, 0x5a);

export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  // Bounded: past MAX_TRACKED_SOURCES distinct keys, only the digest and `sourcesOverflow` grow.
  const sources = new SourceTally();
  const tally: TargetTally = {
    stats: emptyTargetStats(),
    onHeader(header) {
      const stats = tally.stats;
      if (!header) {
        stats.noHeader++;
        return;
      }
      bump(stats.headers, `v${header.version} ${header.command} ${header.family}`);
      if (header.crcVerified) stats.crcVerified++;
      for (const tlv of header.tlvs) bump(stats.tlvs, tlvName(tlv.type));
      if (header.source && header.command === 'PROXY' && header.family !== 'UNIX' && header.family !== 'UNIX_DGRAM') {
        sources.add(endpointKey(header.source));
        stats.sourcesOverflow = sources.overflow;
      }
    },
  };
  const handles = options.tls ? null : tcpBindings();
  const service =
    options.serviceTimeUs > 0 && options.mode === 'echo'
      ? new ServiceQueue(options.serviceTimeUs, options.messageBytes)
      : null;
  const listener = handles
    ? listenOnHandles(options, tally, handles, SOURCE_CHUNK, service)
    : await listenOnSockets(options, tally, SOURCE_CHUNK, service);

  return {
    address: listener.address,
    stats() {
      const usage = process.resourceUsage();
      const stats = tally.stats;
      return {
        ...stats,
        headers: { ...stats.headers },
        rejected: { ...stats.rejected },
        tlvs: { ...stats.tlvs },
        socketErrors: { ...stats.socketErrors },
        distinctSources: sources.counts.size,
        maxRssBytes: usage.maxRSS * 1024,
        cpuUserUs: usage.userCPUTime,
        cpuSystemUs: usage.systemCPUTime,
        ...(service && { serviceQueue: { ...service.totals } }),
      };
    },
    sources() {
      return sources.toDoc();
    },
    reset() {
      const open = tally.stats.open;
      tally.stats = emptyTargetStats();
      tally.stats.open = open;
      tally.stats.peakOpen = open;
      sources.clear();
    },
    close: () => {
      service?.stop();
      return listener.close();
    },
  };
}
