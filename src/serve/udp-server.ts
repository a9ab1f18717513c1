/**
 * The UDP target (`serve --udp`, and the embedded target over UDP, once wired): a node:dgram socket, udp4 or udp6
 * by its host, that per datagram
 * - reads the PROXY v2 (DGRAM) or SPP header at its front under the header policy (none: never parsed; accept: read
 *   when present; require: a datagram without one is refused), counting kinds, CRCs, LOCAL health checks, claimed
 *   sources and refusals by reason; a refused datagram is dropped, never answered, never a crash;
 * - serves the mode: echo sends the payload back without the header (as nginx's UDP proxy answers a client: the
 *   header is the proxy's to the backend, not the backend's to the proxy); sink counts and drops; source answers
 *   each datagram with `sourceCount` datagrams of `sourceBytes` (a request for a download, bounded by what asked);
 * - with a service time, waits its turn in a bounded queue that drops and counts when full (udp-queue.ts).
 * SO_RCVBUF/SO_SNDBUF come from the options (the kernel caps them at net.core.rmem_max/wmem_max and doubles
 * them; the stats report what it granted). Node hands each datagram over as a Buffer of its own: the payload is
 * echoed as a view of it (no copy), and sends share one completion callback (no closure per datagram).
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { HeaderPolicy, ServeMode } from '../core/vocabulary.js';
import { DatagramHeaderView, DEFAULT_MAX_V2_LENGTH, parseDatagramHeader } from '../proxy/datagram-parser.js';
import type { SourceTallyDoc } from '../proxy/source-tally.js';
import { bump } from './stats.js';
import { UdpServiceQueue } from './udp-queue.js';
import { DistinctEndpoints, emptyUdpStats, type UdpTargetStats } from './udp-tally.js';

export type { UdpTargetStats };

export interface UdpServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  mode: ServeMode;
  proxy: HeaderPolicy;
  /** Largest v2 variable part accepted (addresses and TLVs). */
  maxV2Length: number;
  /** µs per datagram served (0: answer at once) and how many may wait for it. */
  serviceTimeUs: number;
  queueLimit: number;
  /** SO_RCVBUF / SO_SNDBUF requested, bytes; null keeps the kernel's default. */
  recvBufferBytes: number | null;
  sendBufferBytes: number | null;
  /** Source mode: datagrams sent back per datagram received, and their size. */
  sourceCount: number;
  sourceBytes: number;
}

export const UDP_SERVER_DEFAULTS: Omit<UdpServerOptions, 'host' | 'port'> = {
  mode: 'echo',
  proxy: 'none',
  maxV2Length: DEFAULT_MAX_V2_LENGTH,
  serviceTimeUs: 0,
  queueLimit: 1024,
  recvBufferBytes: null,
  sendBufferBytes: null,
  sourceCount: 1,
  sourceBytes: 64,
};

export interface UdpServer {
  address: { host: string; port: number; family: 'udp4' | 'udp6' };
  stats(): UdpTargetStats;
  /** Claimed sources since start or the last reset, each once (bounded: MAX_DISTINCT, then overflow). */
  sources(): SourceTallyDoc;
  /** A fresh measurement window: counters back to zero. */
  reset(): void;
  close(): Promise<void>;
}

export async function startUdpServer(options: UdpServerOptions): Promise<UdpServer> {
  const family = isIPv6(options.host) ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({
    type: family,
    ...(options.recvBufferBytes !== null && { recvBufferSize: options.recvBufferBytes }),
    ...(options.sendBufferBytes !== null && { sendBufferSize: options.sendBufferBytes }),
  });
  let stats = emptyUdpStats();
  const seen = new DistinctEndpoints();
  const view = new DatagramHeaderView();
  const sourceChunk = Buffer.alloc(options.sourceBytes, 0x5a);

  const onSent = (err: Error | null): void => {
    if (err) bump(stats.sendErrors, (err as NodeJS.ErrnoException).code ?? 'error');
  };
  const send = (msg: Buffer, offset: number, length: number, port: number, address: string): void => {
    stats.datagramsOut++;
    stats.bytesOut += length;
    socket.send(msg, offset, length, port, address, onSent);
  };
  const answer = (msg: Buffer, offset: number, length: number, port: number, address: string): void => {
    if (options.mode === 'echo') send(msg, offset, length, port, address);
    else if (options.mode === 'source')
      for (let i = 0; i < options.sourceCount; i++) send(sourceChunk, 0, sourceChunk.length, port, address);
  };
  const queue =
    options.serviceTimeUs > 0 ? new UdpServiceQueue(options.serviceTimeUs, options.queueLimit, answer) : null;

  socket.on('message', (msg, rinfo) => {
    stats.datagramsIn++;
    stats.bytesIn += msg.length;
    seen.peer(rinfo.address, rinfo.port);
    let offset = 0;
    if (options.proxy !== 'none') {
      const refused = parseDatagramHeader(msg, msg.length, options.proxy, view, options.maxV2Length);
      if (refused !== null) {
        bump(stats.rejected, refused);
        return;
      }
      stats.headers[view.kind]++;
      if (view.crcVerified) stats.crcVerified++;
      if (!view.proxied) stats.local++;
      else seen.source(msg, view);
      offset = view.headerLength;
    } else stats.headers.none++;
    if (queue === null) answer(msg, offset, msg.length - offset, rinfo.port, rinfo.address);
    else queue.push(msg, offset, msg.length - offset, rinfo.port, rinfo.address);
  });
  // A send error arrives through onSent; what reaches 'error' is the socket's own (counted, never thrown).
  socket.on('error', (err) => bump(stats.sendErrors, (err as NodeJS.ErrnoException).code ?? 'error'));

  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => {
      // Not bound (the port taken, the address not ours): nothing to serve, the socket is let go.
      socket.close();
      reject(err);
    };
    socket.once('error', failed);
    socket.bind(options.port, options.host, () => {
      socket.off('error', failed);
      resolve();
    });
  });
  const bound = socket.address();
  // Read once while bound: a closed socket has none to read (serve prints its stats after the close).
  const granted = { recv: socket.getRecvBufferSize(), send: socket.getSendBufferSize() };
  return {
    address: { host: bound.address, port: bound.port, family },
    stats() {
      const out = {
        ...stats,
        headers: { ...stats.headers },
        rejected: { ...stats.rejected },
        sendErrors: { ...stats.sendErrors },
      };
      out.dropped = queue && queue.dropped > 0 ? { 'queue-full': queue.dropped } : {};
      out.distinctPeers = seen.peerCount;
      out.distinctSources = seen.sourceCount;
      out.overflow = seen.overflow;
      out.queued = queue?.size ?? 0;
      out.peakQueued = queue?.peak ?? 0;
      out.recvBufferBytes = granted.recv;
      out.sendBufferBytes = granted.send;
      return out;
    },
    sources: () => seen.tally(),
    reset() {
      stats = emptyUdpStats();
      seen.clear();
      queue?.reset();
    },
    close() {
      queue?.stop();
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
