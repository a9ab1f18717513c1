/**
 * Reads the header at the front of one received datagram: PROXY v2 with the DGRAM transport, or Cloudflare's SPP
 * (datagram-header.ts builds both). One-shot (a datagram holds its whole header or is wrong), allocation-free (it
 * fills a view the caller keeps, of offsets into the datagram: nothing is copied) and strict: a datagram whose
 * header is wrong is named by a reason from a closed set (DATAGRAM_HEADER_ERRORS) for the target to count, never
 * thrown. Both kinds are told apart by their first bytes (v2's signature begins 0x0D, SPP's magic 0x56EC), as the
 * TCP target tells v1 from v2; under `accept`, a datagram that begins with neither is all payload.
 */
import type { DatagramHeader, DatagramHeaderError, HeaderPolicy } from '../core/vocabulary.js';
import { crc32cZeroed } from './crc32c.js';
import { compressGroups } from './ip.js';
import { DEFAULT_MAX_V2_LENGTH } from './parser.js';
import { TLV, V2_FIXED_LENGTH, V2_SIGNATURE } from './spec.js';

export type { DatagramHeader, DatagramHeaderError };
export { DEFAULT_MAX_V2_LENGTH };

const SPP_MAGIC_HI = 0x56;
const SPP_MAGIC_LO = 0xec;
const SPP_LENGTH = 38;

/** What the last parse found; one per receiving socket, reused for every datagram. Offsets index the datagram. */
export class DatagramHeaderView {
  kind: DatagramHeader = 'none';
  /** False for a v2 LOCAL header (a health check: no addresses, the payload is the proxy's own). */
  proxied = true;
  /**
   * 4 or 6 when the header carries IP addresses (SPP's read as 4 when both are IPv4-mapped: then `sourceAt` and
   * `destinationAt` point at the IPv4 bytes); 0 when it carries none.
   */
  family: 0 | 4 | 6 = 0;
  /** Where the payload starts: the header's length (0 without one). */
  headerLength = 0;
  /** Offsets of the source's and the destination's address bytes (4 or 16 of them, by `family`); -1 without. */
  sourceAt = -1;
  destinationAt = -1;
  sourcePort = 0;
  destinationPort = 0;
  /** v2's TLVs lie in [tlvStart, tlvEnd): type at t, length (u16 BE) at t + 1, value from t + 3. */
  tlvStart = 0;
  tlvEnd = 0;
  /** A CRC32C TLV was present and matched. */
  crcVerified = false;

  reset(): void {
    this.kind = 'none';
    this.proxied = true;
    this.family = 0;
    this.headerLength = 0;
    this.sourceAt = -1;
    this.destinationAt = -1;
    this.sourcePort = 0;
    this.destinationPort = 0;
    this.tlvStart = 0;
    this.tlvEnd = 0;
    this.crcVerified = false;
  }
}

/**
 * Parses the header of `d[0, length)` into `view`; null when the datagram is acceptable under `policy` (with or
 * without a header: `view.kind` says), else why not. `maxV2Length` bounds v2's variable part as serve's
 * --max-header does over TCP.
 */
export function parseDatagramHeader(
  d: Uint8Array,
  length: number,
  policy: Exclude<HeaderPolicy, 'none'>,
  view: DatagramHeaderView,
  maxV2Length = DEFAULT_MAX_V2_LENGTH,
): DatagramHeaderError | null {
  view.reset();
  if (length >= 2 && d[0] === SPP_MAGIC_HI && d[1] === SPP_MAGIC_LO) return parseSpp(d, length, view);
  if (startsWithSignature(d, length)) return parseV2(d, length, view, maxV2Length);
  return policy === 'require' ? 'missing-header' : null;
}

function startsWithSignature(d: Uint8Array, length: number): boolean {
  // A datagram shorter than the signature that agrees with it so far is a truncated header, not payload.
  const n = Math.min(length, 12);
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (d[i] !== V2_SIGNATURE[i]) return false;
  return true;
}

function parseSpp(d: Uint8Array, length: number, view: DatagramHeaderView): DatagramHeaderError | null {
  if (length < SPP_LENGTH) return 'spp-truncated';
  view.kind = 'spp';
  view.headerLength = SPP_LENGTH;
  const mapped = isMapped(d, 2) && isMapped(d, 18);
  view.family = mapped ? 4 : 6;
  view.sourceAt = mapped ? 14 : 2;
  view.destinationAt = mapped ? 30 : 18;
  view.sourcePort = (d[34] << 8) | d[35];
  view.destinationPort = (d[36] << 8) | d[37];
  return null;
}

