/**
 * Starts `l4stress serve` in a child process for runs without --target. A separate process because file
 * descriptors are per process: 10,000 client plus 10,000 server sockets do not fit under one 20,000 limit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { CouldNotRunError } from '../cli/errors.js';
import type { ProxyMode } from '../proxy/parser.js';
import { siblingEntry } from '../runtime/modules.js';
import type { TargetStats } from '../target/stats.js';
import type { ParentToTarget, TargetToParent } from '../target/serve-process.js';

export interface EmbeddedTarget {
  host: string;
  port: number;
  pid: number;
  /** Asks the target what it saw; null if it no longer answers. */
  stats(timeoutMs?: number): Promise<TargetStats | null>;
  /** Claimed sources seen since start or the last reset; null if it no longer answers. */
  sources(timeoutMs?: number): Promise<Record<string, number> | null>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmbeddedTarget(proxy: ProxyMode, startTimeoutMs = 10_000): Promise<EmbeddedTarget> {
  const entry = siblingEntry(import.meta.url, '../cli/main');
  const child = fork(entry.file, ['serve', '--host', '127.0.0.1', '--port', '0', '--proxy', proxy, '--quiet'], {
    execArgv: entry.execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });

  const listening = await new Promise<Extract<TargetToParent, { type: 'listening' }>>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${startTimeoutMs} ms`), startTimeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new CouldNotRunError(`embedded target ${why}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    };
    child.on('message', (msg: TargetToParent) => {
      if (msg.type === 'listening') { clearTimeout(timer); resolve(msg); }
      if (msg.type === 'failed') fail(msg.message);
    });
    child.once('exit', (code, signal) => fail(`exited early (${signal ?? `code ${code}`})`));
    child.once('error', (err) => fail(err.message));
  });
  child.removeAllListeners('exit');

  return {
    host: listening.host,
    port: listening.port,
    pid: listening.pid,
    stats: (timeoutMs = 3000) => ask(child, { type: 'stats' }, 'stats', timeoutMs).then((m) => m?.stats ?? null),
    sources: (timeoutMs = 10_000) => ask(child, { type: 'sources' }, 'sources', timeoutMs).then((m) => m?.sources ?? null),
    reset: () => ask(child, { type: 'reset' }, 'reset', 3000).then(() => undefined),
    stop: () => stopChild(child),
  };
}

/** Sends a request and waits for the reply of type `replyType`; null when the child does not answer in time. */
function ask<T extends TargetToParent['type']>(
  child: ChildProcess, request: ParentToTarget, replyType: T, timeoutMs: number,
): Promise<Extract<TargetToParent, { type: T }> | null> {
  if (!child.connected) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.off('message', onMessage); resolve(null); }, timeoutMs);
    const onMessage = (msg: TargetToParent): void => {
      if (msg.type !== replyType) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg as Extract<TargetToParent, { type: T }>);
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    if (child.connected) child.send({ type: 'shutdown' } satisfies ParentToTarget);
    else child.kill('SIGTERM');
  });
}
