/**
 * The UDP witness on synthetic readings: its window (the measured phase's readings, the whole run without one), IPv4
 * and IPv6 added up (a host without IPv6 still counts), the merge of shards, the warning that names the host's
 * buffer drops, the summary line, and why a metric has no value.
 */
import { describe, expect, it } from 'vitest';
import { UDP_COUNTER_NAMES } from '../../src/core/vocabulary.js';
import type { RunResult } from '../../src/documents/result.js';
import type { UdpSnmpReading } from '../../src/instruments/udp-snmp.js';
import { buildUdp, mergeUdp, udpLine, udpWarnings, udpWitness } from '../../src/witnesses/udp.js';

const counters = (over: Partial<Record<(typeof UDP_COUNTER_NAMES)[number], number | null>> = {}) =>
  ({ ...Object.fromEntries(UDP_COUNTER_NAMES.map((n) => [n, 0])), ...over }) as Record<
    (typeof UDP_COUNTER_NAMES)[number],
    number | null
  >;
const reading = (v4: Parameters<typeof counters>[0], v6?: Parameters<typeof counters>[0]): UdpSnmpReading => ({
  udp: { available: true, counters: counters(v4) },
  udp6: v6 ? { available: true, counters: counters(v6) } : { available: false, why: '/proc/net/snmp6: ENOENT' },
});
const at = (r: UdpSnmpReading, ms: number) => ({ reading: r, at: ms });

describe('the UDP witness', () => {
  it('the window: deltas between its readings, IPv4 and IPv6 added up', () => {
    const s = buildUdp({
      measured: true,
      from: at(reading({ inDatagrams: 10, rcvbufErrors: 1 }, { inDatagrams: 5 }), 1000),
      to: at(reading({ inDatagrams: 110, rcvbufErrors: 4 }, { inDatagrams: 25, rcvbufErrors: 2 }), 3500),
    })!;
    expect([s.window, s.windowMs]).toEqual(['measure', 2500]);
    expect(s.total).toMatchObject({ inDatagrams: 120, rcvbufErrors: 5, sndbufErrors: 0 });
    expect(s.udp6.available).toBe(true);
  });

  it('a host without IPv6 still counts its IPv4; a field its kernel lacks is null, never 0', () => {
    const s = buildUdp({
      measured: false,
      from: at(reading({ rcvbufErrors: 0, memErrors: null }), 0),
      to: at(reading({ rcvbufErrors: 3, memErrors: null }), 1000),
    })!;
    expect(s.window).toBe('run');
    expect([s.total.rcvbufErrors, s.total.memErrors]).toEqual([3, null]);
    expect(udpLine(s)).toMatch(/^udp {10}InDatagrams 0, .*RcvbufErrors 3, .*MemErrors - \(IPv4 only, over the run\)$/);
  });

  it('no section without both readings', () => {
    expect(buildUdp({ measured: false, from: null, to: null })).toBeNull();
  });

  it('warns of buffer drops on this machine, by their kernel names, and only then', () => {
    const quiet = buildUdp({ measured: true, from: at(reading({}), 0), to: at(reading({ inDatagrams: 9 }), 1) })!;
    expect(udpWarnings(quiet)).toEqual([]);
    const dropped = buildUdp({
      measured: true,
      from: at(reading({}), 0),
      to: at(reading({ rcvbufErrors: 1290, sndbufErrors: 1 }), 1),
    })!;
    const w = udpWarnings(dropped);
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(
      /^this machine's kernel dropped 1,290 UDP datagrams during the measured window \(RcvbufErrors/,
    );
    expect(w[1]).toMatch(/dropped 1 UDP datagram during the measured window \(SndbufErrors/);
  });

  it('merges shards by adding each counter; an unavailable shard adds nothing', () => {
    const a = buildUdp({ measured: true, from: at(reading({}), 0), to: at(reading({ rcvbufErrors: 2 }), 1000) })!;
    const b = buildUdp({ measured: true, from: at(reading({}), 0), to: at(reading({ rcvbufErrors: 5 }), 1200) })!;
    const off = { ...a, udp: { available: false as const, why: 'EACCES' } };
    const m = mergeUdp([a, b, off, undefined])!;
    expect([m.total.rcvbufErrors, m.windowMs, m.window]).toEqual([7, 1200, 'measure']);
    expect(mergeUdp([undefined])).toBeUndefined();
  });

  it('its metrics read the total, say why one is null, and drops are counted events', () => {
    const s = buildUdp({ measured: true, from: at(reading({}), 0), to: at(reading({ rcvbufErrors: 4 }), 1) })!;
    const def = udpWitness.metrics['udp.rcvbufErrors'];
    expect(def.read({ udp: s } as RunResult)).toBe(4);
    expect([def.events, udpWitness.metrics['udp.inDatagrams'].events]).toEqual([true, undefined]);
    const off = { ...s, udp: { available: false as const, why: '/proc/net/snmp: EACCES' } };
    expect(def.whyNull!({ udp: off } as RunResult)).toMatch(/unavailable \(\/proc\/net\/snmp: EACCES\)/);
    expect(def.whyNull!({} as RunResult)).toMatch(/no UDP counters/);
  });
});
