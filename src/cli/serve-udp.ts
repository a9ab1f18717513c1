/**
 * `serve --udp`: the UDP target's settings from serve's options, and the refusals of what does not fit UDP (the
 * TCP-only options, a datagram larger than UDP carries), each in one line, exit 2.
 */
import { UsageError } from '../core/errors.js';
import { parseIntInRange, parseSizeBytes } from '../core/units.js';
import { longFlag } from '../options/applies.js';
import { type RawServeOptions, SERVE_OPTIONS, TRANSPORT_ONLY_SERVE_OPTIONS } from '../options/serve-options.js';
import type { UdpServeSettings } from '../serve/serve-process.js';
import { MAX_UDP_PAYLOAD } from '../udp/stamp.js';

/** Most datagrams a --queue-limit may hold: a typo must not promise gigabytes of waiting datagrams. */
const MAX_QUEUE_LIMIT = 1_000_000;
/** Largest --rcvbuf/--sndbuf asked for (the kernel caps it lower anyway: net.core.rmem_max/wmem_max). */
const MAX_SOCKET_BUFFER = 1024 ** 3;

/**
 * Given on the command line: commander fills in an option's default, so an option with one counts as given when
 * its value differs (`--backlog 4096 --udp` is let through: it says what UDP would do anyway, nothing).
 */
function given(opts: RawServeOptions, key: keyof RawServeOptions): boolean {
  const value = opts[key];
  if (value === undefined || value === false) return false;
  const def = (SERVE_OPTIONS[key] as { default?: string }).default;
  return def === undefined || String(value) !== def;
}

/** The UDP target's settings with --udp; without it, the UDP-only options refused and null. */
export function udpServe(opts: RawServeOptions): UdpServeSettings | null {
  if (!opts.udp) {
    const stray = TRANSPORT_ONLY_SERVE_OPTIONS('udp').find((k) => given(opts, k));
    if (stray) throw new UsageError(`${longFlag(SERVE_OPTIONS[stray])} goes with --udp`);
    return null;
  }
  const tcpOnly = TRANSPORT_ONLY_SERVE_OPTIONS('tcp').find((k) => given(opts, k));
  if (tcpOnly) throw new UsageError(`${longFlag(SERVE_OPTIONS[tcpOnly])}: does not apply with --udp (TCP only)`);
  if (opts.queueLimit !== undefined && opts.serviceTime === undefined)
    throw new UsageError('--queue-limit goes with --service-time (the queue it bounds)');
  return {
    queueLimit: parseIntInRange(
      '--queue-limit',
      opts.queueLimit ?? SERVE_OPTIONS.queueLimit.implied,
      1,
      MAX_QUEUE_LIMIT,
    ),
    recvBufferBytes: bufferBytes('--rcvbuf', opts.rcvbuf),
    sendBufferBytes: bufferBytes('--sndbuf', opts.sndbuf),
    sourceBytes: datagramBytes(opts),
  };
}

/** --message-size with --udp: the source mode's datagram size, refused above what UDP carries. */
function datagramBytes(opts: RawServeOptions): number {
  if (opts.messageSize === undefined) return Number(SERVE_OPTIONS.messageSize.implied);
  const bytes = parseSizeBytes('--message-size', opts.messageSize);
  if (bytes > MAX_UDP_PAYLOAD)
    throw new UsageError(
      `--message-size: ${bytes} bytes is more than a UDP datagram carries ` +
        `(at most ${MAX_UDP_PAYLOAD.toLocaleString('en-US')})`,
    );
  if (bytes < 1) throw new UsageError('--message-size: at least 1 byte');
  if (opts.mode !== 'source')
    throw new UsageError('--message-size: with --udp, goes with --mode source (the size of the datagrams it sends)');
  return bytes;
}

function bufferBytes(flag: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = parseSizeBytes(flag, text);
  if (n < 1 || n > MAX_SOCKET_BUFFER) throw new UsageError(`${flag}: ${n} bytes is out of range (allowed: 1B..1GiB)`);
  return n;
}
