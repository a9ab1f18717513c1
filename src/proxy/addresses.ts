/**
 * The addresses a PROXY header claims, per connection: the socket's own (`socket`), one fixed address, a CIDR
 * pool, a UNIX socket path, or `unknown` (v1 UNKNOWN / v2 UNSPEC). Pool assignment is a pure function of
 * (seed, connection id): the same seed gives the same assignment, and no two connections of a run share an
 * address:port, so a backend's view can be checked one to one.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../core/errors.js';
import { compressGroups, ipv6Bytes } from './ip.js';

/** As the user gave it: plain data, JSON-safe (it is recorded in the result and crosses into workers). */
export type AddressSpec =
  | { kind: 'socket' }
  | { kind: 'fixed'; address: string; port: number | null }
  | { kind: 'pool'; cidr: string }
  | { kind: 'unix'; path: string }
  | { kind: 'unknown' };

/** A pool made ready for assignment (compiled once per worker). */
export interface CompiledPool {
  kind: 'pool';
  cidr: string;
  family: 4 | 6;
  base: bigint;
  hostBits: number;
}
export type CompiledAddress = Exclude<AddressSpec, { kind: 'pool' }> | CompiledPool;

export interface Endpoint {
  address: string;
  port: number;
}

/** Lowest port a pool hands out: spoofed clients look like ordinary ephemeral-port clients. */
const POOL_PORT_BASE = 1024;
const POOL_PORTS = 65536 - POOL_PORT_BASE;
/** Prime, coprime with POOL_PORTS (2^10 * 3^2 * 7): stepping by it visits every port before repeating. */
const PORT_STRIDE = 7919;

export function parseAddressSpec(option: string, text: string): AddressSpec {
  const t = text.trim();
  if (t === 'socket') return { kind: 'socket' };
  if (t === 'unknown') return { kind: 'unknown' };
  if (t.startsWith('unix:')) {
    const path = t.slice(5);
    if (!path || Buffer.byteLength(path) > 107)
      throw new UsageError(`${option}: a UNIX path must be 1..107 bytes (got '${path}')`);
    return { kind: 'unix', path };
  }
  if (t.includes('/')) {
    if (!compilePool(t)) throw new UsageError(`${option}: '${t}' is not a CIDR (use e.g. 10.0.0.0/8, 2001:db8::/64)`);
    return { kind: 'pool', cidr: t };
  }
  let address: string | undefined;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(t);
  const v4 = /^([\d.]+)(?::(\d{1,5}))?$/.exec(t);
  if (bracketed) [, address, portText] = bracketed;
  else if (isIPv6(t))
    address = t; // a bare IPv6 address has colons of its own: a port needs [v6]:port
  else if (v4) [, address, portText] = v4;
  if (address !== undefined && (isIPv4(address) || isIPv6(address))) {
    const port = portText === undefined ? null : Number(portText);
    if (port !== null && port > 65535)
      throw new UsageError(`${option}: port ${port} is out of range (allowed: 0..65535)`);
    return { kind: 'fixed', address, port };
  }
  throw new UsageError(
    `${option}: '${t}' is not allowed (use socket, an IP[:port], [v6]:port, a CIDR, unix:/path or unknown)`,
  );
}

/** Parses `10.0.0.0/8` or `2001:db8::/64`; null when it is not a CIDR. */
export function compilePool(cidr: string): CompiledPool | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return null;
  const family = isIPv4(m[1]) ? 4 : isIPv6(m[1]) ? 6 : 0;
  const width = family === 4 ? 32 : 128;
  const prefix = Number(m[2]);
  if (!family || prefix > width) return null;
  const hostBits = width - prefix;
  const hostMask = (1n << BigInt(hostBits)) - 1n;
  const base = addressToBigInt(m[1], family) & ~hostMask & ((1n << BigInt(width)) - 1n);
  return { kind: 'pool', cidr, family, base, hostBits };
}

export function compileAddress(spec: AddressSpec): CompiledAddress {
  return spec.kind === 'pool' ? compilePool(spec.cidr)! : spec;
}

/** The endpoint a connection claims. `actual` is the socket's own endpoint on that side. */
export function assignEndpoint(spec: CompiledAddress, seed: number, connId: number, actual: Endpoint): Endpoint {
  switch (spec.kind) {
    case 'socket':
      return actual;
    case 'fixed':
      return { address: spec.address, port: spec.port ?? actual.port };
    case 'pool':
      return poolEndpoint(spec, seed, connId);
    default:
      throw new Error(`assignEndpoint: ${spec.kind} has no IP endpoint`);
  }
}

/**
 * Connection k takes host slot k mod size and round k div size. The host is perm(slot), an affine map with an
 * odd multiplier (a bijection on a power-of-two range; the seed picks multiplier and offset); the port steps with
 * the round, so one host's ports never repeat while round < 64,512. Distinct connections, distinct address:port.
 */
function poolEndpoint(spec: CompiledPool, seed: number, connId: number): Endpoint {
  if (spec.family === 4) return poolEndpointV4(spec, seed, connId);
  const size = 1n << BigInt(spec.hostBits);
  const k = BigInt(connId);
  const slot = k % size;
  const round = Number(k / size);
  const mult = (BigInt(mix(seed, 1)) << 1n) | 1n;
  const offset = (BigInt(mix(seed, 2)) << 32n) | BigInt(mix(seed, 3));
  const host = (slot * mult + offset) & (size - 1n);
  const port = POOL_PORT_BASE + ((round * PORT_STRIDE + mix(seed, Number(slot & 0xffffffffn))) % POOL_PORTS);
  return { address: bigIntToAddress(spec.base + host, spec.family), port };
}

/** The same map in 32-bit integer arithmetic: IPv4 pools are the common case, and BigInt costs ~3x per header. */
function poolEndpointV4(spec: CompiledPool, seed: number, connId: number): Endpoint {
  const size = 2 ** spec.hostBits;
  const slot = connId % size;
  const round = Math.floor(connId / size);
  const mult = (mix(seed, 1) | 1) >>> 0;
  const offset = mix(seed, 2);
  // (slot * mult + offset) mod 2^32 keeps the map a bijection on every power-of-two range below it.
  const host = ((Math.imul(slot, mult) + offset) >>> 0) % size;
  const a = (Number(spec.base) + host) >>> 0;
  const port = POOL_PORT_BASE + ((round * PORT_STRIDE + mix(seed, slot)) % POOL_PORTS);
  return { address: `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`, port };
}

/** How many connections a pool can serve with distinct address:port pairs. */
export function poolCapacity(spec: CompiledPool): number {
  const size = 2 ** Math.min(spec.hostBits, 40);
  return Math.min(Number.MAX_SAFE_INTEGER, size * POOL_PORTS);
}

/** A 32-bit integer hash of (a, b) (murmur3 finalizer). */
function mix(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addressToBigInt(address: string, family: 4 | 6): bigint {
  const bytes = family === 4 ? address.split('.').map(Number) : ipv6Bytes(address);
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function bigIntToAddress(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return compressGroups(groups);
}
