/** `--source-ips`: a range (`127.0.0.1-127.0.0.16`), a list (`10.0.0.1,10.0.0.2`) or a CIDR (`127.0.1.0/28`). */
import { isIP } from 'node:net';
import { UsageError } from '../core/errors.js';

const MAX_ADDRESSES = 4096;

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export function parseSourceIps(text: string): string[] {
  const option = '--source-ips';
  const t = text.trim();
  let out: string[];
  const range = /^([\d.]+)-([\d.]+)$/.exec(t);
  const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(t);
  if (range) {
    if (isIP(range[1]) !== 4 || isIP(range[2]) !== 4)
      throw new UsageError(`${option}: '${t}' is not an IPv4 range (e.g. 127.0.0.1-127.0.0.16)`);
    const [a, b] = [toInt(range[1]), toInt(range[2])];
    if (b < a) throw new UsageError(`${option}: '${t}' ends before it starts`);
    if (b - a + 1 > MAX_ADDRESSES)
      throw new UsageError(`${option}: '${t}' has ${b - a + 1} addresses; at most ${MAX_ADDRESSES}`);
    out = Array.from({ length: b - a + 1 }, (_, i) => toIp(a + i));
  } else if (cidr) {
    const bits = Number(cidr[2]);
    if (isIP(cidr[1]) !== 4 || bits > 32) throw new UsageError(`${option}: '${t}' is not an IPv4 CIDR`);
    const count = 2 ** (32 - bits);
    if (count > MAX_ADDRESSES)
      throw new UsageError(`${option}: '${t}' has ${count} addresses; at most ${MAX_ADDRESSES}`);
    const base = toInt(cidr[1]) - (toInt(cidr[1]) % count);
    out = Array.from({ length: count }, (_, i) => toIp(base + i));
  } else {
    out = t
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = out.find((ip) => isIP(ip) === 0);
    if (bad !== undefined || out.length === 0)
      throw new UsageError(`${option}: '${bad ?? t}' is not an IP address (use a range, a list or a CIDR)`);
  }
  return out;
}
