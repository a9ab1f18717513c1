/**
 * The port-space preflight on /proc/net/tcp and tcp6 captured in a namespace of 10 ephemeral ports (40000-40009):
 * listeners on 127.0.0.1:7000, 0.0.0.0:7001 and [::]:7002, a live session 127.0.0.3:40001 -> :7001, and TIME_WAIT
 * from 127.0.0.2:40003 -> :7000, 127.0.0.1:40004 -> :7002 and [::1]:40006 -> :7002 (test/fixtures/proc-net).
 * The kernel's rules these counts follow are proven on real sockets in test/integration/port-space.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CouldNotRunError } from '../../src/core/errors.js';
import { type PortDemand, parseProcNetTcp, portShortages } from '../../src/preflight/port-space.js';
import { ensurePortSpace } from '../../src/preflight/port-wait.js';
import { ROOT } from '../helpers/cli.js';

const sample = (file: string) => readFileSync(path.join(ROOT, 'test/fixtures/proc-net', file), 'utf8');
const sockets = [...parseProcNetTcp(sample('tcp.txt')), ...parseProcNetTcp(sample('tcp6.txt'))];
const demand = (over: Partial<PortDemand>): PortDemand => ({
  conns: 10,
  range: [40000, 40009],
  sourceIps: [],
  destinations: [],
  unknownDestinations: 0,
  twReuse: 2,
  timestamps: true,
  ...over,
});

describe('/proc/net/tcp', () => {
  it('reads addresses, ports, states and the seconds left on a TIME_WAIT timer (USER_HZ ticks)', () => {
    expect(sockets).toHaveLength(8);
    expect(sockets[0]).toEqual({
      local: '0.0.0.0',
      localPort: 7001,
      remote: '0.0.0.0',
      remotePort: 0,
      state: 0x0a,
      timerLeftS: null,
    });
    // 0x16DA = 5,850 ticks of 1/100 s
    expect(sockets[3]).toEqual({
      local: '127.0.0.1',
      localPort: 40004,
      remote: '127.0.0.1',
      remotePort: 7002,
      state: 0x06,
      timerLeftS: 58.5,
    });
    expect(sockets[6]).toMatchObject({ local: '::', localPort: 7002, state: 0x0a });
    expect(sockets[7]).toMatchObject({ local: '::1', localPort: 40006, remote: '::1', state: 0x06, timerLeftS: 58.49 });
  });

  it('reads a v4-mapped v6 address as the v4 one, and skips the header and blank lines', () => {
    const mapped =
      '  sl  local_address remote_address st\n' +
      '   0: 0000000000000000FFFF00000200007F:9C40 0000000000000000FFFF00000100007F:1B58 01 ' +
      '00000000:00000000 00:00000000 00000000     0        0 1 1 0 20 0 0 10 -1\n\n';
    expect(parseProcNetTcp(mapped)).toEqual([
      { local: '127.0.0.2', localPort: 40000, remote: '127.0.0.1', remotePort: 7000, state: 1, timerLeftS: null },
    ]);
  });
});

describe('the ports a run can take', () => {
  it('a bound source address loses its TIME_WAIT ports whatever the destination: wait until they clear', () => {
    expect(portShortages(sockets, demand({ sourceIps: ['127.0.0.2'] }))).toEqual([
      { where: '127.0.0.2', bound: true, need: 10, free: 9, timeWait: 1, live: 0, clearsInS: 59 },
    ]);
    // Another address is untouched by them.
    expect(portShortages(sockets, demand({ sourceIps: ['127.0.0.4'] }))).toEqual([]);
  });

  it('a port held by a live socket does not clear by waiting', () => {
    expect(portShortages(sockets, demand({ sourceIps: ['127.0.0.3'] }))).toEqual([
      { where: '127.0.0.3', bound: true, need: 10, free: 9, timeWait: 0, live: 1, clearsInS: null },
    ]);
  });

  it('the sessions are spread over the addresses as the workers spread them (id modulo the count)', () => {
    // 19 sessions over .2 and .4: 10 on .2 (one short), 9 on .4.
    const s = portShortages(sockets, demand({ conns: 19, sourceIps: ['127.0.0.2', '127.0.0.4'] }));
    expect(s.map((x) => [x.where, x.need, x.free])).toEqual([['127.0.0.2', 10, 9]]);
  });

  it('unbound: TIME_WAIT toward the same destination is reused on loopback with tcp_tw_reuse 2, not with 0', () => {
    const to7000 = { destinations: [{ host: '127.0.0.1', port: 7000 }] };
    expect(portShortages(sockets, demand(to7000))).toEqual([]);
    expect(portShortages(sockets, demand({ ...to7000, twReuse: 0 }))).toEqual([
      { where: '127.0.0.1:7000', bound: false, need: 10, free: 9, timeWait: 1, live: 0, clearsInS: 59 },
    ]);
    // Sockets toward other destinations share their ports: the embedded target (no destination known) fits.
    expect(portShortages(sockets, demand({ twReuse: 0 }))).toEqual([]);
  });

  it('the embedded target before it starts: each port carries its share, less the listeners in the range', () => {
    const listener = parseProcNetTcp(
      '  sl\n   0: 0100007F:9C45 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1 0 100 0 0 10 0\n',
    );
    // 100,000 sessions over 6 target processes: 16,667 each, in 28,232 ports. No "needs 100,000 ports" refusal.
    const big = { conns: 100_000, range: [32768, 60999] as [number, number], unknownDestinations: 6 };
    expect(portShortages(sockets, demand(big))).toEqual([]);
    // 10 sessions over 1 port in 10 ports, one of them a listener's: short by one, and waiting cannot help.
    expect(portShortages(listener, demand({ unknownDestinations: 1 }))).toEqual([
      { where: 'each of 1 target port', bound: false, need: 10, free: 9, timeWait: 0, live: 1, clearsInS: null },
    ]);
  });
});

describe('waiting for the port space, or refusing', () => {
  const soon = parseProcNetTcp(
    sample('tcp.txt')
      .split('\n')
      .map((l) => l.replace('03:000016D9', '03:00000032'))
      .join('\n'),
  );

  it('waits for TIME_WAIT that clears, saying so with the figures, then lets the run start', async () => {
    const lines: string[] = [];
    let reads = 0;
    const started = Date.now();
    await ensurePortSpace(demand({ sourceIps: ['127.0.0.2'] }), {
      log: (l) => lines.push(l),
      read: () => (reads++ === 0 ? soon : []),
    });
    expect(lines).toEqual([
      'l4stress: waiting 1 s for 1 TIME_WAIT port on 127.0.0.2 to clear (10 sessions there, 9 of 10 ports free)',
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('refuses, exit 3, when live sockets hold the ports or TIME_WAIT will not clear in time', async () => {
    const refuse = (over: Partial<PortDemand>, maxWaitS?: number) =>
      ensurePortSpace(demand(over), { log: () => {}, read: () => sockets, maxWaitS });
    await expect(refuse({ sourceIps: ['127.0.0.3'] })).rejects.toThrow(CouldNotRunError);
    await expect(refuse({ sourceIps: ['127.0.0.3'] })).rejects.toThrow(
      '--conns 10 needs 10 local ports on source address 127.0.0.3 (a bound address takes a port whatever the ' +
        'destination), but only 9 of the 10 in ip_local_port_range 40000-40009 are free (1 held: 0 in TIME_WAIT, ' +
        '1 by live sockets)',
    );
    const late = await refuse({ sourceIps: ['127.0.0.2'] }, 30).catch((e: CouldNotRunError) => e);
    expect(late).toBeInstanceOf(CouldNotRunError);
    expect((late as CouldNotRunError).message).toMatch(/\(1 held: 1 in TIME_WAIT, clearing in 59 s, 0 by live/);
    expect((late as CouldNotRunError).hint).toMatch(/more --source-ips .* --close rst for churn .* or wait 59 s$/);
  });
});
