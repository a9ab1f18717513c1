/**
 * The embedded target: a TCP echo server that accepts PROXY v1/v2 headers (streaming, auto-detected), counts what
 * it saw, and echoes every byte after the header. It runs in its own process (see serve-process.ts) so its
 * sockets do not share the generator's file-descriptor limit. Plain TCP listens on bare handles
 * (handle-server.ts); TLS, and a Node without the handle API, on the net.Server below.
 */
import net from 'node:net';
import tls from 'node:tls';
import { tcpBindings } from '../core/tcp-bindings.js';
import type { ServeMode } from '../load/traits.js';
import { tlsErrorKind } from '../metrics/errors.js';
import { endpointKey } from '../proxy/header.js';
import { type ProxyHeader, ProxyHeaderParser, type ProxyMode } from '../proxy/parser.js';
import { SourceTally, type SourceTallyDoc } from '../proxy/source-tally.js';
import { tlvName } from '../proxy/spec.js';
import { listenOnHandles } from './handle-server.js';
import { SLOWDOWN, slowDown } from './slowdown.js';
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

const SOURCE_CHUNK = Buffer.alloc(64 * 1024, 0x5a);

const EMPTY = Buffer.alloc(0);

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
  const listener = handles
    ? listenOnHandles(options, tally, handles, SOURCE_CHUNK)
    : await listenOnSockets(options, tally);

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
    close: () => listener.close(),
  };
}

/** The net.Server listener: TLS after the header, or plain TCP where the handle API is missing. */
async function listenOnSockets(options: EchoServerOptions, tally: TargetTally): Promise<Listener> {
  const secureContext = options.tls ? tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key }) : null;
  const sockets = new Set<net.Socket>();

  const server = net.createServer({ noDelay: true }, (socket) => {
    tally.stats.accepted++;
    tally.stats.open++;
    if (tally.stats.open > tally.stats.peakOpen) tally.stats.peakOpen = tally.stats.open;
    sockets.add(socket);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A client's RST is how a churn run may close on purpose: count it, it is not the target's fault.
      bump(tally.stats.socketErrors, err.code ?? 'OTHER');
    });
    socket.on('close', () => {
      tally.stats.open--;
      sockets.delete(socket);
    });
    socket.on('end', () => socket.end());

    /** After the header: echo, sink or source on `stream` (the TCP socket, or the TLS socket over it). */
    const serve = (stream: net.Socket, rest: Buffer): void => {
      const echo = (chunk: Buffer): void => {
        const start = SLOWDOWN > 1 ? performance.now() : 0;
        tally.stats.bytesIn += chunk.length;
        tally.stats.bytesOut += chunk.length;
        // Backpressure: a client that sends without reading must not grow this process; read again on 'drain'.
        if (!stream.write(chunk)) stream.pause();
        if (SLOWDOWN > 1) slowDown(start);
      };
      const sink = (chunk: Buffer): void => {
        tally.stats.bytesIn += chunk.length;
      };
      const onPayload = options.mode === 'echo' ? echo : sink;
      // Source: write the shared chunk until the kernel buffer is full, continue on 'drain' (bounded memory).
      const source = (): void => {
        while (!stream.destroyed && stream.writable) {
          tally.stats.bytesOut += SOURCE_CHUNK.length;
          if (!stream.write(SOURCE_CHUNK)) break;
        }
      };
      stream.on('data', onPayload);
      if (options.mode === 'echo') stream.on('drain', () => stream.resume());
      if (options.mode === 'source') {
        stream.on('drain', source);
        source();
      }
      if (rest.length > 0) onPayload(rest);
    };
    /** The header is done (or there is none): serve in the clear, or terminate TLS first. */
    const begin = (rest: Buffer): void => {
      if (!secureContext) {
        serve(socket, rest);
        return;
      }
      // Bytes that came with the header are the ClientHello's: hand them back to the socket TLS will read.
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext,
        ALPNCallback: ({ protocols }) => protocols[0],
      });
      // A client that sends part of a ClientHello and waits would hold its session (and its memory) forever.
      const handshakeTimer = setTimeout(() => {
        if (secured) return;
        bump(tally.stats.tlsFailed, 'TLS_TIMEOUT');
        timedOut = true;
        secure.destroy();
        socket.destroy();
      }, options.tlsHandshakeTimeoutMs);
      let timedOut = false;
      secure.on('error', (err: NodeJS.ErrnoException) => {
        if (timedOut) return;
        if (!secured) bump(tally.stats.tlsFailed, tlsErrorKind(err.code));
        else bump(tally.stats.socketErrors, err.code ?? 'OTHER');
      });
      socket.once('close', () => clearTimeout(handshakeTimer));
      let secured = false;
      secure.once('secure', () => {
        secured = true;
        clearTimeout(handshakeTimer);
        tally.stats.tlsHandshakes++;
        if (secure.isSessionReused()) tally.stats.tlsResumed++;
        const sni = (secure as unknown as { servername?: string | false }).servername;
        bump(tally.stats.tlsSni, sni || '(none)');
        if (secure.alpnProtocol) bump(tally.stats.tlsAlpn, secure.alpnProtocol);
      });
      secure.on('end', () => secure.end());
      serve(secure, EMPTY);
    };
    if (options.proxy === 'none') {
      begin(EMPTY);
      return;
    }
    const parser = new ProxyHeaderParser({ mode: options.proxy, maxV2Length: options.maxV2Length });
    let headerBytes = 0;
    let headerDone = false;
    const timer = setTimeout(() => reject('header-timeout'), options.headerTimeoutMs);
    const reject = (reason: string): void => {
      headerDone = true;
      bump(tally.stats.rejected, reason);
      socket.removeListener('data', onFirstBytes);
      socket.destroy();
    };
    const onFirstBytes = (chunk: Buffer): void => {
      headerBytes += chunk.length;
      const step = parser.push(chunk);
      if (step.status === 'more') return;
      headerDone = true;
      clearTimeout(timer);
      if (step.status === 'error') {
        reject(step.reason);
        return;
      }
      tally.onHeader(step.header);
      socket.removeListener('data', onFirstBytes);
      begin(step.rest);
    };
    socket.on('data', onFirstBytes);
    socket.on('close', () => {
      clearTimeout(timer);
      // The client left first: every connection is accounted for, these too.
      if (!headerDone) bump(tally.stats.abandoned, headerBytes === 0 ? 'before-header' : 'mid-header');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: options.backlog }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  // Accept errors (EMFILE under a low fd limit) must not kill the target: count them and keep serving.
  server.on('error', (err: NodeJS.ErrnoException) => bump(tally.stats.socketErrors, err.code ?? 'OTHER'));
  const addr = server.address() as net.AddressInfo;
  return {
    address: { host: addr.address, port: addr.port },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
