/**
 * The one place l4stress runs external binaries (iperf3, netperf, netserver, sockperf), through execa: bounded by a
 * timeout, never rejecting on a non-zero exit (the caller reads exitCode and stderr), and turning a missing binary
 * into a clear error that names the install command.
 */
import { execa, type ResultPromise } from 'execa';
import { CouldNotRunError } from '../src/core/errors.js';

export const INSTALL_HINT =
  'install it with `bash native-tools/install.sh` (Debian/Ubuntu: iperf3 and sockperf from main, netperf from ' +
  'non-free), or `brew install iperf3 netperf` on macOS';

export interface ToolRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function missing(bin: string): CouldNotRunError {
  return new CouldNotRunError(`${bin} is not installed (or not on PATH)`, INSTALL_HINT);
}

/** Runs `bin args` to completion; throws only when the binary does not exist. */
export async function runTool(bin: string, args: string[], timeoutMs: number): Promise<ToolRun> {
  const r = await execa(bin, args, { reject: false, timeout: timeoutMs, stdin: 'ignore', all: false });
  if (
    (r as { code?: string }).code === 'ENOENT' ||
    (r.failed && /ENOENT/.test(String(r.message)) && r.exitCode === undefined)
  )
    throw missing(bin);
  return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), timedOut: r.timedOut };
}

/** A long-running server (iperf3 -s, netserver -D) that must be stopped by the caller. */
export interface ToolServer {
  stop(): Promise<void>;
}

export async function startToolServer(
  bin: string,
  args: string[],
  readyWhen: () => Promise<boolean>,
  timeoutMs = 5000,
): Promise<ToolServer> {
  const child: ResultPromise = execa(bin, args, {
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    cleanup: true,
  });
  let spawnError: Error | null = null;
  child.catch(() => {});
  (child as unknown as NodeJS.EventEmitter).on?.('error', (e: Error) => {
    spawnError = e;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    if (spawnError || child.exitCode !== null) {
      const result = await child;
      if (
        (result as { code?: string }).code === 'ENOENT' ||
        /ENOENT/.test(String((result as { message?: string }).message))
      )
        throw missing(bin);
      throw new CouldNotRunError(
        `${bin} exited at start: ${String(result.stderr ?? '').trim() || `code ${result.exitCode}`}`,
      );
    }
    if (await readyWhen()) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new CouldNotRunError(`${bin} did not start listening within ${timeoutMs} ms`);
    }
  }
  return {
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await child;
        clearTimeout(timer);
      }
    },
  };
}
