/**
 * Properties of the PROXY header parser (src/proxy/parser.ts) against HAProxy's doc/proxy-protocol.txt, shared by
 * the test suite (a few hundred runs each) and the fuzz script (`npm run fuzz`, a million inputs). Headers are
 * encoded here by a reference encoder written from the spec alone (not l4stress's builder), so the parser is
 * checked against the spec, not against our own reading of it twice.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { type ParseStep, type ProxyHeader, ProxyHeaderParser, type ProxyMode } from '../src/proxy/parser.js';

// From the spec, section 2.2: the 12-byte signature, version 2, commands, families, address block sizes.
const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const FAMILY = { UNSPEC: 0x0, INET: 0x1, INET6: 0x2, UNIX: 0x3 } as const;
const BLOCK = { UNSPEC: 0, INET: 12, INET6: 36, UNIX: 216 } as const;
const PP2_TYPE_CRC32C = 0x03;

export interface ExpectedHeader {
  bytes: Buffer;
  header: Omit<ProxyHeader, 'tlvs'> & { tlvs: { type: number; value: number[] }[] };
}

/** CRC32C (Castagnoli, reflected 0x82F63B78), bit by bit: slow and obviously right. */
function referenceCrc32c(b: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of b) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** RFC 5952 text of 16 bytes, by way of the WHATWG URL serializer (an implementation independent of ours). */
function canonicalIPv6(bytes: number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

const port = fc.integer({ min: 0, max: 65535 });
const tlv = fc.record({
  type: fc.integer({ min: 0, max: 255 }).filter((t) => t !== PP2_TYPE_CRC32C),
  value: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
});
const unixPath = fc
  .array(fc.constantFrom(...'abcxyz0123456789/._-'.split('')), { maxLength: 107 })
  .map((a) => a.join(''));

const v1Header: fc.Arbitrary<ExpectedHeader> = fc
  .oneof(
    fc.record({ family: fc.constantFrom('TCP4' as const), src: fc.ipV4(), dst: fc.ipV4(), sp: port, dp: port }),
    fc.record({ family: fc.constantFrom('TCP6' as const), src: fc.ipV6(), dst: fc.ipV6(), sp: port, dp: port }),
    fc.record({
      family: fc.constantFrom('UNKNOWN' as const),
      src: fc.constant(''),
      dst: fc.constant(''),
      sp: port,
      dp: port,
    }),
  )
  .map((h) => {
    const line =
      h.family === 'UNKNOWN' ? 'PROXY UNKNOWN\r\n' : `PROXY ${h.family} ${h.src} ${h.dst} ${h.sp} ${h.dp}\r\n`;
    const known = h.family !== 'UNKNOWN';
    return {
      bytes: Buffer.from(line, 'latin1'),
      header: {
        version: 1,
        command: 'PROXY',
        family: h.family,
        source: known ? { address: h.src, port: h.sp } : null,
        destination: known ? { address: h.dst, port: h.dp } : null,
        tlvs: [],
        crcVerified: false,
        length: line.length,
      },
    };
  });

const bytes = (n: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n });

