/** `l4stress serve`: the target, standalone, until SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createSecureContext } from 'node:tls';
import { ExitCode, L4StressError, UsageError } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';
import { printableLines } from '../core/printable.js';
import { parseDurationMs, parseIntInRange, parseMessageBytes, parseSizeBytes } from '../core/units.js';
import type { RawServeOptions } from '../options/serve-options.js';
import { checkOutputs } from '../preflight/outputs.js';
import type { ProxyMode } from '../proxy/parser.js';
import { type CertificatePair, selfSignedCertificate } from '../serve/certificate.js';
import { runServe, SERVE_DEFAULTS } from '../serve/serve-process.js';
import { parseServiceTimeUs } from '../serve/service-queue.js';
import type { ServeMode } from '../worker-contract/traits.js';
import { udpServe } from './serve-udp.js';

export async function serveCommand(opts: RawServeOptions): Promise<number> {
  const udp = udpServe(opts);
  const options = {
    udp,
    mode: opts.mode as ServeMode,
    controlPort: opts.controlPort === undefined ? null : parseIntInRange('--control-port', opts.controlPort, 0, 65535),
    ...controlAccess(opts),
    dumpSourcesFile: opts.dumpSources ?? null,
    host: opts.host,
    port: parseIntInRange('--port', opts.port, 0, 65535),
    proxy: opts.proxy as ProxyMode,
    headerTimeoutMs: parseDurationMs('--header-timeout', opts.headerTimeout, { min: 1, max: 10 * 60_000 }),
    backlog: parseIntInRange('--backlog', opts.backlog, 1, 1_000_000),
    maxV2Length: maxHeader(opts.maxHeader),
    tls: serveTls(opts),
    tlsHandshakeTimeoutMs: parseDurationMs('--tls-timeout', opts.tlsTimeout, { min: 1, max: 10 * 60_000 }),
    // With --udp, --message-size is the source mode's datagram size (serve-udp.ts), not a service-time unit.
    ...serviceTime(udp ? { ...opts, messageSize: undefined } : opts),
    maxSessions:
      opts.maxSessions === undefined ? 0 : parseIntInRange('--max-sessions', opts.maxSessions, 1, 10_000_000),
  };
  // Checked at start: a sources dump that cannot be written would otherwise be found out only at the stop.
  if (options.dumpSourcesFile) checkOutputs({ files: [{ path: options.dumpSourcesFile, what: '--dump-sources' }] });
  try {
    await runServe(options, (line) => {
      if (!opts.quiet) process.stdout.write(`${printableLines(line)}\n`);
    });
  } catch (err) {
    throw new L4StressError((err as Error).message, ExitCode.couldNotRun);
  }
  return ExitCode.ok;
}

/**
 * --service-time (µs, 1 µs to 1 s) in --message-size units; refused outside echo, where no message is answered, and
 * --message-size refused without it.
 */
function serviceTime(opts: RawServeOptions): { serviceTimeUs: number; messageBytes: number } {
  if (opts.serviceTime === undefined) {
    // Nothing counts messages without a service time: refused, not ignored.
    if (opts.messageSize !== undefined) throw new UsageError('--message-size goes with --service-time');
    return { serviceTimeUs: 0, messageBytes: SERVE_DEFAULTS.messageBytes };
  }
  const messageBytes =
    opts.messageSize === undefined
      ? SERVE_DEFAULTS.messageBytes
      : parseMessageBytes('--message-size', opts.messageSize);
  const us = parseServiceTimeUs(opts.serviceTime);
  if (us === null || us < 1 || us > 1_000_000)
    throw new UsageError(`--service-time: '${opts.serviceTime}' is not a time from 1us to 1s (e.g. 200us, 1.5ms)`);
  if (opts.mode !== 'echo') throw new UsageError('--service-time: goes with --mode echo (the messages it answers)');
  return { serviceTimeUs: us, messageBytes };
}

function maxHeader(text: string): number {
  const n = parseSizeBytes('--max-header', text);
  if (n < 16 || n > 65535) throw new UsageError(`--max-header: ${n} bytes is out of range (allowed: 16..65535)`);
  return n;
}

/**
 * Who may use the control endpoint: it can reset the window --verify-proxy reads, so beyond loopback it needs a
 * token. Options that would do nothing without --control-port are refused.
 */
function controlAccess(opts: RawServeOptions): { controlHost: string; controlToken: string | null } {
  const token = opts.controlToken ?? process.env.L4STRESS_CONTROL_TOKEN ?? null;
  if (opts.controlPort === undefined) {
    if (opts.controlToken !== undefined) throw new UsageError('--control-token goes with --control-port');
    if (opts.controlHost !== '127.0.0.1') throw new UsageError('--control-host goes with --control-port');
    return { controlHost: opts.controlHost, controlToken: null };
  }
  if (net.isIP(opts.controlHost) === 0)
    throw new UsageError(`--control-host: '${opts.controlHost}' is not an IP address`);
  if (token !== null && token.length < 16)
    throw new UsageError('--control-token: at least 16 characters (e.g. `openssl rand -hex 16`)');
  if (token === null && !isLoopbackHost(opts.controlHost))
    throw new UsageError(
      `--control-host ${opts.controlHost}: beyond loopback the control endpoint needs a token`,
      'give --control-token or set L4STRESS_CONTROL_TOKEN (and the same on the generator)',
    );
  return { controlHost: opts.controlHost, controlToken: token };
}

/** --tls with --cert/--key, or a self-signed pair; --cert/--key alone are refused, not ignored. */
function serveTls(opts: RawServeOptions): CertificatePair | null {
  if (!opts.tls) {
    if (opts.cert !== undefined || opts.key !== undefined) throw new UsageError('--cert and --key go with --tls');
    return null;
  }
  if ((opts.cert === undefined) !== (opts.key === undefined))
    throw new UsageError('--tls: give both --cert and --key, or neither');
  if (opts.cert === undefined) return selfSignedCertificate();
  const read = (flag: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(
        `${flag}: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  };
  const pair = { cert: read('--cert', opts.cert), key: read('--key', opts.key!) };
  try {
    createSecureContext(pair);
  } catch (e) {
    throw new UsageError(`--cert/--key: not a usable certificate and key: ${(e as Error).message}`);
  }
  return pair;
}
