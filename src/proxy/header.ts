/**
 * Builds the PROXY header a generated connection sends first. Built once per connection (after connect, when
 * the socket's own address is known), never per message. The address block comes from proxy-protocol-js;
 * it is correct for plain v1/v2 headers, which is all the core needs.
 */
import { isIPv4, isIPv6 } from 'node:net';
import pp from 'proxy-protocol-js';

export type ProxyVersion = 'none' | 'v1' | 'v2';

export interface Endpoint {
  address: string;
  port: number;
}

/** Strips the IPv4-mapped prefix a dual-stack socket may report (`::ffff:127.0.0.1`). */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** Expands an IPv6 address into its 16 bytes. */
export function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parse = (part: string): number[] => {
    if (!part) return [];
    const groups: number[] = [];
    for (const g of part.split(':')) {
      if (isIPv4(g)) {
        const b = ipv4Bytes(g);
        groups.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
      } else groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

/**
 * The header for one connection from `src` to `dst`. Mixed families (v4 source, v6 destination) are mapped so
 * both sides share one family, as the spec requires: a v4 address becomes `::ffff:a.b.c.d`.
 */
export function buildProxyHeader(version: ProxyVersion, src: Endpoint, dst: Endpoint): Buffer {
  if (version === 'none') return Buffer.alloc(0);
  let s = plainAddress(src.address);
  let d = plainAddress(dst.address);
  const v6 = isIPv6(s) || isIPv6(d);
  if (v6) {
    if (isIPv4(s)) s = `::ffff:${s}`;
    if (isIPv4(d)) d = `::ffff:${d}`;
  }
  if (version === 'v1') {
    const proto = v6 ? pp.INETProtocol.TCP6 : pp.INETProtocol.TCP4;
    return Buffer.from(new pp.V1ProxyProtocol(proto, new pp.Peer(s, src.port), new pp.Peer(d, dst.port)).build(), 'latin1');
  }
  const address = v6
    ? new pp.IPv6ProxyAddress(pp.IPv6Address.createFrom(ipv6Bytes(s)), src.port, pp.IPv6Address.createFrom(ipv6Bytes(d)), dst.port)
    : new pp.IPv4ProxyAddress(pp.IPv4Address.createFrom(ipv4Bytes(s)), src.port, pp.IPv4Address.createFrom(ipv4Bytes(d)), dst.port);
  const bytes = new pp.V2ProxyProtocol(pp.Command.PROXY, pp.TransportProtocol.STREAM, address).build();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
