/**
 * The UDP parts together on loopback, as the UDP load mode will use them: flows (each its own socket, so its own
 * source port), each datagram a PROXY v2 header built once per flow, then a stamp written in place into the flow's
 * preallocated buffer; echoes verified where they landed and tracked per flow. Through the UDP target nothing is
 * lost, duplicated, reordered or corrupt; through a misbehaving peer each fault it injected is counted exactly.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDatagramHeader } from '../../src/proxy/datagram-header.js';
import { parseTlvOption } from '../../src/proxy/tlv.js';
import { startUdpServer, UDP_SERVER_DEFAULTS } from '../../src/serve/udp-server.js';
import { FlowTracker } from '../../src/udp/flow-tracker.js';
import { fillBody, stampFlow, stampSeq, verifyStamp, writeStamp } from '../../src/udp/stamp.js';
import { startFaultyUdpEcho } from '../fixtures/faulty-udp-echo.js';

const SIZE = 200;
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

/**
 * Sends `count` rounds of a datagram on each of `flows` flows to `port`, each round after the last one's echoes
 * (or 100 ms: a dropped one never comes), so the host's socket buffers never overflow on a busy machine (that is
 * udp-snmp.test.ts's to show); returns the tracker once nothing more arrives.
 */
async function runFlows(port: number, flows: number, count: number): Promise<FlowTracker> {
  const tracker = new FlowTracker(flows, 64, 500);
  const sockets: dgram.Socket[] = [];
  const buffers: Buffer[] = [];
  let hash = 0;
  let template = Buffer.alloc(0);
  for (let flow = 0; flow < flows; flow++) {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.connect(port, '127.0.0.1', r));
    const local = socket.address();
    const header = buildDatagramHeader({
      kind: 'v2',
      command: 'proxy',
      source: { address: '198.18.0.1', port: 10_000 + flow },
      destination: { address: '127.0.0.1', port },
      tlvs: [parseTlvOption('crc32c')],
      seed: 1,
      flowId: flow,
    });
    const tx = Buffer.alloc(header.length + SIZE);
    header.copy(tx, 0);
    hash = fillBody(tx, header.length, SIZE, 42);
    template = tx.subarray(header.length);
    socket.on('message', (rx) => {
      const verdict = verifyStamp(rx, 0, rx.length, template, 0, hash);
      if (verdict !== 'ok' || stampFlow(rx, 0) !== flow) tracker.markCorrupt(flow);
      else tracker.receive(flow, stampSeq(rx, 0), performance.now());
    });
    expect(local.port).toBeGreaterThan(0);
    sockets.push(socket);
    buffers.push(tx);
    open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
  }
  const headerLength = buffers[0].length - SIZE;
  const seen = () => {
    const t = tracker.totals();
    return t.received + t.duplicate + t.corrupt + t.late;
  };
  for (let seq = 0; seq < count; seq++) {
    const before = seen();
    for (let flow = 0; flow < flows; flow++) {
      writeStamp(buffers[flow], headerLength, flow, seq, performance.now(), SIZE, hash);
      // A copy per send: the kernel may take the datagram after the next stamp is written (a queued send).
      sockets[flow].send(Buffer.from(buffers[flow]));
    }
    const due = Date.now() + 100;
    while (seen() < before + flows && Date.now() < due) await new Promise((r) => setTimeout(r, 1));
  }
  const deadline = Date.now() + 5000;
  let last = -1;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (seen() === last) break;
    last = seen();
  }
  for (let flow = 0; flow < flows; flow++) tracker.close(flow, count);
  return tracker;
}

describe('UDP flows on loopback', () => {
  it('through the UDP target: every datagram back once, intact, header checked and stripped', async () => {
    const server = await startUdpServer({ ...UDP_SERVER_DEFAULTS, host: '127.0.0.1', port: 0, proxy: 'require' });
    open.push(server);
    const tracker = await runFlows(server.address.port, 20, 100);
    expect(tracker.totals()).toEqual({ received: 2000, duplicate: 0, reordered: 0, lost: 0, late: 0, corrupt: 0 });
    expect(server.stats()).toMatchObject({ headers: { v2: 2000 }, crcVerified: 2000, distinctPeers: 20 });
    const claimed = Object.fromEntries(Array.from({ length: 20 }, (_, flow) => [`198.18.0.1:${10_000 + flow}`, 1]));
    expect(server.sources().counts).toEqual(claimed);
  });

  it('through a misbehaving peer: each fault it injected is counted, per flow and in total', async () => {
    const peer = await startFaultyUdpEcho();
    open.push(peer);
    const tracker = await runFlows(peer.port, 5, 50);
    // Per flow of 50: 5 dropped, 5 sent twice, 5 held past the next one, 5 corrupted (also lost: unreadable).
    expect(peer.injected).toEqual({ dropped: 25, duplicated: 25, reordered: 25, corrupted: 25 });
    for (let flow = 0; flow < 5; flow++) {
      expect(tracker.counts(flow)).toEqual({
        received: 40,
        duplicate: 5,
        reordered: 5,
        lost: 10,
        late: 0,
        corrupt: 5,
      });
    }
  });
});