const v2Header: fc.Arbitrary<ExpectedHeader> = fc
  .record({
    local: fc.boolean(),
    udp: fc.boolean(),
    family: fc.constantFrom('UNSPEC', 'INET', 'INET6', 'UNIX') as fc.Arbitrary<keyof typeof FAMILY>,
    src: bytes(16),
    dst: bytes(16),
    sp: port,
    dp: port,
    srcPath: unixPath,
    dstPath: unixPath,
    unspecBlock: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
    tlvs: fc.array(tlv, { maxLength: 6 }),
    crc: fc.boolean(),
  })
  .map((h) => {
    const block = Buffer.alloc(h.family === 'UNSPEC' ? h.unspecBlock.length : BLOCK[h.family]);
    let source: ProxyHeader['source'] = null;
    let destination: ProxyHeader['destination'] = null;
    if (h.family === 'INET') {
      block.set(h.src.slice(0, 4), 0);
      block.set(h.dst.slice(0, 4), 4);
      block.writeUInt16BE(h.sp, 8);
      block.writeUInt16BE(h.dp, 10);
      source = { address: h.src.slice(0, 4).join('.'), port: h.sp };
      destination = { address: h.dst.slice(0, 4).join('.'), port: h.dp };
    } else if (h.family === 'INET6') {
      block.set(h.src, 0);
      block.set(h.dst, 16);
      block.writeUInt16BE(h.sp, 32);
      block.writeUInt16BE(h.dp, 34);
      source = { address: canonicalIPv6(h.src), port: h.sp };
      destination = { address: canonicalIPv6(h.dst), port: h.dp };
    } else if (h.family === 'UNIX') {
      block.write(h.srcPath, 0, 'latin1');
      block.write(h.dstPath, 108, 'latin1');
      source = { address: h.srcPath, port: 0 };
      destination = { address: h.dstPath, port: 0 };
    } else block.set(h.unspecBlock, 0);
    // For UNSPEC the spec has the receiver ignore the whole block: TLVs are only read after a known block.
    const tlvs = h.family === 'UNSPEC' ? [] : h.tlvs;
    const tlvBytes = tlvs.map((t) =>
      Buffer.concat([Buffer.from([t.type, t.value.length >> 8, t.value.length & 255]), Buffer.from(t.value)]),
    );
    const crcTlv = h.crc && h.family !== 'UNSPEC' ? Buffer.from([PP2_TYPE_CRC32C, 0, 4, 0, 0, 0, 0]) : Buffer.alloc(0);
    const rest = Buffer.concat([block, ...tlvBytes, crcTlv]);
    const fixed = Buffer.alloc(16);
    SIGNATURE.copy(fixed, 0);
    fixed[12] = 0x20 | (h.local ? 0x0 : 0x1);
    fixed[13] = (FAMILY[h.family] << 4) | (h.family === 'UNSPEC' ? 0 : h.udp ? 0x2 : 0x1);
    fixed.writeUInt16BE(rest.length, 14);
    const all = Buffer.concat([fixed, rest]);
    if (crcTlv.length > 0) all.writeUInt32BE(referenceCrc32c(all), all.length - 4);
    const family =
      h.family === 'UNSPEC'
        ? 'UNSPEC'
        : h.family === 'UNIX'
          ? h.udp
            ? 'UNIX_DGRAM'
            : 'UNIX'
          : `${h.udp ? 'UDP' : 'TCP'}${h.family === 'INET' ? '4' : '6'}`;
    const expectedTlvs = [
      ...tlvs.map((t) => ({ type: t.type, value: t.value })),
      ...(crcTlv.length > 0 ? [{ type: PP2_TYPE_CRC32C, value: [...all.subarray(all.length - 4)] }] : []),
    ];
    return {
      bytes: all,
      header: {
        version: 2,
        command: h.local ? 'LOCAL' : 'PROXY',
        family,
        // A LOCAL header's addresses are to be ignored.
        source: h.local ? null : source,
        destination: h.local ? null : destination,
        tlvs: expectedTlvs,
        crcVerified: crcTlv.length > 0,
        length: all.length,
      },
    } satisfies ExpectedHeader;
  });

export const validHeader = fc.oneof(v1Header, v2Header);
const payload = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
const mode = fc.constantFrom<Exclude<ProxyMode, 'none'>>('accept', 'require');

/** Cut points for splitting a buffer into chunks as TCP might deliver it. */
const cuts = fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 12 });

function chunk(b: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((p) => p % (b.length + 1)))]
    .filter((p) => p > 0 && p < b.length)
    .sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(b.subarray(from, p));
    from = p;
  }
  out.push(b.subarray(from));
  return out;
}

