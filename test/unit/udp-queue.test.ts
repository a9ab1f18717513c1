/**
 * The UDP target's bounded service queue (served in arrival order, one per service time, dropped and counted when
 * full, never longer than its limit) and its bounded count of distinct peers and claimed sources.
 */
import { describe, expect, it } from 'vitest';
import { buildDatagramHeader } from '../../src/proxy/datagram-header.js';
import { DatagramHeaderView, parseDatagramHeader } from '../../src/proxy/datagram-parser.js';
import { UdpServiceQueue } from '../../src/serve/udp-queue.js';
import { DistinctEndpoints } from '../../src/serve/udp-tally.js';

const until = async (check: () => boolean, ms = 3000): Promise<void> => {
  const deadline = performance.now() + ms;
  while (!check() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
};

describe('UDP service queue', () => {
  it('serves in arrival order, drops past its limit, and never holds more than it', async () => {
    const served: string[] = [];
    const q = new UdpServiceQueue(2000, 4, (msg, offset, length, port, address) =>
      served.push(`${msg.toString('latin1', offset, offset + length)}@${address}:${port}`),
    );
    const accepted = Array.from({ length: 10 }, (_, i) => q.push(Buffer.from(`#${i}`), 1, 1, 1000 + i, '10.0.0.1'));
    expect(accepted).toEqual([true, true, true, true, false, false, false, false, false, false]);
    expect([q.size, q.peak, q.dropped]).toEqual([4, 4, 6]);
    await until(() => served.length === 4);
    expect(served).toEqual(['0@10.0.0.1:1000', '1@10.0.0.1:1001', '2@10.0.0.1:1002', '3@10.0.0.1:1003']);
    expect(q.size).toBe(0);
    q.reset();
    expect([q.peak, q.dropped]).toEqual([0, 0]);
    q.stop();
  });

  it('answers no sooner than its service time allows', async () => {
    let served = 0;
    const q = new UdpServiceQueue(10_000, 100, () => served++);
    const started = performance.now();
    for (let i = 0; i < 5; i++) q.push(Buffer.alloc(1), 0, 1, 1, 'a');
    await until(() => served === 5);
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
    q.stop();
  });

  it('stop drops what waits; nothing is served after', async () => {
    let served = 0;
    const q = new UdpServiceQueue(5000, 10, () => served++);
    for (let i = 0; i < 5; i++) q.push(Buffer.alloc(1), 0, 1, 1, 'a');
    q.stop();
    await new Promise((r) => setTimeout(r, 40));
    expect([served, q.size]).toEqual([0, 0]);
  });
});

describe('distinct peers and claimed sources', () => {
  it('counts each once, up to its bound, the rest as overflow', () => {
    const d = new DistinctEndpoints(3);
    for (const port of [1, 2, 1, 2, 3, 4, 5]) d.peer('127.0.0.1', port);
    expect([d.peerCount, d.overflow]).toEqual([3, 2]);
    const view = new DatagramHeaderView();
    const claim = (into: DistinctEndpoints, address: string, port: number) => {
      const h = buildDatagramHeader({
        kind: 'spp',
        command: 'proxy',
        source: { address, port },
        destination: { address: '127.0.0.1', port: 1 },
        tlvs: [],
        seed: 0,
        flowId: 0,
      });
      parseDatagramHeader(h, h.length, 'require', view);
      into.source(h, view);
    };
    claim(d, '192.0.2.1', 1);
    claim(d, '192.0.2.1', 1);
    claim(d, '2001:db8::1', 1);
    claim(d, '2001:db8::1', 1);
    expect([d.sourceCount, d.overflow]).toEqual([2, 2]);
    claim(d, '192.0.2.1', 2);
    claim(d, '192.0.2.1', 3);
    expect([d.sourceCount, d.overflow]).toEqual([3, 3]);
  });
});
