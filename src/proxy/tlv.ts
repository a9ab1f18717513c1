/**
 * PROXY v2 TLVs as the user asks for them (`--proxy-tlv`, repeatable) and their encoding. proxy-protocol-js has
 * no TLV support (bytes passed as `data` are not counted in the length field), so this module fills that gap.
 * Static TLVs are encoded once per run; `unique-id=auto` and `crc32c` are per connection by nature.
 */
import { UsageError } from '../core/errors.js';
import { TLV_HELP } from '../options/run-options.js';

export { TLV_HELP };

import { TLV } from './spec.js';

/** `text` is the option as given, kept for reports. `value` may arrive in a worker as a plain Uint8Array. */
export type TlvSpec =
  /** Bytes fixed for the whole run. */
  | { kind: 'static'; type: number; value: Uint8Array; text: string }
  /** PP2_TYPE_UNIQUE_ID, different on every connection. */
  | { kind: 'unique-id-auto'; text: string }
  /** PP2_TYPE_CRC32C over the whole header, computed last. */
  | { kind: 'crc32c'; text: string };

/** The spec caps UNIQUE_ID at 128 bytes. */
export const UNIQUE_ID_MAX = 128;
/** PP2_CLIENT_SSL: the client connected over SSL/TLS. */
const PP2_CLIENT_SSL = 0x01;
const PP2_SUBTYPE_SSL_VERSION = 0x21;
const PP2_SUBTYPE_SSL_CN = 0x22;
const PP2_SUBTYPE_SSL_CIPHER = 0x23;

const NAMED: Record<string, number> = { alpn: TLV.ALPN, authority: TLV.AUTHORITY, netns: TLV.NETNS };

export function parseTlvOption(text: string): TlvSpec {
  return { ...parseTlvValue(text), text } as TlvSpec;
}

type TlvWithoutText = TlvSpec extends infer T ? (T extends { text: string } ? Omit<T, 'text'> : never) : never;

function parseTlvValue(text: string): TlvWithoutText {
  const option = '--proxy-tlv';
  const eq = text.indexOf('=');
  const key = (eq < 0 ? text : text.slice(0, eq)).trim().toLowerCase();
  const value = eq < 0 ? undefined : text.slice(eq + 1);
  const need = (): string => {
    if (value === undefined || value === '') throw new UsageError(`${option}: '${key}' needs a value (${key}=...)`);
    return value;
  };
  if (key === 'crc32c') {
    if (value !== undefined) throw new UsageError(`${option}: crc32c takes no value (it is computed)`);
    return { kind: 'crc32c' };
  }
  if (key === 'unique-id') {
    const v = need();
    if (v === 'auto') return { kind: 'unique-id-auto' };
    const bytes = Buffer.from(v, 'utf8');
    if (bytes.length > UNIQUE_ID_MAX)
      throw new UsageError(`${option}: unique-id is ${bytes.length} bytes; the spec allows at most ${UNIQUE_ID_MAX}`);
    return { kind: 'static', type: TLV.UNIQUE_ID, value: bytes };
  }
  if (key === 'noop') {
    const n = Number(need());
    if (!Number.isInteger(n) || n < 0 || n > 65000)
      throw new UsageError(`${option}: noop=${value} must be a byte count 0..65000`);
    return { kind: 'static', type: TLV.NOOP, value: Buffer.alloc(n) };
  }
  if (key === 'ssl') return { kind: 'static', type: TLV.SSL, value: sslValue(need()) };
  if (key in NAMED) return { kind: 'static', type: NAMED[key], value: Buffer.from(need(), 'utf8') };
  const custom = /^0x([0-9a-f]{2})$/.exec(key);
  if (custom) {
    const type = parseInt(custom[1], 16);
    if (type < 0xe0 || type > 0xef)
      throw new UsageError(`${option}: type ${key} is not in the custom range 0xE0..0xEF`);
    const v = need();
    if (v.startsWith('hex:')) {
      const hex = v.slice(4);
      if (!/^([0-9a-fA-F]{2})*$/.test(hex))
        throw new UsageError(`${option}: '${hex}' is not an even number of hex digits`);
      return { kind: 'static', type, value: Buffer.from(hex, 'hex') };
    }
    return { kind: 'static', type, value: Buffer.from(v, 'utf8') };
  }
  throw new UsageError(`${option}: '${text}' is not a TLV (allowed: ${TLV_HELP})`);
}

/** `TLSv1.3,cn=example.com,cipher=TLS_AES_128_GCM_SHA256` -> PP2_TYPE_SSL value: client, verify, sub-TLVs. */
function sslValue(text: string): Buffer {
  const [version, ...rest] = text.split(',');
  const subs: Buffer[] = [subTlv(PP2_SUBTYPE_SSL_VERSION, version)];
  for (const part of rest) {
    const [k, v] = part.split('=');
    if (k === 'cn' && v) subs.push(subTlv(PP2_SUBTYPE_SSL_CN, v));
    else if (k === 'cipher' && v) subs.push(subTlv(PP2_SUBTYPE_SSL_CIPHER, v));
    else throw new UsageError(`--proxy-tlv: ssl part '${part}' is not allowed (cn=NAME, cipher=NAME)`);
  }
  const head = Buffer.alloc(5);
  head[0] = PP2_CLIENT_SSL;
  head.writeUInt32BE(0, 1); // verify = 0: the client presented a certificate that verified (or none was asked)
  return Buffer.concat([head, ...subs]);
}

function subTlv(type: number, text: string): Buffer {
  const v = Buffer.from(text, 'utf8');
  const b = Buffer.alloc(3 + v.length);
  b[0] = type;
  b.writeUInt16BE(v.length, 1);
  v.copy(b, 3);
  return b;
}

/** Rejects combinations the spec or the header's length field cannot carry. */
export function validateTlvs(tlvs: TlvSpec[], addressBlockBytes: number): void {
  if (tlvs.filter((t) => t.kind === 'crc32c').length > 1)
    throw new UsageError('--proxy-tlv: crc32c given more than once');
  if (tlvs.filter((t) => t.kind === 'unique-id-auto' || (t.kind === 'static' && t.type === TLV.UNIQUE_ID)).length > 1) {
    throw new UsageError('--proxy-tlv: unique-id given more than once');
  }
  const total = v2VariableLength(tlvs, addressBlockBytes);
  if (total > 65535)
    throw new UsageError(
      `--proxy-tlv: the header's variable part would be ${total} bytes; the length field allows 65,535`,
    );
}

/** The v2 header's variable part: the address block and every TLV (type, length, value). */
export function v2VariableLength(tlvs: TlvSpec[], addressBlockBytes: number): number {
  return addressBlockBytes + tlvs.reduce((n, t) => n + 3 + tlvValueLength(t), 0);
}

export function tlvValueLength(t: TlvSpec): number {
  if (t.kind === 'crc32c') return 4;
  if (t.kind === 'unique-id-auto') return UNIQUE_ID_AUTO_LENGTH;
  return t.value.length;
}

/** `unique-id=auto` values: 8 hex digits of seed + 12 of connection id, fixed length so the header size is too. */
export const UNIQUE_ID_AUTO_LENGTH = 24;

export function autoUniqueId(seed: number, connId: number, into: Buffer, at: number): void {
  into.write(
    `l4s-${(seed >>> 0).toString(16).padStart(8, '0')}${connId.toString(16).padStart(12, '0')}`,
    at,
    UNIQUE_ID_AUTO_LENGTH,
    'latin1',
  );
}
