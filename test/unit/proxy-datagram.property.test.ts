/**
 * Properties (fast-check) of the datagram headers: any header built parses back to what it claimed with the payload
 * untouched after it; v2's agrees with the stream parser; any bytes at all are read without a throw and with offsets
 * inside the datagram; a CRC-protected header with a byte changed is never read as the same verified header.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDatagramHeader, type DatagramHeaderSpec } from '../../src/proxy/datagram-header.js';
import { DatagramHeaderView, endpointText, parseDatagramHeader } from '../../src/proxy/datagram-parser.js';
import { endpointKey } from '../../src/proxy/header.js';
import { ProxyHeaderParser } from '../../src/proxy/parser.js';
import { parseTlvOption } from '../../src/proxy/tlv.js';

const port = fc.integer({ min: 0, max: 65535 });
const endpoint = fc.record({ address: fc.oneof(fc.ipV4(), fc.ipV6()), port });
const tlvs = fc.subarray(['crc32c', 'unique-id=auto', 'noop=5', '0xe7=hex:00ff', 'authority=example.com']);
const headerSpec: fc.Arbitrary<DatagramHeaderSpec> = fc
  .record({
    kind: fc.constantFrom('v2' as const, 'spp' as const),
    command: fc.constantFrom('proxy' as const, 'proxy' as const, 'local' as const),
    source: endpoint,
    destination: endpoint,
    tlvs: tlvs.map((t) => t.map(parseTlvOption)),
    seed: fc.nat(),
    flowId: fc.nat(),
  })
  .map((s) => (s.kind === 'spp' ? { ...s, command: 'proxy' as const, tlvs: [] } : s));
const payload = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));

describe('datagram header properties', () => {
  it('build then parse gives back the claim and the payload', () => {
    fc.assert(
      fc.property(headerSpec, payload, (spec, body) => {
        const h = buildDatagramHeader(spec);
        const d = Buffer.concat([h, body]);
        const view = new DatagramHeaderView();
        expect(parseDatagramHeader(d, d.length, 'require', view)).toBeNull();
        expect(view.kind).toBe(spec.kind);
        expect(view.headerLength).toBe(h.length);
        expect(d.subarray(view.headerLength).equals(body)).toBe(true);
        expect(view.crcVerified).toBe(spec.tlvs.some((t) => t.kind === 'crc32c'));
        expect(view.proxied).toBe(spec.command === 'proxy');
        if (spec.command === 'local') return;
        // The generator's form (endpointKey) exactly: IPv4 dotted (mapped ones too), IPv6 per RFC 5952.
        expect(endpointText(d, view, 'source')).toBe(endpointKey(spec.source));
        expect(endpointText(d, view, 'destination')).toBe(endpointKey(spec.destination));
        expect(view.sourcePort).toBe(spec.source.port);
        expect(view.destinationPort).toBe(spec.destination.port);
      }),
      { numRuns: 400 },
    );
  });

  it('v2 agrees with the stream parser on length, addresses and CRC', () => {
    fc.assert(
      fc.property(headerSpec, payload, (spec, body) => {
        // The stream parser reads UNSPEC's (LOCAL's) variable part as opaque; this one reads TLVs there too.
        if (spec.kind !== 'v2' || spec.command === 'local') return;
        const d = Buffer.concat([buildDatagramHeader(spec), body]);
        const view = new DatagramHeaderView();
        parseDatagramHeader(d, d.length, 'require', view);
        const step = new ProxyHeaderParser({ mode: 'require' }).push(d);
        if (step.status !== 'done' || step.header === null) throw new Error(JSON.stringify(step));
        expect(step.header.length).toBe(view.headerLength);
        expect(step.header.crcVerified).toBe(view.crcVerified);
        expect(step.header.source?.port ?? null).toBe(view.proxied ? view.sourcePort : null);
      }),
      { numRuns: 300 },
    );
  });

  it('any bytes: no throw, offsets inside the datagram', () => {
    const prefixed = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.uint8Array({ maxLength: 120 }).map((a) => Uint8Array.from([0x56, 0xec, ...a])),
      fc
        .uint8Array({ maxLength: 120 })
        .map((a) => Uint8Array.from([13, 10, 13, 10, 0, 13, 10, 81, 85, 73, 84, 10, ...a])),
    );
    fc.assert(
      fc.property(prefixed, fc.constantFrom('accept' as const, 'require' as const), (d, policy) => {
        const view = new DatagramHeaderView();
        const error = parseDatagramHeader(d, d.length, policy, view);
        if (error !== null) return;
        expect(view.headerLength).toBeLessThanOrEqual(d.length);
        if (view.sourceAt >= 0)
          expect(view.sourceAt + (view.family === 6 ? 16 : 4)).toBeLessThanOrEqual(view.headerLength);
        expect(view.tlvEnd).toBeLessThanOrEqual(view.headerLength);
      }),
      { numRuns: 1000 },
    );
  });

  it('a CRC-protected v2 header with one byte changed is never read as the same verified header', () => {
    fc.assert(
      fc.property(headerSpec, fc.nat(), fc.integer({ min: 1, max: 255 }), (spec, at, xor) => {
        const h = buildDatagramHeader({ ...spec, kind: 'v2', tlvs: [parseTlvOption('crc32c')] });
        const d = Buffer.from(h);
        d[at % d.length] ^= xor;
        const view = new DatagramHeaderView();
        const error = parseDatagramHeader(d, d.length, 'require', view);
        expect(error === null && view.crcVerified && view.headerLength === h.length).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
