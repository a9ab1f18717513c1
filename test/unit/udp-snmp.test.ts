/**
 * The kernel's UDP counters from /proc/net/snmp and snmp6: fixtures of both, an older kernel's shorter table (its
 * missing fields null, never 0), a missing source unavailable with why, deltas, and one real read of this machine.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseSnmp6Udp,
  parseSnmpUdp,
  readUdpSnmp,
  udpCombined,
  udpDelta,
  udpSnmpDelta,
} from '../../src/instruments/udp-snmp.js';
import { ROOT } from '../helpers/cli.js';

const fixture = (file: string) => readFileSync(path.join(ROOT, 'test/fixtures/proc-net', file), 'utf8');

describe('kernel UDP counters', () => {
  it('reads the Udp: table of /proc/net/snmp (not UdpLite:)', () => {
    expect(parseSnmpUdp(fixture('snmp.txt'))).toEqual({
      available: true,
      counters: {
        inDatagrams: 81234,
        noPorts: 17,
        inErrors: 42,
        outDatagrams: 80011,
        rcvbufErrors: 40,
        sndbufErrors: 2,
        inCsumErrors: 1,
        memErrors: 3,
      },
    });
  });

  it('reads the Udp6 lines of /proc/net/snmp6 (not UdpLite6)', () => {
    const six = parseSnmp6Udp(fixture('snmp6.txt'));
    expect(six).toMatchObject({ available: true, counters: { inDatagrams: 5120, rcvbufErrors: 9, memErrors: 0 } });
  });

  it('an older kernel`s missing fields are null, not 0; a file without the table is unavailable with why', () => {
    const old = parseSnmpUdp(fixture('snmp-old-kernel.txt'));
    expect(old).toMatchObject({ available: true, counters: { inDatagrams: 10, rcvbufErrors: 0, memErrors: null } });
    expect(parseSnmpUdp('Ip: Forwarding\nIp: 1\n')).toEqual({
      available: false,
      why: 'no Udp: table in /proc/net/snmp',
    });
    expect(parseSnmp6Udp('Ip6InReceives 4\n').available).toBe(false);
  });

  it('a source that cannot be read is unavailable, naming the file and the error', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'l4stress-test-snmp-'));
    writeFileSync(path.join(dir, 'snmp'), fixture('snmp.txt'));
    const reading = readUdpSnmp(dir);
    expect(reading.udp.available).toBe(true);
    expect(reading.udp6).toEqual({ available: false, why: `${dir}/snmp6: ENOENT` });
    expect(udpCombined(reading, 'rcvbufErrors')).toBeNull();
  });

  it('deltas: per field; unavailable stays unavailable; a counter that ran backwards is null', () => {
    const before = parseSnmpUdp(fixture('snmp.txt'));
    const after = parseSnmpUdp(fixture('snmp.txt').replace('Udp: 81234 17 42', 'Udp: 81300 10 50'));
    expect(udpDelta(before, after)).toMatchObject({
      available: true,
      counters: { inDatagrams: 66, noPorts: null, inErrors: 8, rcvbufErrors: 0 },
    });
    const gone = { available: false as const, why: 'x: EACCES' };
    expect(udpDelta(before, gone)).toBe(gone);
    const old = parseSnmpUdp(fixture('snmp-old-kernel.txt'));
    expect(udpDelta(old, old)).toMatchObject({ counters: { inDatagrams: 0, memErrors: null } });
    const six = parseSnmp6Udp(fixture('snmp6.txt'));
    const both = udpSnmpDelta({ udp: before, udp6: six }, { udp: after, udp6: six });
    expect(udpCombined(both, 'inDatagrams')).toBe(66);
  });

  it.runIf(existsSync('/proc/net/snmp'))('reads this machine: every field a count', () => {
    const reading = readUdpSnmp();
    if (!reading.udp.available) throw new Error(reading.udp.why);
    for (const v of Object.values(reading.udp.counters)) expect(v).toBeGreaterThanOrEqual(0);
  });
});