/** Feeds chunks until the parser stops asking for more; what comes after is appended to `rest`. */
function feed(m: Exclude<ProxyMode, 'none'>, chunks: Buffer[], maxV2Length?: number): ParseStep {
  const p = new ProxyHeaderParser({ mode: m, maxV2Length });
  for (let i = 0; i < chunks.length; i++) {
    const step = p.push(chunks[i]);
    if (step.status === 'done') return { ...step, rest: Buffer.concat([step.rest, ...chunks.slice(i + 1)]) };
    if (step.status === 'error') return step;
  }
  return { status: 'more' };
}

const plain = (h: ProxyHeader | null): unknown =>
  h && { ...h, tlvs: h.tlvs.map((t) => ({ type: t.type, value: [...t.value] })) };
const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
const outcome = (s: ParseStep): unknown =>
  s.status === 'done' ? { s: 'done', h: plain(s.header), rest: [...s.rest] } : s.status === 'error' ? s : { s: 'more' };

/** Inputs near the interesting edges: valid headers with a few bytes changed, truncated, or random bytes. */
export const hostileInput = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc
    .tuple(validHeader, payload, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
    .map(([h, p, edits]) => {
      const b = Buffer.concat([h.bytes, p]);
      for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
      return b;
    }),
  fc.tuple(validHeader, fc.nat()).map(([h, n]) => h.bytes.subarray(0, n % (h.bytes.length + 1))),
);

export interface NamedProperty {
  name: string;
  property: fc.IProperty<unknown>;
}

export const PROPERTIES: NamedProperty[] = [
  {
    name: 'every header the spec allows parses to its fields, in any chunking, with the payload after it intact',
    property: fc.property(validHeader, payload, cuts, mode, (h, p, at, m) => {
      const step = feed(m, chunk(Buffer.concat([h.bytes, p]), at));
      return step.status === 'done' && same(plain(step.header), h.header) && step.rest.equals(p);
    }) as unknown as fc.IProperty<unknown>,
  },
  {
    name: 'any bytes: never throws; done keeps every byte after the header; require never passes without one',
    property: fc.property(hostileInput, mode, (b, m) => {
      const step = feed(m, [b]);
      if (step.status !== 'done') return true;
      if (step.header === null) return m === 'accept' && step.rest.equals(b);
      return step.header.length <= b.length && step.rest.equals(b.subarray(step.header.length));
    }) as unknown as fc.IProperty<unknown>,
  },
  {
    name: 'the outcome does not depend on how the bytes were chunked',
    property: fc.property(hostileInput, cuts, mode, (b, at, m) => {
      const whole = feed(m, [b]);
      const chunked = feed(m, chunk(b, at));
      return same(outcome(whole), outcome(chunked));
    }) as unknown as fc.IProperty<unknown>,
  },
  {
    name: 'a CRC32C-protected v2 header with one bit flipped is never accepted as verified',
    property: fc.property(v2Header, payload, fc.nat(), fc.integer({ min: 0, max: 7 }), (h, p, at, bit) => {
      if (!h.header.crcVerified) return true;
      const b = Buffer.concat([h.bytes, p]);
      b[at % h.bytes.length] ^= 1 << bit;
      const step = feed('accept', [b]);
      return !(step.status === 'done' && step.header?.crcVerified);
    }) as unknown as fc.IProperty<unknown>,
  },
  {
    name: 'a v2 header longer than the bound is refused as v2-too-long before its bytes are buffered',
    property: fc.property(v2Header, fc.integer({ min: 16, max: 2048 }), (h, bound) => {
      const len = h.bytes.readUInt16BE(14);
      const step = feed('accept', [h.bytes.subarray(0, 16)], bound);
      return len > bound
        ? step.status === 'error' && step.reason === 'v2-too-long'
        : step.status !== 'error' || len === 0;
    }) as unknown as fc.IProperty<unknown>,
  },
];
