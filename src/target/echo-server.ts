/**
 * The embedded target: a TCP echo server that accepts PROXY v1/v2 headers (streaming, auto-detected), counts what
 * it saw, and echoes every byte after the header. It runs in its own process (see serve-process.ts) so its
 * sockets do not share the generator's file-descriptor limit.
 */
import net from 'node:net';
import type { ServeMode } from '../load/traits.js';
import { endpointKey } from '../proxy/header.js';
import { type ProxyHeader, ProxyHeaderParser, type ProxyMode } from '../proxy/parser.js';
import { tlvName } from '../proxy/spec.js';
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
}

export interface EchoServer {
  address: { host: string; port: number };
  stats(): TargetStats;
  /** Claimed source `addr:port` -> how many connections claimed it, since start or the last reset. */
  sources(): Record<string, number>;
  /** Starts a fresh measurement window: counters and sources back to zero (open connections stay open). */
  reset(): void;
  close(): Promise<void>;
}

const SOURCE_CHUNK = Buffer.alloc(64 * 1024, 0x5a);

/** Bounds the memory of the source set; past it sources are counted in `sourcesOverflow` only. */
const MAX_SOURCES = 2_000_000;

export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  let stats = emptyTargetStats();
  let sources = new Map<string, number>();
  const sockets = new Set<net.Socket>();

  const onHeader = (header: ProxyHeader | null): void => {
    if (!header) {
      stats.noHeader++;
      return;
    }
    bump(stats.headers, `v${header.version} ${header.command} ${header.family}`);
    if (header.crcVerified) stats.crcVerified++;
    for (const tlv of header.tlvs) bump(stats.tlvs, tlvName(tlv.type));
    if (header.source && header.command === 'PROXY' && header.family !== 'UNIX' && header.family !== 'UNIX_DGRAM') {
      const key = endpointKey(header.source);
      if (sources.size < MAX_SOURCES || sources.has(key)) sources.set(key, (sources.get(key) ?? 0) + 1);
      else stats.sourcesOverflow++;
    }
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    stats.accepted++;
    stats.open++;
    if (stats.open > stats.peakOpen) stats.peakOpen = stats.open;
    sockets.add(socket);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A client's RST is how a churn run may close on purpose: count it, it is not the target's fault.
      bump(stats.socketErrors, err.code ?? 'OTHER');
    });
    socket.on('close', () => {
      stats.open--;
      sockets.delete(socket);
    });
    socket.on('end', () => socket.end());

    const echo = (chunk: Buffer): void => {
      stats.bytesIn += chunk.length;
      stats.bytesOut += chunk.length;
      socket.write(chunk);
    };
    const sink = (chunk: Buffer): void => {
      stats.bytesIn += chunk.length;
    };
    const onPayload = options.mode === 'echo' ? echo : sink;
    // Source: write the shared chunk until the kernel buffer is full, continue on 'drain' (bounded memory).
    const source = (): void => {
      while (!socket.destroyed && socket.writable) {
        stats.bytesOut += SOURCE_CHUNK.length;
        if (!socket.write(SOURCE_CHUNK)) break;
      }
    };
    const startPayload = (): void => {
      socket.on('data', onPayload);
      if (options.mode === 'source') {
        socket.on('drain', source);
        source();
      }
    };
    if (options.proxy === 'none') {
      startPayload();
      return;
    }
    const parser = new ProxyHeaderParser({ mode: options.proxy });
    const timer = setTimeout(() => reject('header-timeout'), options.headerTimeoutMs);
    const reject = (reason: string): void => {
      bump(stats.rejected, reason);
      socket.removeListener('data', onFirstBytes);
      socket.destroy();
    };
    const onFirstBytes = (chunk: Buffer): void => {
      const step = parser.push(chunk);
      if (step.status === 'more') return;
      clearTimeout(timer);
      if (step.status === 'error') {
        reject(step.reason);
        return;
      }
      onHeader(step.header);
      socket.removeListener('data', onFirstBytes);
      startPayload();
      if (step.rest.length > 0) onPayload(step.rest);
    };
    socket.on('data', onFirstBytes);
    socket.on('close', () => clearTimeout(timer));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: options.backlog }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  // Accept errors (EMFILE under a low fd limit) must not kill the target: count them and keep serving.
  server.on('error', (err: NodeJS.ErrnoException) => bump(stats.socketErrors, err.code ?? 'OTHER'));
  const addr = server.address() as net.AddressInfo;

  return {
    address: { host: addr.address, port: addr.port },
    stats() {
      const usage = process.resourceUsage();
      return {
        ...stats,
        headers: { ...stats.headers },
        rejected: { ...stats.rejected },
        tlvs: { ...stats.tlvs },
        socketErrors: { ...stats.socketErrors },
        distinctSources: sources.size,
        maxRssBytes: usage.maxRSS * 1024,
        cpuUserUs: usage.userCPUTime,
        cpuSystemUs: usage.systemCPUTime,
      };
    },
    sources() {
      return Object.fromEntries(sources);
    },
    reset() {
      const open = stats.open;
      stats = emptyTargetStats();
      stats.open = open;
      stats.peakOpen = open;
      sources = new Map();
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
