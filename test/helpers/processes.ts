/**
 * Real peers for interop tests: HAProxy (Debian package, installed by native-tools/install.sh) and a standalone
 * `l4stress serve`, each started in the foreground on loopback and stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, isListening } from '../../native-tools/ports.js';
import { selfSignedCertificate } from '../../src/serve/certificate.js';
import { CLI, tempDir } from './cli.js';

export { freePort };

/**
 * Resolves once a socket listens on the port, read from the kernel's table rather than by connecting: a probe
 * connection would be logged by HAProxy and forwarded to the backend, skewing every count.
 */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isListening(port))) {
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until `check` holds or the time is up; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it printed on stdout so far, as lines. */
  lines(): string[];
  stderr(): string;
  /** SIGTERM by PID, SIGKILL after a grace; resolves when it exited. */
  stop(): Promise<void>;
}

function track(child: ChildProcess): RunningProcess {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    lines: () => out.split('\n').filter((l) => l.length > 0),
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Starts `haproxy -db -f <cfg>` in the foreground and waits for `waitPort` to listen. Its stdout (the log) goes to a
 * file, not a pipe: HAProxy writes logs non-blocking and drops lines when a pipe is momentarily full.
 */
export async function startHaproxy(config: string, waitPort: number): Promise<RunningProcess> {
  const folder = tempDir('l4stress-haproxy-');
  const file = path.join(folder, 'haproxy.cfg');
  const logFile = path.join(folder, 'haproxy.log');
  writeFileSync(file, config);
  const logFd = openSync(logFile, 'w');
  const proc = track(spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', logFd, 'pipe'] }));
  closeSync(logFd);
  return readyWithLog(proc, 'haproxy', logFile, waitPort);
}

/** `lines()` reads the server's log file; resolves once `waitPort` listens (or stops it and says why not). */
async function readyWithLog(
  proc: RunningProcess,
  name: string,
  logFile: string,
  waitPort: number,
): Promise<RunningProcess> {
  proc.lines = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
  try {
    await waitForPort(waitPort);
  } catch (e) {
    await proc.stop();
    throw new Error(`${name} did not start: ${proc.stderr()}\n${(e as Error).message}`);
  }
  return proc;
}

/**
 * Starts a standalone `l4stress serve` with a control endpoint; resolves when both ports answer. `fixedPort`: the
 * data port to listen on (a restarted target), else a free one.
 */
export async function startServe(
  args: string[] = [],
  fixedPort?: number,
  nodeArgs: string[] = [],
): Promise<RunningProcess & { port: number; controlUrl: string }> {
  const port = fixedPort ?? (await freePort());
  const controlPort = await freePort();
  const serveArgs = [CLI, 'serve', '--port', String(port), '--control-port', String(controlPort), ...args];
  const proc = track(spawn(process.execPath, [...nodeArgs, ...serveArgs], { stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitForPort(port);
  await waitForPort(controlPort);
  return { ...proc, port, controlUrl: `http://127.0.0.1:${controlPort}` };
}

/**
 * The global and defaults sections every test config shares: TCP mode, logs on stdout, bounded timeouts.
 * One thread: with two, HAProxy drops a log line when its threads contend for the stdout lock (a fake EAGAIN,
 * haproxy/haproxy#1861, "works as designed"), and a test that uses the log as its oracle would count 998 of 1,000.
 */
export const HAPROXY_BASE = `
global
  log stdout format raw local0
  nbthread 1
  maxconn 8000

defaults
  mode tcp
  log global
  timeout connect 5s
  timeout client 60s
  timeout server 60s
`;

/**
 * Starts nginx (Debian nginx-light with libnginx-mod-stream) in the foreground with a `stream {}` block of the
 * test's own, and waits for `waitPort`. Its access log (one line per session) is read back by `lines()`.
 * `stream` may use $LOG for the access log path. `workerConnections`: nginx's limit (both sides of a proxied session).
 */
export async function startNginx(stream: string, waitPort: number, workerConnections = 4096): Promise<RunningProcess> {
  const folder = tempDir('l4stress-nginx-');
  const logFile = path.join(folder, 'access.log');
  const file = path.join(folder, 'nginx.conf');
  writeFileSync(
    file,
    `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
master_process off;
worker_rlimit_nofile 8192;
pid ${path.join(folder, 'nginx.pid')};
error_log stderr warn;
events { worker_connections ${workerConnections}; }
stream {
${stream.replaceAll('$LOG', logFile)}
}
`,
  );
  writeFileSync(logFile, '');
  const proc = track(spawn('nginx', ['-c', file, '-p', folder], { stdio: ['ignore', 'pipe', 'pipe'] }));
  return readyWithLog(proc, 'nginx', logFile, waitPort);
}

/** A self-signed certificate for `name` (the tool's own maker), as files: cert, key, and both in one PEM. */
export function certificateFiles(name: string): { cert: string; key: string; pem: string } {
  const folder = tempDir('l4stress-cert-');
  const pair = selfSignedCertificate(name);
  const files = {
    cert: path.join(folder, 'cert.pem'),
    key: path.join(folder, 'key.pem'),
    pem: path.join(folder, 'both.pem'),
  };
  writeFileSync(files.cert, pair.cert);
  writeFileSync(files.key, pair.key);
  // HAProxy's `crt` wants certificate and key in one file.
  writeFileSync(files.pem, pair.cert + pair.key);
  return files;
}
