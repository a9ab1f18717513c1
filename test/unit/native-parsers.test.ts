/** Parsers of iperf3, netperf and sockperf output, on output recorded from the real binaries on this machine kind. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIperf3Json, parseIperf3UdpJson } from '../../native-tools/iperf3.js';
import { parseNetperfOutput } from '../../native-tools/netperf.js';
import { parseSockperfPingPong } from '../../native-tools/sockperf.js';
import type { HardwareProfile } from '../../src/calibration/hardware-profile.js';
import { calibrationRatios } from '../../src/calibration/ratios.js';
import { median, repeatedStat } from '../../src/calibration/stats.js';
import { counterDeltas, parseProcNetTables, parseSockstat, readKernelTcp } from '../../src/instruments/kernel-tcp.js';
import { ROOT } from '../helpers/cli.js';

const fixture = (name: string): string => readFileSync(path.join(ROOT, 'test/fixtures/native', name), 'utf8');

describe('netperf output selectors', () => {
  it('TCP_RR: transactions/s and latency percentiles', () => {
    const r = parseNetperfOutput('TCP_RR', fixture('netperf-tcp-rr.txt'));
    expect(r.throughputUnits).toBe('Trans/s');
    expect(r.throughput).toBeGreaterThan(1000);
    expect(r.p50LatencyUs!).toBeGreaterThan(0);
    expect(r.p99LatencyUs!).toBeGreaterThanOrEqual(r.p50LatencyUs!);
    expect(r.meanLatencyUs!).toBeGreaterThan(0);
  });

  it('TCP_CRR and TCP_STREAM', () => {
    expect(parseNetperfOutput('TCP_CRR', fixture('netperf-tcp-crr.txt')).throughput).toBeGreaterThan(100);
    const s = parseNetperfOutput('TCP_STREAM', fixture('netperf-tcp-stream.txt'));
    expect(s.throughputUnits).toBe('10^6bits/s');
    expect(s.p50LatencyUs).toBeNull();
  });

  it('a failed netperf (no netserver) is an error quoting netperf', () => {
    expect(() => parseNetperfOutput('TCP_RR', fixture('netperf-refused.txt'))).toThrow(
      /no results in its output: .*establish/s,
    );
  });
});

describe('iperf3 JSON', () => {
  it('receiver throughput, retransmits, CPU', () => {
    const r = parseIperf3Json(fixture('iperf3-2-streams.json'));
    expect(r.streams).toBe(2);
    expect(r.bitsPerSecond).toBeGreaterThan(1e8);
    expect(r.retransmits).not.toBeNull();
    expect(r.cpuHostPercent!).toBeGreaterThan(0);
  });

  it("iperf3's own error becomes the message", () => {
    expect(() => parseIperf3Json(fixture('iperf3-refused.json'))).toThrow(
      'iperf3: unable to connect to server: Connection refused',
    );
    expect(() => parseIperf3Json('garbage')).toThrow(/printed no JSON/);
  });
});

describe('iperf3 -u JSON', () => {
  it('what the receiver counted: delivered is packets less lost, at the asked rate and size', () => {
    const r = parseIperf3UdpJson(fixture('iperf3-udp.json'));
    expect(r).toMatchObject({ targetBitsPerSecond: 200_000_000, datagramBytes: 1200, sent: 41_651 });
    expect(r).toMatchObject({ delivered: 41_481, lost: 170, outOfOrder: 0 });
    expect(r.lostPercent).toBeCloseTo(0.408, 3);
    expect(r.deliveredPerSecond).toBeCloseTo(41_481 / 2.000295, 3);
    expect(r.deliveredBitsPerSecond).toBeCloseTo(199_079_435.78, 1);
    expect(r.jitterMs).toBeCloseTo(0.00507, 5);
  });

  it('a TCP run or a failed one is refused, quoting iperf3', () => {
    expect(() => parseIperf3UdpJson(fixture('iperf3-2-streams.json'))).toThrow('iperf3: not a UDP run (TCP)');
    expect(() => parseIperf3UdpJson(fixture('iperf3-refused.json'))).toThrow(/unable to connect to server/);
  });
});

describe('sockperf ping-pong', () => {
  it('--full-rtt: round trips as printed, the rate over the measured window', () => {
    const r = parseSockperfPingPong(fixture('sockperf-ping-pong-full-rtt.txt'));
    expect(r.printed).toBe('rtt');
    expect(r.roundTripUs).toEqual({ avg: 12.132, p50: 11.256, p99: 24.366, min: 10.826, max: 2347.206 });
    expect(r).toMatchObject({ sent: 127_540, received: 127_540, dropped: 0, durationS: 1.55 });
    expect(r.roundTripsPerSecond).toBeCloseTo(127_540 / 1.55, 6);
  });

  it("its default 'latency' is half a round trip: read as printed, given as a round trip (doubled)", () => {
    const text = fixture('sockperf-ping-pong-latency.txt');
    const printedP50 = Number(/percentile 50\.000 =\s*([\d.]+)/.exec(text)![1]);
    const r = parseSockperfPingPong(text);
    expect(r.printed).toBe('latency');
    expect(r.roundTripUs.p50).toBeCloseTo(printedP50 * 2, 9);
    expect(r.roundTripUs.p99).toBeGreaterThanOrEqual(r.roundTripUs.p50);
  });

  it('no server: an error quoting sockperf', () => {
    expect(() => parseSockperfPingPong(fixture('sockperf-no-server.txt'))).toThrow(
      'sockperf ping-pong: no statistics in its output: No messages were received from the server. Is the server down?',
    );
  });
});

describe('repeated measurements', () => {
  it('median and spread', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(repeatedStat([90, 100, 110])).toMatchObject({ median: 100, min: 90, max: 110, spreadPercent: 20 });
  });

  it("ratios divide ours by the machine's best and say when sizes or hosts differ", () => {
    const s = (v: number) => repeatedStat([v]);
    const profile = {
      host: 'a',
      createdAt: 'x',
      measurements: {
        tcpRr1: {
          sizeBytes: 1,
          transactionsPerSecond: s(20000),
          meanLatencyUs: s(50),
          p50LatencyUs: s(40),
          p99LatencyUs: s(90),
        },
        tcpRrSize: {
          sizeBytes: 64,
          transactionsPerSecond: s(19000),
          meanLatencyUs: s(55),
          p50LatencyUs: s(50),
          p99LatencyUs: s(95),
        },
        tcpCrr: { transactionsPerSecond: s(10000), p50LatencyUs: s(80) },
      },
    } as unknown as HardwareProfile;
    const r = calibrationRatios('p.json', profile, {
      mode: 'echo',
      roundTrips: true,
      streamBitsPerSecond: 0,
      cyclesPerSecond: 0,
      sizeBytes: 64,
      roundTripP50Us: 100,
      roundTripsPerSecond: 38000,
      connectP50Us: 160,
      host: 'a',
    });
    expect(r).toMatchObject({
      echoP50VsTcpRrP50: 2,
      roundTripsPerSecondVsTcpRr: 2,
      connectP50VsTcpCrrP50: 2,
      warnings: [],
    });
    const other = calibrationRatios('p.json', profile, {
      mode: 'echo',
      roundTrips: true,
      streamBitsPerSecond: 0,
      cyclesPerSecond: 0,
      sizeBytes: 512,
      roundTripP50Us: 80,
      roundTripsPerSecond: 0,
      connectP50Us: null,
      host: 'b',
    });
    expect(other.echoP50VsTcpRrP50).toBe(2);
    expect(other.connectP50VsTcpCrrP50).toBeNull();
    expect(other.warnings).toHaveLength(2);
  });
});

describe('/proc/net/netstat, snmp and sockstat', () => {
  it('reads every table by name, and the counters a result keeps', () => {
    const text = fixture('proc-net-netstat.txt');
    const tables = parseProcNetTables(text);
    const names = text.split('\n')[0].split(' ');
    const values = text.split('\n')[1].split(' ');
    expect(tables.TcpExt.ListenOverflows).toBe(Number(values[names.indexOf('ListenOverflows')]));
    expect(tables.TcpExt.TCPSynRetrans).toBe(Number(values[names.indexOf('TCPSynRetrans')]));
    expect(Object.keys(tables)).toEqual(expect.arrayContaining(['TcpExt', 'IpExt']));
    expect(parseProcNetTables('IpExt: a b\nIpExt: 1 2\n')).toEqual({ IpExt: { a: 1, b: 2 } });
  });

  it('reads TIME_WAIT, orphans and memory pages from sockstat', () => {
    const sockstat = 'sockets: used 120\nTCP: inuse 5 orphan 2 tw 31000 alloc 8 mem 7\nUDP: inuse 1 mem 0\n';
    expect(parseSockstat(sockstat)).toEqual({ timeWait: 31000, orphans: 2, memPages: 7 });
  });

  it('reads this machine: every counter a number, deltas never negative', () => {
    const a = readKernelTcp()!;
    const b = readKernelTcp()!;
    expect(Object.values(a.counters).every(Number.isFinite)).toBe(true);
    expect(Object.values(counterDeltas(b.counters, a.counters)).every((d) => d >= 0)).toBe(true);
  });
});
