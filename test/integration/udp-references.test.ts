/**
 * The UDP bench's references, run for real on loopback and briefly (about 1 s each): sockperf's server and
 * ping-pong, iperf3 -u at a set rate and size, and Node's floor client against serve --udp. What is asserted is that
 * each ran and that its output was read (counts that agree with each other), never how fast anything was.
 */
import { describe, expect, it } from 'vitest';
import { ROOT, run } from '../../bench/run-cli.js';
import { nodeFloorUdp, startServeUdp } from '../../bench/udp-peers.js';
import { runIperf3Udp, startIperf3Server } from '../../native-tools/iperf3.js';
import { freePort, freeUdpPort, isUdpBound } from '../../native-tools/ports.js';
import { runSockperfPingPong, startSockperfServer } from '../../native-tools/sockperf.js';

describe('sockperf (UDP ping-pong on loopback)', () => {
  it('runs against its server and is read as round trips (--full-rtt)', async () => {
    const port = await freeUdpPort();
    const server = await startSockperfServer(port);
    let r: Awaited<ReturnType<typeof runSockperfPingPong>>;
    try {
      expect(await isUdpBound(port)).toBe(true);
      r = await runSockperfPingPong('127.0.0.1', port, 64, 1);
    } finally {
      await server.stop();
    }
    expect(r.printed).toBe('rtt');
    expect(r.received).toBeGreaterThan(0);
    expect(r.dropped).toBe(0);
    expect(Math.abs(r.sent - r.received)).toBeLessThanOrEqual(1);
    expect(r.roundTripsPerSecond).toBeCloseTo(r.received / r.durationS, 6);
    const t = r.roundTripUs;
    expect(t.min).toBeGreaterThan(0);
    expect(t.min).toBeLessThanOrEqual(t.p50);
    expect(t.p50).toBeLessThanOrEqual(t.p99);
    expect(t.p99).toBeLessThanOrEqual(t.max);
    expect(await isUdpBound(port)).toBe(false);
  });

  it('no server on the port: an error quoting sockperf, not a hang', async () => {
    const port = await freeUdpPort();
    await expect(runSockperfPingPong('127.0.0.1', port, 64, 1)).rejects.toThrow(/Is the server down\?/);
  });

  it('sockperf missing from PATH: the install command', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(runSockperfPingPong('127.0.0.1', 9, 64, 1)).rejects.toThrow(
        'sockperf is not installed (or not on PATH)',
      );
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('iperf3 -u (one stream at a set rate and datagram size)', () => {
  it('is read as what its receiver counted', async () => {
    const port = await freePort();
    const server = await startIperf3Server(port);
    let r: Awaited<ReturnType<typeof runIperf3Udp>>;
    try {
      r = await runIperf3Udp('127.0.0.1', port, 2000 * 1200 * 8, 1200, 1, 4 * 1024 * 1024);
    } finally {
      await server.stop();
    }
    expect(r.targetBitsPerSecond).toBe(2000 * 1200 * 8);
    expect(r.datagramBytes).toBe(1200);
    expect(r.sent).toBeGreaterThan(0);
    expect(r.delivered).toBeGreaterThan(0);
    expect(r.delivered + r.lost).toBeLessThanOrEqual(r.sent);
    expect(r.deliveredPerSecond).toBeCloseTo(r.delivered / r.seconds, 6);
    // iperf3's own bits/s and the delivered count agree (its byte count is delivered x the datagram size).
    expect(r.deliveredBitsPerSecond / ((r.delivered * 1200 * 8) / r.seconds)).toBeCloseTo(1, 2);
  });
});

describe("Node's UDP floor client against serve --udp", () => {
  it('ping-pongs one flow, every datagram echoed, and reports its round trips', async () => {
    const serve = await startServeUdp(['--proxy', 'none']);
    let floor: Awaited<ReturnType<typeof nodeFloorUdp>>;
    let stats: Awaited<ReturnType<typeof serve.stop>>;
    try {
      floor = await nodeFloorUdp(serve.port, 64, 1);
    } finally {
      stats = await serve.stop();
    }
    expect(floor.roundTrips).toBeGreaterThan(0);
    expect(floor.p50Us).toBeGreaterThan(0);
    expect(floor.p50Us).toBeLessThanOrEqual(floor.p99Us);
    expect(stats).not.toBeNull();
    // The target answered every datagram it got; the floor counted only those after its 1 s warm-up.
    expect(stats!.datagramsOut).toBe(stats!.datagramsIn);
    expect(stats!.datagramsIn).toBeGreaterThanOrEqual(floor.roundTrips);
  });

  it('bad arguments: exit 2 in one line', async () => {
    const r = await run(process.execPath, [`${ROOT}/dist/bench/node-floor-udp-client.js`, '127.0.0.1', '0'], 10_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['usage: node-floor-udp-client host port size seconds']);
  });
});
