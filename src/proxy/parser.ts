/**
 * A streaming PROXY header parser for the target side. proxy-protocol-js's parse() is not incremental (a partial
 * v2 header parses as garbage), accepts invalid v1 addresses and rejects the spec's short `PROXY UNKNOWN\r\n`, so
 * the target uses this instead. Feed it chunks as they arrive; it answers when it has a verdict, and hands back
 * the bytes after the header so no payload is lost.
 */

import { isIPv4, isIPv6 } from 'node:net';
import type { HeaderPolicy } from '../core/vocabulary.js';
import { crc32c } from './crc32c.js';
import { compressGroups } from './ip.js';
import {
  TLV,
  V1_MAX_LENGTH,
  V1_PREFIX,
  V2_ADDRESS_LENGTH,
  V2_COMMAND,
  V2_FAMILY,
  V2_FIXED_LENGTH,
  V2_SIGNATURE,
} from './spec.js';

/** How a target treats a PROXY header (the vocabulary's HeaderPolicy). */
export type ProxyMode = HeaderPolicy;

/** Why a header was rejected: a closed set, counted by the target. */
export type RejectReason =
  | 'missing-header'
  | 'v1-too-long'
  | 'v1-malformed'
  | 'v1-bad-address'
  | 'v1-bad-port'
  | 'v2-bad-version'
  | 'v2-bad-command'
  | 'v2-bad-family'
  | 'v2-too-long'
  | 'v2-short-address'
  | 'v2-bad-tlv'
  | 'v2-bad-crc'
  | 'header-timeout';

export interface Tlv {
  type: number;
  value: Buffer;
}

export interface ProxyHeader {
  version: 1 | 2;
  command: 'PROXY' | 'LOCAL';
  /** v1: TCP4 | TCP6 | UNKNOWN. v2: TCP4 | TCP6 | UDP4 | UDP6 | UNIX | UNIX_DGRAM | UNSPEC. */
  family: string;
  source: { address: string; port: number } | null;
  destination: { address: string; port: number } | null;
  tlvs: Tlv[];
  /** True when a CRC32C TLV was present and matched. */
  crcVerified: boolean;
  /** Header bytes on the wire. */
  length: number;
}

export type ParseStep =
  | { status: 'more' }
  | { status: 'done'; header: ProxyHeader | null; rest: Buffer }
  | { status: 'error'; reason: RejectReason };

/** The target's default bound on a v2 header's variable part (addresses + TLVs); serve --max-header changes it. */
export const DEFAULT_MAX_V2_LENGTH = 2048;

export interface ParserOptions {
  mode: Exclude<ProxyMode, 'none'>;
  /** Largest v2 variable part accepted (the length field allows 65535). */
  maxV2Length?: number;
}

const MORE: ParseStep = { status: 'more' };
const EMPTY = Buffer.alloc(0);

/** One parser per connection; discard it once it returns done or error. */
export class ProxyHeaderParser {
  private buffered: Buffer = EMPTY;
  private readonly maxV2Length: number;

  constructor(private readonly options: ParserOptions) {
    this.maxV2Length = options.maxV2Length ?? DEFAULT_MAX_V2_LENGTH;
  }

  push(chunk: Buffer): ParseStep {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const b = this.buffered;
    if (startsWithPrefixOf(b, V2_SIGNATURE)) return b.length < V2_FIXED_LENGTH ? MORE : this.parseV2(b);
    if (startsWithPrefixOf(b, V1_PREFIX)) return this.parseV1(b);
    if (this.options.mode === 'require') return { status: 'error', reason: 'missing-header' };
    return { status: 'done', header: null, rest: b };
  }

  private parseV1(b: Buffer): ParseStep {
    const limit = Math.min(b.length, V1_MAX_LENGTH);
    let eol = -1;
    for (let i = 0; i < limit - 1; i++) {
      if (b[i] === 0x0d && b[i + 1] === 0x0a) {
        eol = i;
        break;
      }
    }
    if (eol < 0) return b.length >= V1_MAX_LENGTH ? { status: 'error', reason: 'v1-too-long' } : MORE;
    const line = b.toString('latin1', 0, eol);
    const rest = b.subarray(eol + 2);
    const parts = line.split(' ');
    const done = (header: ProxyHeader): ParseStep => ({ status: 'done', header, rest });
    if (parts[1] === 'UNKNOWN') {
      // The spec allows anything after UNKNOWN, including nothing; the addresses are to be ignored.
      return done({
        version: 1,
        command: 'PROXY',
        family: 'UNKNOWN',
        source: null,
        destination: null,
        tlvs: [],
        crcVerified: false,
        length: eol + 2,
      });
    }
    if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6'))
      return { status: 'error', reason: 'v1-malformed' };
    const isFamily = parts[1] === 'TCP4' ? strictIPv4 : isIPv6;
    if (!isFamily(parts[2]) || !isFamily(parts[3])) return { status: 'error', reason: 'v1-bad-address' };
    const sport = strictPort(parts[4]);
    const dport = strictPort(parts[5]);
    if (sport < 0 || dport < 0) return { status: 'error', reason: 'v1-bad-port' };
    return done({
      version: 1,
      command: 'PROXY',
      family: parts[1],
      tlvs: [],
      crcVerified: false,
      length: eol + 2,
      source: { address: parts[2], port: sport },
      destination: { address: parts[3], port: dport },
    });
  }

