/**
 * What `--udp` changes in a run's settings, in one place: the transport, the options that mean nothing over UDP
 * refused by their rows' transport column (options/applies.ts), the PROXY header a datagram can carry (v2 DGRAM or
 * SPP, never v1's text line), datagram sizes UDP carries with room for the stamp, and stream's offered rate
 * (--rate datagrams/s, or --bitrate; 1 Mbit/s without either, as iperf3 -u). Each refusal is one line, exit 2.
 */
import { UsageError } from '../core/errors.js';
import type { LoadMode, Transport } from '../core/vocabulary.js';
import { refuseOffTransport } from '../options/applies.js';
import { type RawRunOptions, RUN_DEFAULTS, RUN_OPTIONS, type RunOptionKey } from '../options/run-options.js';
import { SPP_LENGTH } from '../proxy/datagram-header.js';
import { type ProxyHeaderPlan, planV2Length } from '../proxy/header.js';
import { MAX_UDP_PAYLOAD, UDP_STAMP_BYTES } from '../udp/stamp.js';

/** A UDP stream's datagram size without --size: under any path MTU (QUIC's floor is 1,200 B too). */
export const UDP_STREAM_DEFAULT_BYTES = 1200;

/** Given on the command line: an option with a default counts as given when its value differs from it. */
function given(raw: RawRunOptions, key: RunOptionKey): boolean {
  const value = raw[key];
  if (value === undefined || value === false) return false;
  const def = (RUN_DEFAULTS as Partial<Record<RunOptionKey, string>>)[key];
  return def === undefined || String(value) !== def;
}

export interface TransportSettings {
  transport: Transport;
  /** The open-loop rate (echo --rate, stream --rate or --bitrate / 8 / size), datagrams or messages per second. */
  ratePerSecond: number;
}

/**
 * The run's transport and, over UDP, its checks. `sizeBytes` is the resolved --size; `ratePerSecond` the parsed
 * --rate (0 without).
 */
export function resolveTransport(
  raw: RawRunOptions,
  mode: LoadMode,
  proxy: ProxyHeaderPlan,
  sizeBytes: number,
  ratePerSecond: number,
): TransportSettings {
  const transport: Transport = raw.udp === true ? 'udp' : 'tcp';
  refuseOffTransport(
    RUN_OPTIONS,
    (Object.keys(RUN_OPTIONS) as RunOptionKey[]).filter((k) => given(raw, k)),
    transport,
  );
  if (transport === 'tcp') {
    if (proxy.version === 'spp') throw new UsageError('--proxy spp: goes with --udp (SPP is a datagram header)');
    return { transport, ratePerSecond };
  }
  if (mode === 'connect')
    throw new UsageError(
      '--mode connect: does not apply with --udp (UDP has no connection to churn)',
      'use echo, hold or stream',
    );
  if (proxy.version === 'v1')
    throw new UsageError('--proxy v1: does not apply with --udp (v1 is a TCP text line; use v2 or spp)');
  if (proxy.version === 'spp' && proxy.tlvs.length > 0)
    throw new UsageError('--proxy-tlv: SPP has no TLVs (use --proxy v2)');
  if (proxy.version === 'spp' && proxy.command === 'local')
    throw new UsageError('--proxy-command local: SPP has no LOCAL command (use --proxy v2)');
  for (const [flag, spec] of [
    ['--proxy-src', proxy.src],
    ['--proxy-dst', proxy.dst],
  ] as const)
    if (spec.kind === 'unix' || spec.kind === 'unknown')
      throw new UsageError(`${flag} ${spec.kind}: with --udp, a datagram header claims IP endpoints only`);
  const max = MAX_UDP_PAYLOAD.toLocaleString('en-US');
  if (sizeBytes > MAX_UDP_PAYLOAD)
    throw new UsageError(`--size: ${sizeBytes} bytes is more than a UDP datagram carries (at most ${max})`);
  // The header rides in front of every datagram: both must fit (v2 at its largest, IPv6 addresses and the TLVs).
  const header = proxy.version === 'spp' ? SPP_LENGTH : proxy.version === 'v2' ? 16 + planV2Length(proxy) : 0;
  if (sizeBytes + header > MAX_UDP_PAYLOAD)
    throw new UsageError(
      `--size: ${sizeBytes} bytes and the ${header}-byte --proxy ${proxy.version} header in front of each are more ` +
        `than a UDP datagram carries (${max}; at most --size ${MAX_UDP_PAYLOAD - header} with this header)`,
    );
  if (sizeBytes < UDP_STAMP_BYTES)
    throw new UsageError(
      `--size: ${sizeBytes} bytes cannot carry the ${UDP_STAMP_BYTES}-byte stamp of every datagram ` +
        `(at least ${UDP_STAMP_BYTES})`,
    );
  if (mode !== 'stream') return { transport, ratePerSecond };
  if (raw.bitrate !== undefined && raw.rate !== undefined)
    throw new UsageError('--bitrate and --rate: give one (both set the offered rate)');
  // Neither: iperf3 -u's default, 1 Mbit/s.
  const bits = raw.bitrate !== undefined ? parseBitrate(raw.bitrate) : raw.rate === undefined ? 1e6 : 0;
  return { transport, ratePerSecond: bits > 0 ? bits / 8 / sizeBytes : ratePerSecond };
}

/** `100M`, `1G`, `500k`, `2.5Mbit`: bits per second, SI prefixes (as iperf3's -b). */
function parseBitrate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg])?(?:bit|b)?(?:\/s|ps)?\s*$/i.exec(String(text));
  if (!m) throw new UsageError(`--bitrate: '${text}' is not a bit rate (use e.g. 100M, 1G, 500k)`);
  const bits = Number(m[1]) * { '': 1, k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  if (!(bits > 0)) throw new UsageError(`--bitrate: '${text}' must be above 0`);
  return bits;
}
