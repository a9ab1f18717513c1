/**
 * Constants of the PROXY protocol as HAProxy's doc/proxy-protocol.txt defines them, shared by the builder
 * (generator side) and the streaming parser (target side).
 */

/** The 12-byte v2 signature: \r\n\r\n\0\r\nQUIT\n. */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** The v1 preamble. */
export const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** The longest legal v1 line, CRLF included (spec section 2.1). */
export const V1_MAX_LENGTH = 107;
/** Bytes before the v2 variable part: signature, ver/cmd, fam/proto, length. */
export const V2_FIXED_LENGTH = 16;

export const V2_COMMAND = { LOCAL: 0x0, PROXY: 0x1 } as const;
export const V2_FAMILY = { UNSPEC: 0x0, INET: 0x1, INET6: 0x2, UNIX: 0x3 } as const;
export const V2_TRANSPORT = { UNSPEC: 0x0, STREAM: 0x1, DGRAM: 0x2 } as const;
/** Address block length per address family. */
export const V2_ADDRESS_LENGTH: Record<number, number> = { 0: 0, 1: 12, 2: 36, 3: 216 };

/** TLV types defined by the spec; 0xE0..0xEF are reserved for custom (application-specific) use. */
export const TLV = {
  ALPN: 0x01,
  AUTHORITY: 0x02,
  CRC32C: 0x03,
  NOOP: 0x04,
  UNIQUE_ID: 0x05,
  SSL: 0x20,
  NETNS: 0x30,
} as const;

/** Human names for TLV types in stats and results. */
export function tlvName(type: number): string {
  switch (type) {
    case TLV.ALPN:
      return 'alpn';
    case TLV.AUTHORITY:
      return 'authority';
    case TLV.CRC32C:
      return 'crc32c';
    case TLV.NOOP:
      return 'noop';
    case TLV.UNIQUE_ID:
      return 'unique-id';
    case TLV.SSL:
      return 'ssl';
    case TLV.NETNS:
      return 'netns';
    default:
      return type >= 0xe0 && type <= 0xef ? `custom-0x${type.toString(16)}` : `0x${type.toString(16).padStart(2, '0')}`;
  }
}
