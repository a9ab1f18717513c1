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
    stats: (timeoutMs = 3000) => requestStats(child, timeoutMs),
    stop: () => stopChild(child),
  };
}

function requestStats(child: ChildProcess, timeoutMs: number): Promise<TargetStats | null> {
  if (!child.connected) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.off('message', onMessage); resolve(null); }, timeoutMs);
    const onMessage = (msg: TargetToParent): void => {
      if (msg.type !== 'stats') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg.stats);
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' } satisfies ParentToTarget);
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
