/**
 * The kernel's UDP counters see a receive buffer overflow on loopback: a socket with the smallest receive buffer,
 * a burst of datagrams sent while nobody reads it (the sends run in one turn of the event loop, so the receiving
 * socket's reads cannot run in between), and RcvbufErrors grows by at least what never arrived.
 */
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readUdpSnmp } from '../../src/instruments/udp-snmp.js';

const BURST = 2000;
const SIZE = 1000;

describe.runIf(existsSync('/proc/net/snmp'))('kernel UDP counters on loopback', () => {
  it('a burst into a tiny receive buffer that nobody reads shows as RcvbufErrors', async () => {
    const receiver = dgram.createSocket({ type: 'udp4', recvBufferSize: 1024 });
    let received = 0;
    receiver.on('message', () => received++);
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sender.connect(receiver.address().port, '127.0.0.1', resolve));
    const payload = Buffer.alloc(SIZE, 0x61);
    const before = readUdpSnmp();
    for (let i = 0; i < BURST; i++) sender.send(payload);
    // Let the receiver drain what fit, then settle (bounded: at most 2 s).
    const deadline = Date.now() + 2000;
    let last = -1;
    while (last !== received && Date.now() < deadline) {
      last = received;
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = readUdpSnmp();
    sender.close();
    receiver.close();
    if (!before.udp.available || !after.udp.available) throw new Error('no /proc/net/snmp Udp table');
    const drops = (after.udp.counters.rcvbufErrors ?? 0) - (before.udp.counters.rcvbufErrors ?? 0);
    expect(received).toBeLessThan(BURST);
    expect(received).toBeGreaterThan(0);
    // Others in this network namespace may add drops of their own; none can take ours away.
    expect(drops).toBeGreaterThanOrEqual(BURST - received);
    console.log(`sent ${BURST} x ${SIZE} B, received ${received}, RcvbufErrors +${drops}`);
  });
});
