/**
 * Each UDP socket's own drop count (instruments/udp-sockets.ts): /proc/net/udp and udp6 rows read by their header's
 * column names, the drops between two readings, every socket's and ours apart (ours asked only when some dropped),
 * and this process's own sockets found by their inodes in /proc/self/fd.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseUdpSocketTable,
  readUdpSocketTable,
  socketInodes,
  udpSocketDrops,
} from '../../src/instruments/udp-sockets.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/proc-net/${name}`, import.meta.url), 'utf8');
const UDP = fixture('udp.txt');
const UDP6 = fixture('udp6.txt');

describe('the UDP socket tables', () => {
  it('reads inode and drops by the header, IPv4 and IPv6 rows alike', () => {
    const drops = new Map<number, number>();
    parseUdpSocketTable(UDP, drops);
    parseUdpSocketTable(UDP6, drops);
    expect([...drops]).toEqual([
      [103533, 0],
      [103548, 1290],
      [99001, 17],
    ]);
  });

  it('drops between two readings: every socket, ours apart; a socket opened since counts whole', () => {
    const table = (entries: [number, number][]) => ({ available: true as const, drops: new Map(entries) });
    const from = table([
      [1, 10],
      [2, 0],
    ]);
    const to = table([
      [1, 15],
      [2, 0],
      [3, 7],
    ]);
    let asked = 0;
    const ours = () => {
      asked++;
      return new Set([1, 2]);
    };
    expect(udpSocketDrops(from, to, ours)).toEqual({ all: 12, ours: 5 });
    expect(udpSocketDrops(from, from, ours)).toEqual({ all: 0, ours: 0 });
    expect(asked).toBe(1);
    expect(udpSocketDrops({ available: false, why: 'x' }, to, ours)).toBeNull();
  });

  it("counts the drops of this process's own socket: a burst into a tiny unread buffer", async () => {
    const receiver = dgram.createSocket({ type: 'udp4', recvBufferSize: 1024 });
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => sender.connect(receiver.address().port, '127.0.0.1', r));
    try {
      const from = readUdpSocketTable();
      // Sent in one turn of the event loop: the receiver reads nothing meanwhile, its buffer holds a few.
      const payload = Buffer.alloc(512);
      for (let i = 0; i < 200; i++) sender.send(payload);
      await new Promise((r) => setTimeout(r, 50));
      const drops = udpSocketDrops(from, readUdpSocketTable(), () => socketInodes([process.pid]));
      expect(drops?.ours).toBeGreaterThan(0);
      expect(drops!.all).toBeGreaterThanOrEqual(drops!.ours);
    } finally {
      sender.close();
      receiver.close();
    }
  });

  it("finds this process's own UDP socket and its row in the namespace's table", async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    try {
      const table = readUdpSocketTable();
      if (!table.available) throw new Error(table.why);
      const mine = [...socketInodes([process.pid])].filter((inode) => table.drops.has(inode));
      expect(mine.length).toBeGreaterThanOrEqual(1);
    } finally {
      socket.close();
    }
  });
});
