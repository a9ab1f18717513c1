/**
 * The streaming PROXY parser: spec vectors, arrival in any chunking, and a rejection reason for each malformed
 * header.
 */
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/proxy/crc32c.js';
import { type ParseStep, ProxyHeaderParser } from '../../src/proxy/parser.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SIG = '0d0a0d0a000d0a515549540a';
/** A header HAProxy wrote on the wire (send-proxy-v2): 172.19.0.1:42578 -> 172.19.0.3:80. */
const HAPROXY_V2 = hex(`${SIG} 21 11 000c ac130001 ac130003 a652 0050`);

function parseAll(bytes: Buffer, mode: 'accept' | 'require' = 'require'): ParseStep {
  return new ProxyHeaderParser({ mode }).push(bytes);
}

/** Feeds one byte at a time; every step before the last must ask for more. */
function parseByteByByte(bytes: Buffer): ParseStep {
  const p = new ProxyHeaderParser({ mode: 'require' });
  let step: ParseStep = { status: 'more' };
  for (let i = 0; i < bytes.length; i++) {
    step = p.push(bytes.subarray(i, i + 1));
    if (i < bytes.length - 1) expect(step.status).toBe('more');
  }
  return step;
}

describe('spec vectors', () => {
  it.each([
    ['PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n', 56, 'TCP4'],
    [`PROXY TCP6 ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`, 104, 'TCP6'],
    ['PROXY UNKNOWN\r\n', 15, 'UNKNOWN'],
    [`PROXY UNKNOWN ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`, 107, 'UNKNOWN'],
  ])("v1 %j (%d bytes, the spec's worst cases) parses as %s", (line, length, family) => {
    expect(line.length).toBe(length);
    const step = parseByteByByte(Buffer.from(line, 'latin1'));
    expect(step.status).toBe('done');
    if (step.status !== 'done') return;
    expect(step.header!.family).toBe(family);
    expect(step.header!.length).toBe(length);
  });

  it('a v2 header written by HAProxy parses to its addresses', () => {
    const step = parseByteByByte(HAPROXY_V2);
    expect(step).toMatchObject({
      status: 'done',
      header: {
        version: 2,
        command: 'PROXY',
        family: 'TCP4',
        source: { address: '172.19.0.1', port: 42578 },
        destination: { address: '172.19.0.3', port: 80 },
        length: 28,
      },
    });
  });

  it('keeps payload that arrives in the same chunk as the header', () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n');
    const v1 = parseAll(Buffer.concat([Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), payload]));
    const v2 = parseAll(Buffer.concat([HAPROXY_V2, payload]));
    for (const step of [v1, v2]) {
      expect(step.status).toBe('done');
      if (step.status === 'done') expect(step.rest.equals(payload)).toBe(true);
    }
  });

  it('decodes TLVs and verifies a CRC32C computed over the whole header', () => {
    // authority "a.b", unique-id "xyz", crc32c (filled in below)
    const h = hex(`${SIG} 21 11 001f 01020304 05060708 0001 0002 02 0003 612e62 05 0003 78797a 03 0004 00000000`);
    h.writeUInt32BE(crc32c(h), h.length - 4);
    const step = parseByteByByte(h);
    expect(step.status).toBe('done');
    if (step.status !== 'done') return;
    expect(step.header!.crcVerified).toBe(true);
    expect(step.header!.tlvs.map((t) => [t.type, t.value.toString('latin1')])).toEqual([
      [0x02, 'a.b'],
      [0x05, 'xyz'],
      [0x03, h.subarray(-4).toString('latin1')],
    ]);
  });

  it('reads LOCAL headers (health checks) without addresses', () => {
    const step = parseAll(hex(`${SIG} 20 00 0000`));
    expect(step).toMatchObject({ status: 'done', header: { command: 'LOCAL', family: 'UNSPEC', source: null } });
  });

  it('reads v2 TCP6 and UNIX address blocks', () => {
    const v6 = parseAll(
      hex(`${SIG} 21 21 0024 20010db8000000000000000000000001 00000000000000000000ffff7f000001 1f90 0050`),
    );
    expect(v6).toMatchObject({
      status: 'done',
      header: {
        family: 'TCP6',
        source: { address: '2001:db8::1', port: 8080 },
        destination: { address: '::ffff:7f00:1', port: 80 },
      },
    });
    const unix = Buffer.concat([hex(`${SIG} 21 31 00d8`), Buffer.alloc(216)]);
    unix.write('/tmp/a.sock', 16);
    unix.write('/tmp/b.sock', 16 + 108);
    expect(parseAll(unix)).toMatchObject({
      status: 'done',
      header: { family: 'UNIX', source: { address: '/tmp/a.sock' }, destination: { address: '/tmp/b.sock' } },
    });
  });
});

