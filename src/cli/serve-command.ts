/** `l4stress serve`: the target, standalone, until SIGINT/SIGTERM. */
import { ExitCode, L4StressError } from '../core/errors.js';
import { parseDurationMs, parseIntInRange } from '../core/units.js';
import type { ServeMode } from '../load/traits.js';
import type { ProxyMode } from '../proxy/parser.js';
import { runServe } from '../target/serve-process.js';
import type { RawServeOptions } from './serve-options.js';

export async function serveCommand(opts: RawServeOptions): Promise<number> {
  const options = {
    mode: opts.mode as ServeMode,
    controlPort: opts.controlPort === undefined ? null : parseIntInRange('--control-port', opts.controlPort, 0, 65535),
    dumpSourcesFile: opts.dumpSources ?? null,
    host: opts.host,
    port: parseIntInRange('--port', opts.port, 0, 65535),
    proxy: opts.proxy as ProxyMode,
    headerTimeoutMs: parseDurationMs('--header-timeout', opts.headerTimeout),
    backlog: parseIntInRange('--backlog', opts.backlog, 1, 1_000_000),
  };
  try {
    await runServe(options, (line) => {
      if (!opts.quiet) process.stdout.write(`${line}\n`);
    });
  } catch (err) {
    throw new L4StressError((err as Error).message, ExitCode.couldNotRun);
  }
  return ExitCode.ok;
}
