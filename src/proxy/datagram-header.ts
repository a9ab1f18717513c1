/**
 * The header a proxied UDP datagram carries first, built once per flow (a flow's source and destination never
 * change, so neither do its header's bytes) and copied to the front of the flow's send buffer once:
 * - PROXY v2 with the DGRAM transport (doc/proxy-protocol.txt section 2.2: family/transport 0x12 for UDP over IPv4,
 *   0x22 over IPv6), the same signature, version/command and length as over TCP, TLVs allowed; its CRC32C TLV covers
 *   the header only, so it too is computed once per flow;
 * - Cloudflare Spectrum's Simple Proxy Protocol (SPP): 38 bytes, magic 0x56EC, the client's and the proxy's address
 *   as 16 bytes each (IPv4 as IPv4-mapped IPv6), then the client's and the proxy's port. No TLVs, no LOCAL.
 * The target's side is datagram-parser.ts.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../core/errors.js';
import type { ProxyCommand } from '../core/vocabulary.js';
import type { Endpoint } from './addresses.js';
import { crc32c } from './crc32c.js';
import { ipv6Bytes, plainAddress } from './ip.js';
import { TLV, V2_FIXED_LENGTH, V2_SIGNATURE } from './spec.js';
import { autoUniqueId, type TlvSpec, tlvValueLength, UNIQUE_ID_AUTO_LENGTH, validateTlvs } from './tlv.js';

/** SPP's magic number, its first two bytes. */
export const SPP_MAGIC = 0x56ec;
/** SPP's fixed header length: magic, two 16-byte addresses, two ports. */
export const SPP_LENGTH = 38;
/** v2's family/transport byte for UDP over IPv4, over IPv6, and for LOCAL (UNSPEC). */
export const V2_UDP4 = 0x12;
export const V2_UDP6 = 0x22;

/** What one flow's header claims (plain data: it crosses into worker threads). */
export interface DatagramHeaderSpec {
  kind: 'v2' | 'spp';
  /** v2 only: LOCAL carries no addresses (a health check). */
  command: ProxyCommand;
  /** The client the header claims, and the proxy (v2: the destination) that received its datagram. */
  source: Endpoint;
  destination: Endpoint;
  /** v2 only. `unique-id=auto` is derived from `seed` and `flowId`. */
  tlvs: TlvSpec[];
  seed: number;
  flowId: number;
}

/** Refuses what the header cannot carry, before anything is sent. */
export function validateDatagramHeader(spec: DatagramHeaderSpec): void {
  for (const e of [spec.source, spec.destination]) {
    if (!isIPv4(plainAddress(e.address)) && !isIPv6(e.address))
      throw new UsageError(`a datagram header carries IP addresses only: '${e.address}' is not one`);
    if (!Number.isInteger(e.port) || e.port < 0 || e.port > 65535)
      throw new UsageError(`a datagram header's port must be 0..65535: ${e.port}`);
  }
  if (spec.kind === 'spp') {
    if (spec.tlvs.length > 0) throw new UsageError('SPP has no TLVs (use PROXY v2 for --proxy-tlv)');
    if (spec.command === 'local') throw new UsageError('SPP has no LOCAL command (use PROXY v2)');
    return;
  }
  validateTlvs(spec.tlvs, 36);
}

/** Bytes the header takes at the front of every datagram of the flow. */
export function datagramHeaderLength(spec: DatagramHeaderSpec): number {
  if (spec.kind === 'spp') return SPP_LENGTH;
  const tlvBytes = spec.tlvs.reduce((n, t) => n + 3 + tlvValueLength(t), 0);
  if (spec.command === 'local') return V2_FIXED_LENGTH + tlvBytes;
  return V2_FIXED_LENGTH + (isV6(spec) ? 36 : 12) + tlvBytes;
}

/** The flow's header bytes (validate first). Once per flow: the send path copies it, or keeps it in place. */
export function buildDatagramHeader(spec: DatagramHeaderSpec): Buffer {
  const b = Buffer.alloc(datagramHeaderLength(spec));
  if (spec.kind === 'spp') {
    b.writeUInt16BE(SPP_MAGIC, 0);
    writeAddress16(b, 2, spec.source.address);
    writeAddress16(b, 18, spec.destination.address);
    b.writeUInt16BE(spec.source.port, 34);
    b.writeUInt16BE(spec.destination.port, 36);
    return b;
  }
  V2_SIGNATURE.copy(b, 0);
  const local = spec.command === 'local';
  const v6 = isV6(spec);
  const addrLen = local ? 0 : v6 ? 36 : 12;
  b[12] = local ? 0x20 : 0x21;
  b[13] = local ? 0x00 : v6 ? V2_UDP6 : V2_UDP4;
  b.writeUInt16BE(b.length - V2_FIXED_LENGTH, 14);
  let at = V2_FIXED_LENGTH;
  if (!local && v6) {
    writeAddress16(b, at, spec.source.address);
    writeAddress16(b, at + 16, spec.destination.address);
    b.writeUInt16BE(spec.source.port, at + 32);
    b.writeUInt16BE(spec.destination.port, at + 34);
  } else if (!local) {
    writeIPv4(b, at, plainAddress(spec.source.address));
    writeIPv4(b, at + 4, plainAddress(spec.destination.address));
    b.writeUInt16BE(spec.source.port, at + 8);
    b.writeUInt16BE(spec.destination.port, at + 10);
  }
  at += addrLen;
  let crcAt = -1;
  for (const t of spec.tlvs) {
    const type = t.kind === 'static' ? t.type : t.kind === 'crc32c' ? TLV.CRC32C : TLV.UNIQUE_ID;
    b[at] = type;
    b.writeUInt16BE(tlvValueLength(t), at + 1);
    if (t.kind === 'static') b.set(t.value, at + 3);
    else if (t.kind === 'unique-id-auto') autoUniqueId(spec.seed, spec.flowId, b, at + 3);
    else crcAt = at + 3;
    at += 3 + (t.kind === 'unique-id-auto' ? UNIQUE_ID_AUTO_LENGTH : tlvValueLength(t));
  }
  // Over the whole header with the checksum's own field zero (Buffer.alloc zeroed it), then filled in.
  if (crcAt >= 0) b.writeUInt32BE(crc32c(b), crcAt);
  return b;
}

/** Both addresses share one family, as the spec requires: a v4 address beside a v6 one is mapped. */
function isV6(spec: DatagramHeaderSpec): boolean {
  return !isIPv4(plainAddress(spec.source.address)) || !isIPv4(plainAddress(spec.destination.address));
}

/** 16 bytes: an IPv6 address as is, an IPv4 address as IPv4-mapped IPv6 (RFC 4291 section 2.5.5.2). */
function writeAddress16(b: Buffer, at: number, address: string): void {
  const plain = plainAddress(address);
  b.set(ipv6Bytes(isIPv4(plain) ? `::ffff:${plain}` : plain), at);
}

function writeIPv4(b: Buffer, at: number, address: string): void {
  const parts = address.split('.');
  for (let i = 0; i < 4; i++) b[at + i] = Number(parts[i]);
}
