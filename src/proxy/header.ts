/**
 * Builds the PROXY header a generated connection sends first, straight into the buffer that also carries the first
 * message (one allocation, one write: HAProxy rejects a header split over two writes). Built once per connection,
 * never per message. Our own encoder rather than proxy-protocol-js because v2 needs TLVs counted in the length
 * field and a CRC32C over the finished header; proxy-protocol-js serves as the independent oracle in the tests.
 */
import { isIPv4 } from 'node:net';
import { UsageError } from '../core/errors.js';
import type { ProxyCommand, ProxyVersion } from '../core/vocabulary.js';
import { type AddressSpec, assignEndpoint, type CompiledAddress, compileAddress, type Endpoint } from './addresses.js';
import { crc32c } from './crc32c.js';
import { canonicalAddress, ipv6Bytes, plainAddress } from './ip.js';
import { TLV, V1_MAX_LENGTH, V2_FIXED_LENGTH, V2_SIGNATURE } from './spec.js';
import {
  autoUniqueId,
  type TlvSpec,
  tlvValueLength,
  UNIQUE_ID_AUTO_LENGTH,
  v2VariableLength,
  validateTlvs,
} from './tlv.js';

export type { ProxyVersion } from '../core/vocabulary.js';
export type { Endpoint };

/** What every connection of a run claims in its header (plain data: it crosses into worker threads). */
export interface ProxyHeaderPlan {
  version: ProxyVersion;
  command: ProxyCommand;
  src: AddressSpec;
  dst: AddressSpec;
  tlvs: TlvSpec[];
}

export const NO_PROXY: ProxyHeaderPlan = {
  version: 'none',
  command: 'proxy',
  src: { kind: 'socket' },
  dst: { kind: 'socket' },
  tlvs: [],
};

/** Cross-option checks, before anything starts. */
export function validateProxyPlan(plan: ProxyHeaderPlan): void {
  const customised =
    plan.command !== 'proxy' || plan.src.kind !== 'socket' || plan.dst.kind !== 'socket' || plan.tlvs.length > 0;
  if (plan.version === 'none') {
    if (customised)
      throw new UsageError('--proxy-src, --proxy-dst, --proxy-command and --proxy-tlv need --proxy v1 or v2');
    return;
  }
  if (plan.version === 'v1') {
    if (plan.command === 'local') throw new UsageError('--proxy-command local exists only in v2 (use --proxy v2)');
    if (plan.tlvs.length > 0) throw new UsageError('--proxy-tlv: TLVs exist only in v2 (use --proxy v2)');
    if (plan.src.kind === 'unix' || plan.dst.kind === 'unix')
      throw new UsageError('--proxy-src/--proxy-dst: UNIX addresses exist only in v2');
  }
  if (plan.dst.kind === 'unknown' && plan.src.kind !== 'unknown')
    throw new UsageError('--proxy-dst unknown goes with --proxy-src unknown');
  if ((plan.src.kind === 'unix') !== (plan.dst.kind === 'unix') && plan.src.kind !== 'unknown') {
    throw new UsageError('--proxy-src and --proxy-dst: a UNIX address on one side needs a UNIX address on the other');
  }
  validateTlvs(plan.tlvs, addressBlockBytes(plan));
}

/** The largest v2 variable part this plan sends (0 without v2): what a target must accept. */
export function planV2Length(plan: ProxyHeaderPlan): number {
  return plan.version === 'v2' ? v2VariableLength(plan.tlvs, addressBlockBytes(plan)) : 0;
}

const addressBlockBytes = (plan: ProxyHeaderPlan): number => (plan.src.kind === 'unix' ? 216 : 36);

export interface BuiltHeader {
  /** Header followed by the payload. */
  bytes: Buffer;
  headerLength: number;
  /** The source the header claims, `address:port`; null for LOCAL, UNKNOWN/UNSPEC and UNIX. */
  claimedSource: string | null;
}

/** Encodes one run's headers; static TLVs are encoded once, here. */
export class ProxyHeaderWriter {
  /** The longest header this plan writes: what a buffer given to `write` needs before the payload. */
  readonly maxHeaderBytes: number;
  private readonly staticTlvs: Buffer;
  private readonly tlvBytes: number;
  private readonly hasUniqueIdAuto: boolean;
  private readonly hasCrc: boolean;
  private readonly src: CompiledAddress;
  private readonly dst: CompiledAddress;

