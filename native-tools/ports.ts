/** Port helpers for the tool servers: a free port, and whether they listen (TCP) or are bound (UDP) yet. */

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Listening on `port`, by the kernel's table: probing by connecting would count as a test connection. */
export async function isListening(port: number): Promise<boolean> {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const f = line.trim().split(/\s+/);
        if (f[1]?.endsWith(hexPort) && f[3] === '0A') return true;
      }
    } catch {
      /* no such table */
    }
  }
  return false;
}

/** A free UDP port on 127.0.0.1 (bound, read, released). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A UDP socket is bound to `port`, by the kernel's table: a probe datagram would count as traffic. */
export function isUdpBound(port: number): Promise<boolean> {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n'))
        if (line.trim().split(/\s+/)[1]?.endsWith(hexPort)) return Promise.resolve(true);
    } catch {
      /* no such table */
    }
  }
  return Promise.resolve(false);
}