/** The 16 bytes at `at` are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
function isMapped(d: Uint8Array, at: number): boolean {
  for (let i = 0; i < 10; i++) if (d[at + i] !== 0) return false;
  return d[at + 10] === 0xff && d[at + 11] === 0xff;
}

function parseV2(d: Uint8Array, length: number, view: DatagramHeaderView, max: number): DatagramHeaderError | null {
  if (length < V2_FIXED_LENGTH) return 'v2-truncated';
  if (d[12] >> 4 !== 0x2) return 'v2-bad-version';
  const cmd = d[12] & 0x0f;
  if (cmd > 1) return 'v2-bad-command';
  const famProto = d[13];
  const len = (d[14] << 8) | d[15];
  if (len > max) return 'v2-too-long';
  const total = V2_FIXED_LENGTH + len;
  if (total > length) return 'v2-truncated';
  let addrLen: number;
  // A datagram's header says DGRAM (or UNSPEC: LOCAL, or a proxy that will not tell); STREAM is TCP's.
  if (famProto === 0x12) addrLen = 12;
  else if (famProto === 0x22) addrLen = 36;
  else if (famProto === 0x32) addrLen = 216;
  else if (famProto === 0x00) addrLen = 0;
  else if (famProto === 0x11 || famProto === 0x21 || famProto === 0x31) return 'v2-not-dgram';
  else return 'v2-bad-family';
  view.proxied = cmd === 1;
  // LOCAL's address block is to be ignored; PROXY's must be whole. UNSPEC's whole variable part is opaque.
  if (len < addrLen) {
    if (view.proxied) return 'v2-short-address';
    addrLen = len;
  }
  if (view.proxied && addrLen === 12) {
    view.family = 4;
    view.sourceAt = V2_FIXED_LENGTH;
    view.destinationAt = V2_FIXED_LENGTH + 4;
    view.sourcePort = (d[24] << 8) | d[25];
    view.destinationPort = (d[26] << 8) | d[27];
  } else if (view.proxied && addrLen === 36) {
    view.family = 6;
    view.sourceAt = V2_FIXED_LENGTH;
    view.destinationAt = V2_FIXED_LENGTH + 16;
    view.sourcePort = (d[48] << 8) | d[49];
    view.destinationPort = (d[50] << 8) | d[51];
  }
  const tlvStart = V2_FIXED_LENGTH + addrLen;
  const crcAt = walkTlvs(d, tlvStart, total);
  // UNSPEC's variable part is the proxy's to fill: TLVs when they read as such (LOCAL's usually), else opaque.
  if (crcAt === -2) {
    if (famProto !== 0x00) return 'v2-bad-tlv';
  } else if (crcAt >= 0) {
    const expected = ((d[crcAt] << 24) | (d[crcAt + 1] << 16) | (d[crcAt + 2] << 8) | d[crcAt + 3]) >>> 0;
    if (crc32cZeroed(d, 0, total, crcAt) !== expected) return 'v2-bad-crc';
    view.crcVerified = true;
  }
  view.kind = 'v2';
  view.headerLength = total;
  view.tlvStart = crcAt === -2 ? total : tlvStart;
  view.tlvEnd = total;
  return null;
}

/** Walks the TLVs in [at, end): the CRC32C value's offset, -1 without one, -2 when they do not fit or repeat it. */
function walkTlvs(d: Uint8Array, at: number, end: number): number {
  let crcAt = -1;
  while (at < end) {
    if (at + 3 > end) return -2;
    const vlen = (d[at + 1] << 8) | d[at + 2];
    if (at + 3 + vlen > end) return -2;
    if (d[at] === TLV.CRC32C) {
      if (vlen !== 4 || crcAt >= 0) return -2;
      crcAt = at + 3;
    }
    at += 3 + vlen;
  }
  return crcAt;
}

/** Offset of the value of the first TLV of `type` in the view's v2 header, or -1 (its length: the u16 before it). */
export function findTlv(d: Uint8Array, view: DatagramHeaderView, type: number): number {
  for (let at = view.tlvStart; at + 3 <= view.tlvEnd; at += 3 + ((d[at + 1] << 8) | d[at + 2])) {
    if (d[at] === type) return at + 3;
  }
  return -1;
}

/**
 * The claimed source as one number, for counting distinct sources without a string per datagram: IPv4 address (an
 * IPv4-mapped IPv6 one included) and port, 48 bits, exact in a double; -1 for IPv6 or no address (the caller names
 * those with `endpointText`).
 */
export function sourceKey4(d: Uint8Array, view: DatagramHeaderView): number {
  if (view.sourceAt < 0) return -1;
  let a = view.sourceAt;
  if (view.family === 6) {
    if (!isMapped(d, a)) return -1;
    a += 12;
  }
  return (((d[a] << 24) | (d[a + 1] << 16) | (d[a + 2] << 8) | d[a + 3]) >>> 0) * 65536 + view.sourcePort;
}

/** `1.2.3.4:5678` of a sourceKey4 (the form endpointKey gives the generator's side). */
export function sourceKey4Text(key: number): string {
  const address = Math.floor(key / 65536);
  const port = key % 65536;
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}:${port}`;
}

/**
 * `addr:port` of the claimed source or destination in the form endpointKey gives (IPv4 dotted, an IPv4-mapped
 * IPv6 address included; IPv6 as RFC 5952 in brackets). Allocates: for tallies and reports, not per datagram.
 */
export function endpointText(d: Uint8Array, view: DatagramHeaderView, which: 'source' | 'destination'): string | null {
  let at = which === 'source' ? view.sourceAt : view.destinationAt;
  const port = which === 'source' ? view.sourcePort : view.destinationPort;
  if (at < 0) return null;
  if (view.family === 6 && isMapped(d, at)) at += 12;
  else if (view.family === 6) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((d[at + i] << 8) | d[at + i + 1]).toString(16));
    return `[${compressGroups(groups)}]:${port}`;
  }
  return `${d[at]}.${d[at + 1]}.${d[at + 2]}.${d[at + 3]}:${port}`;
}
