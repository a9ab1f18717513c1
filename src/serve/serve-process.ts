/**
 * `l4stress serve`: runs the echo target in this process until SIGINT/SIGTERM. When forked by the generator
 * (an IPC channel exists) it also answers on that channel: `listening` once bound, `stats` on request, and it
 * shuts down on `shutdown` or when the parent goes away.
 */
import { writeTextWithFallback } from '../core/files.js';
import { parseDurationMs, parseSizeBytes } from '../core/units.js';
import { SERVE_OPTIONS } from '../options/serve-options.js';
import type { SourceTallyDoc } from '../proxy/source-tally.js';
import { startControlServer } from './control-server.js';
import { type EchoServer, type EchoServerOptions, startEchoServer } from './echo-server.js';
import type { TargetStats } from './stats.js';
import { startUdpServer, type UdpServer, type UdpTargetStats } from './udp-server.js';

export type ParentToTarget =
  /** First message to a forked target: its options (they may hold a private key: not on the command line). */
  | { type: 'options'; options: ServeOptions }
  | { type: 'stats' }
  | { type: 'sources' }
  | { type: 'reset' }
  | { type: 'shutdown' };
export type TargetToParent =
  | { type: 'listening'; host: string; port: number; pid: number }
  | { type: 'stats'; stats: TargetStats | UdpTargetStats }
  | { type: 'sources'; sources: SourceTallyDoc }
  | { type: 'reset' }
  | { type: 'failed'; message: string };

/**
 * What `l4stress serve` and the embedded target use unless told otherwise: serve's option table's defaults
 * (options/serve-options.ts), the one copy; no service time and no session limit are off, not defaults.
 */
export const SERVE_DEFAULTS = {
  headerTimeoutMs: parseDurationMs('--header-timeout', SERVE_OPTIONS.headerTimeout.default),
  tlsHandshakeTimeoutMs: parseDurationMs('--tls-timeout', SERVE_OPTIONS.tlsTimeout.default),
  serviceTimeUs: 0,
  messageBytes: parseSizeBytes('--message-size', SERVE_OPTIONS.messageSize.implied),
  maxSessions: 0,
  backlog: Number(SERVE_OPTIONS.backlog.default),
  maxV2Length: parseSizeBytes('--max-header', SERVE_OPTIONS.maxHeader.default),
} as const;

/** `serve --udp`: what the UDP target needs beyond the TCP target's options (udp-server.ts). */
export interface UdpServeSettings {
  /** Datagrams that may wait for --service-time; the rest are dropped and counted. */
  queueLimit: number;
  /** SO_RCVBUF / SO_SNDBUF asked for; null keeps the kernel's default. */
  recvBufferBytes: number | null;
  sendBufferBytes: number | null;
  /** --mode source: the size of each datagram sent back. */
  sourceBytes: number;
}

export interface ServeOptions extends EchoServerOptions {
  /** Serve UDP (the datagram target) instead of TCP; absent or null: TCP. */
  udp?: UdpServeSettings | null;
  /** HTTP control endpoint (GET /stats, GET /sources, POST /reset) on `controlHost`; null = none. */
  controlPort: number | null;
  controlHost: string;
  /** Bearer token every control request must carry; null = none (loopback only). */
  controlToken: string | null;
  /** Write the claimed sources (one `addr:port count` per line) here on exit. */
  dumpSourcesFile: string | null;
}

export async function runServe(options: ServeOptions, log: (line: string) => void): Promise<void> {
  const send = (msg: TargetToParent): void => {
    process.send?.(msg);
  };
  let server: EchoServer | UdpServer;
  try {
    server = options.udp
      ? await startUdpServer(udpServerOptions(options, options.udp))
      : await startEchoServer(options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const message = `cannot listen on ${options.host}:${options.port}: ${e.code ?? e.message}`;
    send({ type: 'failed', message });
    throw Object.assign(new Error(message), { code: e.code });
  }
  const { host, port } = server.address;
  let control: Awaited<ReturnType<typeof startControlServer>> | null = null;
  if (options.controlPort !== null) {
    try {
      control = await startControlServer(server, options.controlHost, options.controlPort, options.controlToken);
    } catch (err) {
      await server.close();
      throw new Error(
        `cannot listen on control port ${options.controlHost}:${options.controlPort}: ` +
          `${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  const bracket = (h: string): string => (h.includes(':') ? `[${h}]` : h);
  log(
    `l4stress serve: listening on ${bracket(host)}:${port}${options.udp ? ' udp' : ''} (proxy: ${options.proxy})` +
      (control
        ? `, control on http://${bracket(options.controlHost)}:${control.port}` +
          (options.controlToken ? ' (token required)' : '')
        : ''),
  );
  send({ type: 'listening', host, port, pid: process.pid });

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      if (options.dumpSourcesFile) dumpSources(options.dumpSourcesFile, server);
      void Promise.all([server.close(), control?.close()]).then(() => resolve());
    };
    process.once('SIGTERM', stop);
    if (process.send) {
      // Forked by a generator: Ctrl-C reaches the whole process group, but the parent decides when we stop
      // (it still needs our stats), so SIGINT is ignored here.
      process.on('SIGINT', () => {});
      process.on('message', (msg: ParentToTarget) => {
        // A UDP target's stats are UdpTargetStats: the parent knows which it started.
        if (msg.type === 'stats') send({ type: 'stats', stats: server.stats() });
        else if (msg.type === 'sources') send({ type: 'sources', sources: server.sources() });
        else if (msg.type === 'reset') {
          server.reset();
          send({ type: 'reset' });
        } else if (msg.type === 'shutdown') stop();
      });
      process.once('disconnect', stop);
    } else process.once('SIGINT', stop);
  });
  if (!process.send) log(`l4stress serve: stopped; ${JSON.stringify(server.stats())}`);
  process.disconnect?.();
}

/**
 * --dump-sources at the stop, never lost: where asked, else a fallback file in the temp folder, else printed (the
 * path was checked at start, but a disk can fill or a mount turn read-only while serve runs).
 */
function dumpSources(file: string, server: Pick<EchoServer, 'sources'>): void {
  const lines = Object.entries(server.sources().counts).map(([k, n]) => `${k} ${n}`);
  const text = lines.length ? `${lines.join('\n')}\n` : '';
  const written = writeTextWithFallback(file, text);
  if (!written.failure) return;
  process.stderr.write(
    `l4stress serve: could not write --dump-sources '${written.failure.path}' (${written.failure.reason}); ` +
      (written.file ? `written to '${written.file}' instead\n` : 'printed below instead\n'),
  );
  if (!written.file) process.stdout.write(text);
}

/** The UDP target's options: the TCP target's shared ones (host, port, mode, --proxy, --max-header, service time). */
function udpServerOptions(options: ServeOptions, udp: UdpServeSettings): Parameters<typeof startUdpServer>[0] {
  return {
    host: options.host,
    port: options.port,
    mode: options.mode,
    proxy: options.proxy,
    maxV2Length: options.maxV2Length,
    serviceTimeUs: options.serviceTimeUs,
    queueLimit: udp.queueLimit,
    recvBufferBytes: udp.recvBufferBytes,
    sendBufferBytes: udp.sendBufferBytes,
    sourceCount: 1,
    sourceBytes: udp.sourceBytes,
  };
}

export type { UdpTargetStats };