  constructor(
    private readonly plan: ProxyHeaderPlan,
    private readonly seed: number,
  ) {
    this.src = compileAddress(plan.src);
    this.dst = compileAddress(plan.dst);
    this.staticTlvs = Buffer.concat(
      plan.tlvs.flatMap((t) => (t.kind === 'static' ? [encodeTlv(t.type, Buffer.from(t.value))] : [])),
    );
    this.tlvBytes = plan.tlvs.reduce((n, t) => n + 3 + tlvValueLength(t), 0);
    this.hasUniqueIdAuto = plan.tlvs.some((t) => t.kind === 'unique-id-auto');
    this.hasCrc = plan.tlvs.some((t) => t.kind === 'crc32c');
    this.maxHeaderBytes =
      plan.version === 'none'
        ? 0
        : plan.version === 'v1'
          ? V1_MAX_LENGTH
          : V2_FIXED_LENGTH + addressBlockBytes(plan) + this.tlvBytes;
  }

  /** `local` and `remote` are the socket's real endpoints; `payload` follows the header in the same buffer. */
  build(connId: number, local: Endpoint, remote: Endpoint, payload: Buffer): BuiltHeader {
    if (this.plan.version === 'none') return { bytes: payload, headerLength: 0, claimedSource: null };
    const b = Buffer.allocUnsafe(this.maxHeaderBytes + payload.length);
    const headerLength = this.write(b, connId, local, remote, payload);
    const claimedSource = this.claimedSource(connId, local, remote);
    return { bytes: b.subarray(0, headerLength + payload.length), headerLength, claimedSource };
  }

  /**
   * Writes the header of `connId` at the start of `into` and `payload` right after it (`into` needs maxHeaderBytes
   * + payload.length bytes); returns the header's length. A v2 header of IPv4 socket endpoints allocates nothing:
   * a ramp builds one per session.
   */
  write(into: Buffer, connId: number, local: Endpoint, remote: Endpoint, payload: Buffer): number {
    const { plan } = this;
    let headerLength = 0;
    if (plan.version === 'v1') headerLength = this.writeV1(into, connId, plainEndpoint(local), plainEndpoint(remote));
    else if (plan.version === 'v2')
      headerLength = this.writeV2(into, connId, plainEndpoint(local), plainEndpoint(remote));
    payload.copy(into, headerLength);
    return headerLength;
  }

  /** The source the header of `connId` claims, `address:port`; null for LOCAL, UNKNOWN/UNSPEC and UNIX. */
  claimedSource(connId: number, local: Endpoint, remote: Endpoint): string | null {
    const { plan } = this;
    if (plan.version === 'none' || plan.command === 'local' || plan.src.kind === 'unix' || plan.src.kind === 'unknown')
      return null;
    return endpointKey(this.endpoints(connId, plainEndpoint(local), plainEndpoint(remote)).src);
  }

  private endpoints(connId: number, local: Endpoint, remote: Endpoint): { src: Endpoint; dst: Endpoint; v6: boolean } {
    let src = assignEndpoint(this.src, this.seed, connId, local);
    let dst = assignEndpoint(this.dst, (this.seed ^ 0x5bd1e995) >>> 0, connId, remote);
    // Addresses are valid IPs here (sockets, validated options, pools): only IPv6 has a colon.
    const v6 = src.address.includes(':') || dst.address.includes(':');
    // Both addresses share one family, as the spec requires: a v4 address next to a v6 one is mapped.
    if (v6) {
      if (isIPv4(src.address)) src = { ...src, address: `::ffff:${src.address}` };
      if (isIPv4(dst.address)) dst = { ...dst, address: `::ffff:${dst.address}` };
    }
    return { src, dst, v6 };
  }

  private writeV1(into: Buffer, connId: number, local: Endpoint, remote: Endpoint): number {
    let line: string;
    if (this.plan.src.kind === 'unknown') line = 'PROXY UNKNOWN\r\n';
    else {
      const { src, dst, v6 } = this.endpoints(connId, local, remote);
      line = `PROXY ${v6 ? 'TCP6' : 'TCP4'} ${src.address} ${dst.address} ${src.port} ${dst.port}\r\n`;
    }
    return into.write(line, 0, 'latin1');
  }

