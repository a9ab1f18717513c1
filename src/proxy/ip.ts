/** Small IP address helpers shared by the header builder and the address pools. */
import { isIPv4, isIPv6 } from 'node:net';

/** Strips the IPv4-mapped prefix a dual-stack socket may report (`::ffff:127.0.0.1`). */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** Expands an IPv6 address (any valid text form, embedded IPv4 included) into its 16 bytes. */
export function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parse = (part: string): number[] => {
    if (!part) return [];
    const groups: number[] = [];
    for (const g of part.split(':')) {
      if (isIPv4(g)) {
        const b = g.split('.').map(Number);
        groups.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
      } else groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

/**
 * One text per address, so the generator's and a backend's views compare as strings: IPv4 as dotted quad (an
 * IPv4-mapped IPv6 address counts as its IPv4 address), IPv6 in RFC 5952 form.
 */
export function canonicalAddress(address: string): string {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const bytes = ipv6Bytes(address);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return compressGroups(groups);
}

/** RFC 5952: the longest run of two or more zero groups becomes '::'. */
export function compressGroups(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}
