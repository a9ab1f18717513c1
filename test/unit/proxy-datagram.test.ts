/**
 * PROXY v2 (DGRAM) and SPP headers on datagrams: bytes written by hand from the specs (HAProxy's proxy-protocol.txt
 * section 2.2, Cloudflare's Simple Proxy Protocol page), the stream parser as a second reader of v2, and each
 * malformed header named by its reason, never thrown.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import {
  buildDatagramHeader,
  type DatagramHeaderSpec,
  validateDatagramHeader,
} from '../../src/proxy/datagram-header.js';
import {
  DatagramHeaderView,
  endpointText,
  findTlv,
  parseDatagramHeader,
  sourceKey4,
  sourceKey4Text,
} from '../../src/proxy/datagram-parser.js';
import { ProxyHeaderParser } from '../../src/proxy/parser.js';
import { parseTlvOption } from '../../src/proxy/tlv.js';
import { collectionsDuring } from '../helpers/gc-count.js';

const SIG = '0d0a0d0a000d0a515549540a';
const spec = (over: Partial<DatagramHeaderSpec>): DatagramHeaderSpec => {
  const s: DatagramHeaderSpec = {
    kind: 'v2',
    command: 'proxy',
    source: { address: '192.0.2.1', port: 5353 },
    destination: { address: '198.51.100.7', port: 53 },
    tlvs: [],
    seed: 1,
    flowId: 0,
    ...over,
  };
  validateDatagramHeader(s);
  return s;
};
const parse = (d: Buffer, policy: 'accept' | 'require' = 'require') => {
  const view = new DatagramHeaderView();
  return { error: parseDatagramHeader(d, d.length, policy, view), view };
};

describe('datagram headers: the bytes', () => {
  it('v2 UDP over IPv4 is the signature, 0x21, 0x12, length 12, addresses then ports', () => {
    const h = buildDatagramHeader(spec({}));
    expect(h.toString('hex')).toBe(`${SIG}2112000cc0000201c633640714e90035`);
  });

  it('v2 UDP over IPv6 is family byte 0x22 and 36 address bytes; a v4 beside a v6 is mapped', () => {
    const h = buildDatagramHeader(spec({ source: { address: '2001:db8::1', port: 1 } }));
    expect(h.subarray(12, 16).toString('hex')).toBe('21220024');
    expect(h.subarray(32, 48).toString('hex')).toBe('00000000000000000000ffffc6336407');
  });

  it('SPP is 38 bytes: 0x56EC, client and proxy as IPv6 (v4 mapped), client port, proxy port', () => {
    const h = buildDatagramHeader(spec({ kind: 'spp' }));
    expect(h.toString('hex')).toBe(`56ec${'00'.repeat(10)}ffffc0000201${'00'.repeat(10)}ffffc633640714e90035`);
  });

  it('the stream parser, a second reader of v2, reads the same header as UDP4/UDP6 with its CRC', () => {
    for (const address of ['192.0.2.1', '2001:db8::1']) {
      const tlvs = [parseTlvOption('crc32c'), parseTlvOption('unique-id=auto'), parseTlvOption('0xe1=hi')];
      const h = buildDatagramHeader(spec({ source: { address, port: 7 }, tlvs, flowId: 9 }));
      const step = new ProxyHeaderParser({ mode: 'require' }).push(Buffer.concat([h, Buffer.from('x')]));
      if (step.status !== 'done') throw new Error(JSON.stringify(step));
      expect(step.header?.family).toBe(address.includes(':') ? 'UDP6' : 'UDP4');
      expect(step.header?.crcVerified).toBe(true);
      expect(step.header?.length).toBe(h.length);
      const { error, view } = parse(Buffer.concat([h, Buffer.from('x')]));
      expect(error).toBeNull();
      expect(view.crcVerified).toBe(true);
      expect(findTlv(h, view, 0xe1)).toBe(h.length - 2);
    }
  });

  it('refuses what a header cannot carry', () => {
    expect(() => spec({ kind: 'spp', tlvs: [parseTlvOption('crc32c')] })).toThrow(UsageError);
    expect(() => spec({ kind: 'spp', command: 'local' })).toThrow(UsageError);
    expect(() => spec({ source: { address: 'host.example', port: 1 } })).toThrow(UsageError);
    expect(() => spec({ source: { address: '192.0.2.1', port: 70000 } })).toThrow(UsageError);
  });
});

describe('datagram headers: parsing', () => {
  it('reads v2 and SPP into offsets of the datagram, the payload after them', () => {
    for (const kind of ['v2', 'spp'] as const) {
      const d = Buffer.concat([buildDatagramHeader(spec({ kind })), Buffer.from('payload')]);
      const { error, view } = parse(d);
      expect(error).toBeNull();
      expect(view.kind).toBe(kind);
      expect(d.toString('latin1', view.headerLength)).toBe('payload');
      expect(endpointText(d, view, 'source')).toBe('192.0.2.1:5353');
      expect(endpointText(d, view, 'destination')).toBe('198.51.100.7:53');
      expect(sourceKey4(d, view)).toBe(0xc0000201 * 65536 + 5353);
    }
    const d6 = buildDatagramHeader(spec({ kind: 'spp', source: { address: '2001:db8::1', port: 9 } }));
    const { view } = parse(d6);
    expect([view.family, endpointText(d6, view, 'source'), sourceKey4(d6, view)]).toEqual([6, '[2001:db8::1]:9', -1]);
  });

  it('an IPv4-mapped address in a v2 UDP6 header reads as its IPv4 address, as the generator names it', () => {
    const d = buildDatagramHeader(spec({ destination: { address: '2001:db8::7', port: 53 } }));
    const { error, view } = parse(d);
    expect([error, view.family, d[13]]).toEqual([null, 6, 0x22]);
    expect(endpointText(d, view, 'source')).toBe('192.0.2.1:5353');
    expect(endpointText(d, view, 'destination')).toBe('[2001:db8::7]:53');
    expect(sourceKey4(d, view)).toBe(0xc0000201 * 65536 + 5353);
    expect(sourceKey4Text(sourceKey4(d, view))).toBe('192.0.2.1:5353');
  });

  it('LOCAL carries no addresses; its payload is the proxy`s own', () => {
    const d = buildDatagramHeader(spec({ command: 'local' }));
    const { error, view } = parse(d);
    expect([error, view.kind, view.proxied, view.family, view.headerLength]).toEqual([null, 'v2', false, 0, 16]);
  });

  it('under accept, a datagram without a header is all payload; under require it is refused', () => {
    const d = Buffer.from('hello');
    expect(parse(d, 'accept')).toMatchObject({ error: null, view: { kind: 'none', headerLength: 0 } });
    expect(parse(d, 'require').error).toBe('missing-header');
    expect(parse(Buffer.alloc(0), 'require').error).toBe('missing-header');
  });

  it('names each malformed header', () => {
    const good = buildDatagramHeader(spec({ tlvs: [parseTlvOption('crc32c')] }));
    const bad = (edit: (b: Buffer) => void, length?: number): string | null => {
      const b = Buffer.from(good);
      edit(b);
      return parse(length === undefined ? b : b.subarray(0, length)).error;
    };
    expect(bad(() => {}, 10)).toBe('v2-truncated');
    expect(bad(() => {}, good.length - 1)).toBe('v2-truncated');
    expect(bad((b) => (b[12] = 0x11))).toBe('v2-bad-version');
    expect(bad((b) => (b[12] = 0x22))).toBe('v2-bad-command');
    expect(bad((b) => (b[13] = 0x11))).toBe('v2-not-dgram');
    expect(bad((b) => (b[13] = 0x42))).toBe('v2-bad-family');
    expect(bad((b) => b.writeUInt16BE(4000, 14))).toBe('v2-too-long');
    expect(bad((b) => (b[good.length - 1] ^= 1))).toBe('v2-bad-crc');
    expect(bad((b) => b.writeUInt16BE(9, good.length - 6))).toBe('v2-bad-tlv');
    const short = Buffer.concat([Buffer.from(SIG, 'hex'), Buffer.from([0x21, 0x12, 0, 4, 1, 2, 3, 4])]);
    expect(parse(short).error).toBe('v2-short-address');
    const spp = buildDatagramHeader(spec({ kind: 'spp' }));
    expect(parse(spp.subarray(0, 37)).error).toBe('spp-truncated');
  });

  it('allocates nothing per datagram: v2 with TLVs and CRC, SPP, refusals', async () => {
    const tlvs = [parseTlvOption('unique-id=auto'), parseTlvOption('crc32c')];
    const datagrams = [spec({ tlvs }), spec({ kind: 'spp' })].map((s) =>
      Buffer.concat([buildDatagramHeader(s), Buffer.alloc(64)]),
    );
    datagrams.push(Buffer.from('no header at all'));
    const view = new DatagramHeaderView();
    let refused = 0;
    const collections = await collectionsDuring(1_000_000, (i) => {
      const d = datagrams[i % 3];
      if (parseDatagramHeader(d, d.length, 'require', view) !== null) refused++;
    });
    expect(collections).toBeLessThanOrEqual(1); // 16 B a call would be 32 MB: several
    expect(refused).toBe(2 * 666_666); // every third call of two rounds of two million (warm-up and measured)
  });
});