  private writeV2(b: Buffer, connId: number, local: Endpoint, remote: Endpoint): number {
    const { plan } = this;
    const local_ = plan.command === 'local';
    let famProto = 0x00;
    let addrLen = 0;
    let at = V2_FIXED_LENGTH;
    if (!local_ && plan.src.kind === 'unix') {
      famProto = 0x31;
      addrLen = 216;
      b.fill(0, at, at + addrLen);
      b.write(plan.src.path, at, 107, 'utf8');
      b.write((plan.dst as { path: string }).path, at + 108, 107, 'utf8');
    } else if (!local_ && plan.src.kind !== 'unknown') {
      // Inline rather than endpoints(): no object per header for IPv4, the common case.
      const src = assignEndpoint(this.src, this.seed, connId, local);
      const dst = assignEndpoint(this.dst, (this.seed ^ 0x5bd1e995) >>> 0, connId, remote);
      if (src.address.includes(':') || dst.address.includes(':')) {
        // IPv6, a v4 address beside it mapped.
        const e = this.endpoints(connId, local, remote);
        famProto = 0x21;
        addrLen = 36;
        writeIPv6(b, at, e.src.address);
        writeIPv6(b, at + 16, e.dst.address);
        b.writeUInt16BE(e.src.port, at + 32);
        b.writeUInt16BE(e.dst.port, at + 34);
      } else {
        famProto = 0x11;
        addrLen = 12;
        writeIPv4(b, at, src.address);
        writeIPv4(b, at + 4, dst.address);
        b.writeUInt16BE(src.port, at + 8);
        b.writeUInt16BE(dst.port, at + 10);
      }
    }
    const headerLength = V2_FIXED_LENGTH + addrLen + this.tlvBytes;
    V2_SIGNATURE.copy(b, 0);
    b[12] = local_ ? 0x20 : 0x21;
    b[13] = famProto;
    b.writeUInt16BE(addrLen + this.tlvBytes, 14);
    at += addrLen;
    at += this.staticTlvs.copy(b, at);
    if (this.hasUniqueIdAuto) {
      b[at] = TLV.UNIQUE_ID;
      b.writeUInt16BE(UNIQUE_ID_AUTO_LENGTH, at + 1);
      autoUniqueId(this.seed, connId, b, at + 3);
      at += 3 + UNIQUE_ID_AUTO_LENGTH;
    }
    if (this.hasCrc) {
      // Computed over the whole header with its own value field zeroed, then filled in.
      b[at] = TLV.CRC32C;
      b.writeUInt16BE(4, at + 1);
      b.writeUInt32BE(0, at + 3);
      b.writeUInt32BE(crc32c(b, 0, headerLength), at + 3);
    }
    return headerLength;
  }
}

/** The endpoint with an IPv4-mapped IPv6 address as plain IPv4; the same object when there is nothing to change. */
function plainEndpoint(e: Endpoint): Endpoint {
  const address = plainAddress(e.address);
  return address === e.address ? e : { address, port: e.port };
}

/** A dotted quad's four bytes, read digit by digit (no split: a ramp writes two per session). */
function writeIPv4(b: Buffer, at: number, address: string): void {
  let octet = 0;
  let i = at;
  for (let k = 0; k < address.length; k++) {
    const ch = address.charCodeAt(k);
    if (ch === 0x2e) {
      b[i++] = octet;
      octet = 0;
    } else octet = octet * 10 + ch - 0x30;
  }
  b[i] = octet;
}

function writeIPv6(b: Buffer, at: number, address: string): void {
  const bytes = ipv6Bytes(address);
  for (let i = 0; i < 16; i++) b[at + i] = bytes[i];
}

function encodeTlv(type: number, value: Buffer): Buffer {
  const b = Buffer.alloc(3 + value.length);
  b[0] = type;
  b.writeUInt16BE(value.length, 1);
  value.copy(b, 3);
  return b;
}

/** How sources are compared across the generator and a backend: `1.2.3.4:5678`, `[2001:db8::1]:5678`. */
export function endpointKey(e: Endpoint): string {
  const a = canonicalAddress(e.address);
  return a.includes(':') ? `[${a}]:${e.port}` : `${a}:${e.port}`;
}

/** The plan as people read it (and as the result records it). */
export function describeProxyPlan(plan: ProxyHeaderPlan): {
  version: ProxyVersion;
  command: ProxyCommand;
  src: string;
  dst: string;
  tlvs: string[];
} {
  return {
    version: plan.version,
    command: plan.command,
    src: describeAddress(plan.src),
    dst: describeAddress(plan.dst),
    tlvs: plan.tlvs.map((t) => t.text),
  };
}

function describeAddress(a: AddressSpec): string {
  switch (a.kind) {
    case 'socket':
      return 'socket';
    case 'unknown':
      return 'unknown';
    case 'unix':
      return `unix:${a.path}`;
    case 'pool':
      return a.cidr;
    case 'fixed': {
      const host = a.address.includes(':') && a.port !== null ? `[${a.address}]` : a.address;
      return a.port === null ? host : `${host}:${a.port}`;
    }
  }
}
