/**
 * The native C echo server (native-tools/c/l4echo-server.c) as the bench's peer, and the machine's TIME_WAIT count:
 * what the native goals (native-goals.ts) and the churn goals (churn-goal.ts) measure against.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { NativeReference } from '../native-tools/native-build.js';

/** The native server on a free port, one thread: the same peer for both generators. */
export async function nativeServer(ref: NativeReference): Promise<{ port: number; stop(): void }> {
  const child = spawn(ref.server, ['127.0.0.1', '0', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => {
      const m = /listening \S+ (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
      else reject(new Error(`native server: ${d}`));
    });
    child.once('exit', (code) => reject(new Error(`native server exited ${code}`)));
  });
  return { port, stop: () => child.kill('SIGKILL') };
}

/** Sockets in TIME_WAIT on this machine (/proc/net/sockstat `tw`): connect-heavy steps leave tens of thousands. */
export function timeWaitCount(): number {
  const m = /TCP:.* tw (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  return m ? Number(m[1]) : -1;
}

/**
 * `measure` against a native server of its own on a fresh port: no 4-tuple of an earlier step's TIME_WAIT sockets
 * in its way. The TIME_WAIT count is read just before, since the machine's count still slows every connect (with
 * 100,000 of them, a ramp ran ten times slower: docs/performance.md).
 */
export async function onFreshServer<T>(
  native: NativeReference,
  measure: (port: number) => Promise<T>,
): Promise<{ result: T; timeWait: number }> {
  const server = await nativeServer(native);
  const timeWait = timeWaitCount();
  try {
    return { result: await measure(server.port), timeWait };
  } finally {
    server.stop();
  }
}
