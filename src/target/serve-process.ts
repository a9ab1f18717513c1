/**
 * `l4stress serve`: runs the echo target in this process until SIGINT/SIGTERM. When forked by the generator
 * (an IPC channel exists) it also answers on that channel: `listening` once bound, `stats` on request, and it
 * shuts down on `shutdown` or when the parent goes away.
 */
import { startEchoServer, type EchoServerOptions } from './echo-server.js';
import type { TargetStats } from './stats.js';

export type ParentToTarget = { type: 'stats' } | { type: 'shutdown' };
export type TargetToParent =
  | { type: 'listening'; host: string; port: number; pid: number }
  | { type: 'stats'; stats: TargetStats }
  | { type: 'failed'; message: string };

export async function runServe(options: EchoServerOptions, log: (line: string) => void): Promise<void> {
  const send = (msg: TargetToParent): void => { process.send?.(msg); };
  let server;
  try {
    server = await startEchoServer(options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const message = `cannot listen on ${options.host}:${options.port}: ${e.code ?? e.message}`;
    send({ type: 'failed', message });
    throw Object.assign(new Error(message), { code: e.code });
  }
  const { host, port } = server.address;
  log(`l4stress serve: listening on ${host.includes(':') ? `[${host}]` : host}:${port} (proxy: ${options.proxy})`);
  send({ type: 'listening', host, port, pid: process.pid });

  await new Promise<void>((resolve) => {
    const stop = (): void => { void server.close().then(resolve); };
    process.once('SIGTERM', stop);
    if (process.send) {
      // Forked by a generator: Ctrl-C reaches the whole process group, but the parent decides when we stop
      // (it still needs our stats), so SIGINT is ignored here.
      process.on('SIGINT', () => {});
      process.on('message', (msg: ParentToTarget) => {
        if (msg.type === 'stats') send({ type: 'stats', stats: server.stats() });
        else if (msg.type === 'shutdown') stop();
      });
      process.once('disconnect', stop);
    } else process.once('SIGINT', stop);
  });
  if (!process.send) log(`l4stress serve: stopped; ${JSON.stringify(server.stats())}`);
  process.disconnect?.();
}
