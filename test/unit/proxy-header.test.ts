/**
 * The header builder against two independent checks: proxy-protocol-js's encoder (byte for byte, where it
 * supports the header) and our streaming parser (round trip, TLVs and CRC included). Plus address pools and TLV
 * option validation.
 */
import pp from 'proxy-protocol-js';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { assignEndpoint, compileAddress, parseAddressSpec } from '../../src/proxy/addresses.js';
import {
  endpointKey,
  NO_PROXY,
  type ProxyHeaderPlan,
  ProxyHeaderWriter,
  validateProxyPlan,
} from '../../src/proxy/header.js';
import { canonicalAddress } from '../../src/proxy/ip.js';
import { ProxyHeaderParser } from '../../src/proxy/parser.js';
import { parseTlvOption } from '../../src/proxy/tlv.js';

const local = { address: '127.0.0.1', port: 40000 };
const remote = { address: '127.0.0.1', port: 8080 };
const payload = Buffer.from('ping');

function plan(over: Partial<ProxyHeaderPlan>): ProxyHeaderPlan {
  const p = { ...NO_PROXY, version: 'v2' as const, ...over };
  validateProxyPlan(p);
  return p;
}

function roundTrip(p: ProxyHeaderPlan, connId = 0, seed = 1) {
  const built = new ProxyHeaderWriter(p, seed).build(connId, local, remote, payload);
  const step = new ProxyHeaderParser({ mode: 'require' }).push(built.bytes);
  if (step.status !== 'done') throw new Error(`did not parse: ${JSON.stringify(step)}`);
  expect(step.rest.equals(payload)).toBe(true);
  expect(step.header!.length).toBe(built.headerLength);
  return { built, header: step.header! };
}

describe('header bytes match proxy-protocol-js', () => {
  it('v2 TCP4', () => {
    const ours = new ProxyHeaderWriter(plan({}), 0).build(0, local, remote, Buffer.alloc(0)).bytes;
    const theirs = new pp.V2ProxyProtocol(
      pp.Command.PROXY,
      pp.TransportProtocol.STREAM,
      new pp.IPv4ProxyAddress(
        pp.IPv4Address.createFrom([127, 0, 0, 1]),
        40000,
        pp.IPv4Address.createFrom([127, 0, 0, 1]),
        8080,
      ),
    ).build();
    expect(ours.equals(Buffer.from(theirs))).toBe(true);
  });

  it('v2 TCP6', () => {
    const p = plan({
      src: parseAddressSpec('--proxy-src', '[2001:db8::7]:1234'),
      dst: parseAddressSpec('--proxy-dst', '[::1]:80'),
    });
    const ours = new ProxyHeaderWriter(p, 0).build(0, local, remote, Buffer.alloc(0)).bytes;
    const a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];
    const b = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const theirs = new pp.V2ProxyProtocol(
      pp.Command.PROXY,
      pp.TransportProtocol.STREAM,
      new pp.IPv6ProxyAddress(pp.IPv6Address.createFrom(a), 1234, pp.IPv6Address.createFrom(b), 80),
    ).build();
    expect(ours.equals(Buffer.from(theirs))).toBe(true);
  });

  it('v1 TCP4 and the parse of proxy-protocol-js agrees', () => {
    const ours = new ProxyHeaderWriter(plan({ version: 'v1' }), 0)
      .build(0, local, remote, Buffer.alloc(0))
      .bytes.toString('latin1');
    expect(ours).toBe(
      new pp.V1ProxyProtocol(
        pp.INETProtocol.TCP4,
        new pp.Peer('127.0.0.1', 40000),
        new pp.Peer('127.0.0.1', 8080),
      ).build(),
    );
    expect(pp.V1ProxyProtocol.parse(ours).source.port).toBe(40000);
  });
});

describe('what the builder can say', () => {
  it('v1 TCP6 from an IPv6 pool, v1 UNKNOWN', () => {
    const v6 = roundTrip(plan({ version: 'v1', src: parseAddressSpec('s', '2001:db8::/64') }));
    expect(v6.header.family).toBe('TCP6');
    expect(v6.header.destination).toEqual({ address: '::ffff:127.0.0.1', port: 8080 });
    expect(
      roundTrip(plan({ version: 'v1', src: { kind: 'unknown' }, dst: { kind: 'unknown' } })).built.bytes.toString(
        'latin1',
        0,
        15,
      ),
    ).toBe('PROXY UNKNOWN\r\n');
  });

  it('v2 LOCAL, UNSPEC and UNIX', () => {
    expect(roundTrip(plan({ command: 'local' })).header).toMatchObject({
      command: 'LOCAL',
      family: 'UNSPEC',
      source: null,
    });
    expect(roundTrip(plan({ src: { kind: 'unknown' }, dst: { kind: 'unknown' } })).header).toMatchObject({
      command: 'PROXY',
      family: 'UNSPEC',
    });
    const unix = roundTrip(
      plan({ src: { kind: 'unix', path: '/run/client.sock' }, dst: { kind: 'unix', path: '/run/lb.sock' } }),
    );
    expect(unix.header).toMatchObject({
      family: 'UNIX',
      source: { address: '/run/client.sock' },
      destination: { address: '/run/lb.sock' },
    });
    expect(unix.built.claimedSource).toBeNull();
  });

  it('v2 with every TLV kind: lengths counted, CRC32C verified, unique-id distinct per connection', () => {
    const tlvs = [
      'authority=api.example.com',
      'alpn=h2',
      'unique-id=auto',
      'noop=5',
      '0xEA=vpce-0123456789',
      '0xE1=hex:00ff',
      'ssl=TLSv1.3,cn=client',
      'netns=blue',
      'crc32c',
    ].map(parseTlvOption);
    const p = plan({ tlvs });
    const a = roundTrip(p, 1);
    const b = roundTrip(p, 2);
    expect(a.header.crcVerified).toBe(true);
    const byType = new Map(a.header.tlvs.map((t) => [t.type, t.value]));
    expect(byType.get(0x02)!.toString()).toBe('api.example.com');
    expect(byType.get(0x01)!.toString()).toBe('h2');
    expect(byType.get(0x04)!.length).toBe(5);
    expect(byType.get(0xea)!.toString()).toBe('vpce-0123456789');
    expect(byType.get(0xe1)!.toString('hex')).toBe('00ff');
    expect(byType.get(0x30)!.toString()).toBe('blue');
    expect(byType.get(0x20)![0]).toBe(0x01);
    const uid = (h: typeof a.header): string => h.tlvs.find((t) => t.type === 0x05)!.value.toString();
    expect(uid(a.header)).not.toBe(uid(b.header));
    expect(a.built.headerLength).toBe(b.built.headerLength);
    // Flipping any bit of the header breaks the checksum.
    const corrupt = Buffer.from(a.built.bytes);
    corrupt[20] ^= 0x01;
    expect(new ProxyHeaderParser({ mode: 'require' }).push(corrupt)).toEqual({ status: 'error', reason: 'v2-bad-crc' });
  });

  it('the claimed source is what the backend will report', () => {
    const { built, header } = roundTrip(plan({ src: parseAddressSpec('s', '10.0.0.0/8') }), 5);
    expect(built.claimedSource).toBe(endpointKey(header.source!));
  });
});