  private parseV2(b: Buffer): ParseStep {
    const verCmd = b[12];
    if (verCmd >> 4 !== 0x2) return { status: 'error', reason: 'v2-bad-version' };
    const cmd = verCmd & 0x0f;
    if (cmd !== V2_COMMAND.LOCAL && cmd !== V2_COMMAND.PROXY) return { status: 'error', reason: 'v2-bad-command' };
    const fam = b[13] >> 4;
    const proto = b[13] & 0x0f;
    if (fam > V2_FAMILY.UNIX || proto > 0x2) return { status: 'error', reason: 'v2-bad-family' };
    const len = b.readUInt16BE(14);
    if (len > this.maxV2Length) return { status: 'error', reason: 'v2-too-long' };
    const total = V2_FIXED_LENGTH + len;
    if (b.length < total) return MORE;
    const addrLen = V2_ADDRESS_LENGTH[fam];
    // A LOCAL header's address block is to be ignored; only PROXY must carry a complete one.
    if (len < addrLen && cmd === V2_COMMAND.PROXY) return { status: 'error', reason: 'v2-short-address' };
    const header: ProxyHeader = {
      version: 2,
      command: cmd === V2_COMMAND.PROXY ? 'PROXY' : 'LOCAL',
      family: v2FamilyName(fam, proto),
      source: null,
      destination: null,
      tlvs: [],
      crcVerified: false,
      length: total,
    };
    if (len >= addrLen && cmd === V2_COMMAND.PROXY) readV2Addresses(b, fam, header);
    // TLVs follow the address block (for UNSPEC the whole block is opaque and skipped).
    let at = V2_FIXED_LENGTH + (fam === V2_FAMILY.UNSPEC ? len : Math.min(addrLen, len));
    let crcAt = -1;
    while (at < total) {
      if (at + 3 > total) return { status: 'error', reason: 'v2-bad-tlv' };
      const type = b[at];
      const vlen = b.readUInt16BE(at + 1);
      if (at + 3 + vlen > total) return { status: 'error', reason: 'v2-bad-tlv' };
      if (type === TLV.CRC32C) {
        if (vlen !== 4) return { status: 'error', reason: 'v2-bad-tlv' };
        crcAt = at + 3;
      }
      header.tlvs.push({ type, value: Buffer.from(b.subarray(at + 3, at + 3 + vlen)) });
      at += 3 + vlen;
    }
    if (crcAt >= 0) {
      // The checksum covers the whole header with the checksum field itself zeroed.
      const copy = Buffer.from(b.subarray(0, total));
      const expected = copy.readUInt32BE(crcAt);
      copy.writeUInt32BE(0, crcAt);
      if (crc32c(copy) !== expected) return { status: 'error', reason: 'v2-bad-crc' };
      header.crcVerified = true;
    }
    return { status: 'done', header, rest: b.subarray(total) };
  }
}

/** True when `b` and `prefix` agree on their common length (so `b` may still become `prefix`). */
function startsWithPrefixOf(b: Buffer, prefix: Buffer): boolean {
  const n = Math.min(b.length, prefix.length);
  for (let i = 0; i < n; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/** Dotted quad with each part 0..255 and no leading zeros (Node's isIPv4 already refuses 999 and 01). */
function strictIPv4(s: string): boolean {
  return isIPv4(s);
}

/** A decimal port 0..65535 without sign or leading zeros; -1 when invalid. */
function strictPort(s: string): number {
  if (!/^(0|[1-9]\d{0,4})$/.test(s)) return -1;
  const n = Number(s);
  return n <= 65535 ? n : -1;
}

function v2FamilyName(fam: number, proto: number): string {
  if (fam === V2_FAMILY.UNSPEC) return 'UNSPEC';
  if (fam === V2_FAMILY.UNIX) return proto === 2 ? 'UNIX_DGRAM' : 'UNIX';
  const base = fam === V2_FAMILY.INET ? '4' : '6';
  return (proto === 2 ? 'UDP' : 'TCP') + base;
}

function readV2Addresses(b: Buffer, fam: number, header: ProxyHeader): void {
  const at = V2_FIXED_LENGTH;
  if (fam === V2_FAMILY.INET) {
    header.source = { address: `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`, port: b.readUInt16BE(at + 8) };
    header.destination = {
      address: `${b[at + 4]}.${b[at + 5]}.${b[at + 6]}.${b[at + 7]}`,
      port: b.readUInt16BE(at + 10),
    };
  } else if (fam === V2_FAMILY.INET6) {
    header.source = { address: ipv6Text(b, at), port: b.readUInt16BE(at + 32) };
    header.destination = { address: ipv6Text(b, at + 16), port: b.readUInt16BE(at + 34) };
  } else if (fam === V2_FAMILY.UNIX) {
    header.source = { address: nulTerminated(b, at, 108), port: 0 };
    header.destination = { address: nulTerminated(b, at + 108, 108), port: 0 };
  }
}

/** Canonical (RFC 5952) text for the 16 bytes at `at`. */
function ipv6Text(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(at + i * 2).toString(16));
  return compressGroups(groups);
}

function nulTerminated(b: Buffer, at: number, max: number): string {
  const end = b.indexOf(0, at);
  return b.toString('utf8', at, end < 0 || end > at + max ? at + max : end);
}
