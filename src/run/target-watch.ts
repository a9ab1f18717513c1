/**
 * An external target on this machine's loopback, watched: its process(es) found by the socket they listen on
 * (instruments/listeners.ts) and added to the run's --watch-pid list, so they are watched as --watch-pid would
 * (CPU, RSS, exit, cost) and the machine witness counts their CPU as ours and reads their threads' run-queue wait.
 * Unwatched, a local target starved by other processes read as the target's own limit: its CPU was "others'", so
 * the verdict could not tell its slowness from theirs. An explicit --watch-pid wins; --watch-target off turns it off;
 * a target whose process cannot be found (another user's, another network namespace) is said, never an error.
 */
import type { RunConfig } from '../config/run-config.js';
import { isLoopbackHost } from '../core/loopback.js';
import type { TargetWatch } from '../documents/result.js';
import { findListeners, type SocketProtocol } from '../instruments/listeners.js';
import { processName } from '../instruments/pid-watch.js';

/**
 * What was watched for an external loopback target, and how; null off loopback or for the embedded target. A UDP
 * run looks in the UDP tables (`protocol` udp: the socket bound to the port).
 */
export function watchTarget(
  config: RunConfig,
  find = findListeners,
  protocol: SocketProtocol = 'tcp',
): TargetWatch | null {
  const t = config.target;
  if (t === null || !isLoopbackHost(t.host)) return null;
  const named = (pids: number[]) => pids.map((pid) => ({ pid, name: processName(pid) ?? '?' }));
  if (config.watchPids.length > 0)
    return { by: 'watch-pid', processes: named(config.watchPids), how: '--watch-pid given: those are watched' };
  if (config.watchTarget === false)
    return { by: 'off', processes: [], how: '--watch-target off: its processes are not looked for' };
  // The generator itself is skipped: it never holds its target's listening socket.
  const found = find(protocol, t.host, t.port, [process.pid]);
  if (found.pids.length === 0) return { by: 'not-found', processes: [], how: `not found: ${found.why}` };
  return {
    by: 'socket',
    processes: named(found.pids),
    how:
      `holding the socket that ${protocol === 'tcp' ? 'listens on' : 'is bound to'} ${protocol.toUpperCase()} ` +
      `${t.host}:${t.port} (/proc/net/${protocol}, ${protocol}6 inode -> /proc/PID/fd), ` +
      'watched as --watch-pid would',
  };
}

/** The config with the target's found processes as its --watch-pid list (what every watcher and verdict reads). */
export function withTargetWatched<C extends RunConfig>(config: C, watch: TargetWatch | null): C {
  if (watch?.by !== 'socket') return config;
  return { ...config, watchPids: watch.processes.map((p) => p.pid) };
}