describe('no header', () => {
  it('accept mode passes a connection without a header through untouched', () => {
    const data = Buffer.from('hello');
    const step = parseAll(data, 'accept');
    expect(step).toMatchObject({ status: 'done', header: null });
    if (step.status === 'done') expect(step.rest.equals(data)).toBe(true);
  });

  it('accept mode waits while the bytes could still become a header', () => {
    expect(new ProxyHeaderParser({ mode: 'accept' }).push(Buffer.from('PRO')).status).toBe('more');
    expect(new ProxyHeaderParser({ mode: 'accept' }).push(hex('0d0a0d')).status).toBe('more');
  });

  it('require mode rejects it', () => {
    expect(parseAll(Buffer.from('hello'), 'require')).toEqual({ status: 'error', reason: 'missing-header' });
  });
});

describe('malformed headers each get their reason', () => {
  it.each([
    ['v1 without CRLF within 107 bytes', Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`), 'v1-too-long'],
    ['v1 unknown protocol', Buffer.from('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'v1-malformed'],
    ['v1 missing a field', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'), 'v1-malformed'],
    ['v1 double space', Buffer.from('PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n'), 'v1-malformed'],
    ['v1 octet over 255', Buffer.from('PROXY TCP4 999.1.1.1 5.6.7.8 1 2\r\n'), 'v1-bad-address'],
    ['v1 IPv6 address under TCP4', Buffer.from('PROXY TCP4 ::1 5.6.7.8 1 2\r\n'), 'v1-bad-address'],
    ['v1 IPv4 address under TCP6', Buffer.from('PROXY TCP6 1.2.3.4 ::1 1 2\r\n'), 'v1-bad-address'],
    ['v1 port over 65535', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'), 'v1-bad-port'],
    ['v1 port with a leading zero', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n'), 'v1-bad-port'],
    ['v2 version 1 in the version nibble', hex(`${SIG} 11 11 000c 01020304 05060708 0001 0002`), 'v2-bad-version'],
    ['v2 command 0x2', hex(`${SIG} 22 11 000c 01020304 05060708 0001 0002`), 'v2-bad-command'],
    ['v2 address family 0x4', hex(`${SIG} 21 41 000c 01020304 05060708 0001 0002`), 'v2-bad-family'],
    ['v2 length past the cap', hex(`${SIG} 21 11 ffff`), 'v2-too-long'],
    ['v2 TCP4 with a short address block', hex(`${SIG} 21 11 0008 01020304 05060708`), 'v2-short-address'],
    ['v2 TLV running past the header', hex(`${SIG} 21 11 0010 01020304 05060708 0001 0002 02 0009 6162`), 'v2-bad-tlv'],
    [
      'v2 CRC32C that does not match',
      hex(`${SIG} 21 11 0013 01020304 05060708 0001 0002 03 0004 deadbeef`),
      'v2-bad-crc',
    ],
    ['v2 CRC32C of the wrong size', hex(`${SIG} 21 11 0011 01020304 05060708 0001 0002 03 0002 dead`), 'v2-bad-tlv'],
  ])('%s -> %s', (_name, bytes, reason) => {
    expect(parseAll(bytes)).toEqual({ status: 'error', reason });
  });

  it('an incomplete v2 header asks for more instead of guessing', () => {
    expect(parseAll(HAPROXY_V2.subarray(0, 20)).status).toBe('more');
  });
});