describe('address pools', () => {
  it('give distinct address:port pairs, deterministic from the seed', () => {
    for (const cidr of ['10.0.0.0/8', '192.0.2.0/30', '198.51.100.7/32', '2001:db8::/64', '2001:db8::/126']) {
      const pool = compileAddress(parseAddressSpec('--proxy-src', cidr));
      const keys = Array.from({ length: 5000 }, (_, id) => endpointKey(assignEndpoint(pool, 42, id, local)));
      expect(new Set(keys).size, cidr).toBe(5000);
      const again = Array.from({ length: 50 }, (_, id) => endpointKey(assignEndpoint(pool, 42, id, local)));
      expect(again).toEqual(keys.slice(0, 50));
      const otherSeed = Array.from({ length: 50 }, (_, id) => endpointKey(assignEndpoint(pool, 43, id, local)));
      if (!cidr.endsWith('/32')) expect(otherSeed).not.toEqual(keys.slice(0, 50));
    }
  });

  it('stay inside the CIDR', () => {
    const pool = compileAddress(parseAddressSpec('--proxy-src', '192.0.2.0/30'));
    const addresses = new Set(Array.from({ length: 100 }, (_, id) => assignEndpoint(pool, 1, id, local).address));
    expect([...addresses].sort()).toEqual(['192.0.2.0', '192.0.2.1', '192.0.2.2', '192.0.2.3']);
    const v6 = compileAddress(parseAddressSpec('--proxy-src', '2001:db8:1:2::/64'));
    expect(assignEndpoint(v6, 1, 0, local).address).toMatch(/^2001:db8:1:2:/);
  });

  it('fixed addresses keep the socket port unless one is given', () => {
    expect(assignEndpoint(compileAddress(parseAddressSpec('s', '203.0.113.9')), 0, 0, local)).toEqual({
      address: '203.0.113.9',
      port: 40000,
    });
    expect(assignEndpoint(compileAddress(parseAddressSpec('s', '203.0.113.9:555')), 0, 0, local)).toEqual({
      address: '203.0.113.9',
      port: 555,
    });
    expect(assignEndpoint(compileAddress(parseAddressSpec('s', '[2001:db8::1]:7')), 0, 0, local)).toEqual({
      address: '2001:db8::1',
      port: 7,
    });
  });

  it('canonical text maps IPv4-mapped IPv6 to IPv4 and compresses IPv6', () => {
    expect(canonicalAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(canonicalAddress('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
  });
});

describe('option validation', () => {
  it.each([
    ['--proxy-src', '300.1.1.1'],
    ['--proxy-src', '10.0.0.0/33'],
    ['--proxy-src', 'somewhere'],
    ['--proxy-src', '1.2.3.4:70000'],
  ])('%s %s is rejected', (opt, text) => {
    expect(() => parseAddressSpec(opt, text)).toThrow(UsageError);
  });

  it.each([
    [`unique-id=${'x'.repeat(129)}`, /at most 128/],
    ['0xD0=x', /not in the custom range 0xE0..0xEF/],
    ['0xE0=hex:abc', /even number of hex digits/],
    ['crc32c=5', /takes no value/],
    ['color=blue', /is not a TLV/],
    ['authority', /needs a value/],
  ])('--proxy-tlv %s is rejected', (text, message) => {
    expect(() => parseTlvOption(text)).toThrow(message);
  });

  it('rejects combinations the protocol cannot express', () => {
    const bad: [Partial<ProxyHeaderPlan>, RegExp][] = [
      [{ version: 'v1', command: 'local' }, /only in v2/],
      [{ version: 'v1', tlvs: [parseTlvOption('alpn=h2')] }, /TLVs exist only in v2/],
      [{ version: 'none', src: parseAddressSpec('s', '10.0.0.0/8') }, /need --proxy v1 or v2/],
      [{ src: { kind: 'unix', path: '/a' } }, /UNIX address on one side/],
      [{ tlvs: [parseTlvOption('crc32c'), parseTlvOption('crc32c')] }, /more than once/],
      [{ tlvs: [parseTlvOption('noop=65000'), parseTlvOption('noop=1000')] }, /length field allows 65,535/],
    ];
    for (const [over, message] of bad) expect(() => plan(over)).toThrow(message);
  });
});
