/**
 * Whose limit a UDP probe's failure was when this host's socket buffers dropped datagrams during it (the kernel's UDP
 * counters witness, src/witnesses/udp.ts, read by find/probe-verdict.ts): the generator's host, never the target's;
 * inconclusive when others held the cores meanwhile (a starved reader overflows its buffer too); a TCP probe's
 * verdict untouched by the host's UDP drops (they are another socket's). On results from the fixture builder, and
 * through find's loop with the fakes of test/helpers/fake-find.ts.
 */
import { describe, expect, it } from 'vitest';
import { DIMENSIONS, UDP_DIMENSIONS } from '../../src/find/dimensions.js';
import { probeRecord } from '../../src/find/probe.js';
import { judgeProbe, whoseLimit } from '../../src/find/probe-verdict.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { renderProbeLine } from '../../src/reporters/find-text.js';
import { probeColumns } from '../../src/witnesses/list.js';
import { hostBufferDrops } from '../../src/witnesses/udp.js';
import { resultFixture } from '../fixtures/result.js';
import { findFromArgs } from '../helpers/find-args.js';
import { fakeSearch } from '../helpers/find-loop.js';

const udpRate = UDP_DIMENSIONS.rate!;
const short = { achieved: 1200 };

describe("this host's socket buffers in a UDP probe's verdict", () => {
  it("a loss with RcvbufErrors on this host: the generator's host, in words with the counts", () => {
    const r = resultFixture('echo', { ...short, hostUdp: { rcvbufErrors: 1290, inErrors: 1290 } });
    const v = judgeProbe(r, 2000, udpRate, []);
    expect(v).toMatchObject({ pass: false, limitOf: 'generator', machineLimit: null });
    expect(v.generatorLimit).toBe(
      "this host's socket buffers dropped 1,290 UDP datagrams during the window (RcvbufErrors 1,290): a loss here is " +
        "this host's, not the target's; give the sockets room (net.core.rmem_max, net.core.wmem_max, serve " +
        '--rcvbuf) or run the generator on another host',
    );
  });

  it('SndbufErrors and MemErrors count too, each named; InErrors, NoPorts and traffic alone do not', () => {
    const both = resultFixture('echo', { ...short, hostUdp: { sndbufErrors: 3, memErrors: 1 } });
    expect(whoseLimit(both, { udp: true }).why).toMatch(/dropped 4 UDP datagrams .*\(SndbufErrors 3, MemErrors 1\)/);
    const other = resultFixture('echo', { ...short, hostUdp: { inErrors: 50, noPorts: 7, inDatagrams: 9000 } });
    expect(whoseLimit(other, { udp: true })).toEqual({ limitOf: 'target', why: null });
    expect(hostBufferDrops(other.udp)).toBeNull();
    expect(hostBufferDrops(undefined)).toBeNull();
  });

  it("with the sockets' own counts: the generator's drops are its host's; another socket's are not", () => {
    const mine = resultFixture('echo', {
      ...short,
      hostUdp: { rcvbufErrors: 700 },
      udpSockets: { all: 700, generator: 650 },
    });
    expect(whoseLimit(mine, { udp: true })).toEqual({
      limitOf: 'generator',
      why:
        "the generator's own sockets dropped 650 UDP datagrams during the window: a loss here is this host's, not " +
        "the target's; give the sockets room (net.core.rmem_max, net.core.wmem_max, serve --rcvbuf) or run the " +
        'generator on another host',
    });
    const theirs = resultFixture('echo', {
      ...short,
      hostUdp: { rcvbufErrors: 700 },
      udpSockets: { all: 700, generator: 0 },
    });
    expect(whoseLimit(theirs, { udp: true })).toEqual({ limitOf: 'target', why: null });
    // The kernel's UDP memory is every socket's: the host's whoever dropped.
    const memory = resultFixture('echo', { ...short, hostUdp: { memErrors: 3 }, udpSockets: { all: 3, generator: 0 } });
    expect(whoseLimit(memory, { udp: true }).why).toMatch(
      /^the kernel's UDP memory ran out 3 times \(MemErrors\) during/,
    );
  });

  it("a TCP probe's verdict ignores the host's UDP drops (another socket's)", () => {
    const r = resultFixture('echo', { ...short, hostUdp: { rcvbufErrors: 500 } });
    expect(judgeProbe(r, 2000, DIMENSIONS.rate, []).limitOf).toBe('target');
  });

  it('drops while others took the cores: inconclusive (a starved reader overflows its buffer)', () => {
    const r = resultFixture('echo', {
      ...short,
      hostUdp: { rcvbufErrors: 500 },
      machine: { verdict: 'quiet', othersCoresMean: 1.2, reason: null },
    });
    expect(whoseLimit(r, { udp: true }).limitOf).toBe('inconclusive');
    // The same drops with the machine quiet and nobody else on it: the host's buffers.
    const quiet = resultFixture('echo', { ...short, hostUdp: { rcvbufErrors: 500 }, machine: 'quiet' });
    expect(whoseLimit(quiet, { udp: true }).limitOf).toBe('generator');
  });

  it("a refusing target beats the drops; the drops beat the generator's own CPU and the embedded target", () => {
    const drops = { hostUdp: { rcvbufErrors: 9 } };
    const refused = resultFixture('echo', { ...short, ...drops, failed: { ECONNREFUSED: 900 } });
    expect(whoseLimit(refused, { udp: true }).limitOf).toBe('target');
    const busy = resultFixture('echo', { ...short, ...drops, cpuPercent: 400, target: 'embedded' });
    expect(whoseLimit(busy, { udp: true }).why).toMatch(/^this host's socket buffers dropped 9 UDP datagrams/);
  });

  it('a passing probe is a pass whatever the host dropped (the SLOs are the judge)', () => {
    const r = resultFixture('echo', { hostUdp: { rcvbufErrors: 2 } });
    expect(judgeProbe(r, 2000, udpRate, [parseThreshold('p99<1s')])).toMatchObject({ pass: true, limitOf: null });
  });
});

describe("the probe's UDP figures and the table's column", () => {
  const find = { ...findFromArgs(['--target', '127.0.0.1:7000', '--vary', 'rate', '--slo', 'p99<1s']), def: udpRate };
  const next = { load: 2000, purpose: 'grow' as const, scout: false };

  it('keeps the counters that moved; a column "host drops" only when a probe had some', () => {
    const dropped = probeRecord(find, 1, next, resultFixture('echo', { hostUdp: { rcvbufErrors: 7 } }), 7000);
    expect(dropped.udp).toEqual({ rcvbufErrors: 7 });
    const clean = probeRecord(find, 2, next, resultFixture('echo', { hostUdp: { inDatagrams: 10 } }), 7000);
    expect(clean.udp).toEqual({ inDatagrams: 10 });
    expect(probeColumns([clean]).map((c) => c.header)).not.toContain('host drops');
    const column = probeColumns([clean, dropped]).find((c) => c.header === 'host drops');
    expect([column?.cell(clean), column?.cell(dropped)]).toEqual(['0', '7']);
    const none = probeRecord(find, 3, next, resultFixture('echo'), 7000);
    expect([none.udp, column?.cell(none)]).toEqual([null, '-']);
    const sockets = { hostUdp: { rcvbufErrors: 9 }, udpSockets: { all: 9, generator: 4 } };
    const ours = probeRecord(find, 4, next, resultFixture('echo', sockets), 7000);
    expect(ours.udp).toEqual({ rcvbufErrors: 9, socketDrops: 9, generatorDrops: 4 });
    expect(column?.cell(ours)).toBe('9 (ours 4)');
  });
});

describe('a UDP rate search whose host drops past 3,000 datagrams/s (find loop, fakes)', () => {
  it("ends as the generator's limit with the buffers named and the UDP fix, exit 3; never a capacity", async () => {
    const args = ['--target', '127.0.0.1:7000', '--vary', 'rate', '--slo', 'p99<20ms', '--from', '1000'];
    const find = { ...findFromArgs(args), def: udpRate };
    const s = await fakeSearch(find, (load) =>
      load > 3000 ? { achieved: 3000, hostUdp: { rcvbufErrors: load - 3000 } } : {},
    );
    expect(s.exitCode).toBe(3);
    expect(s.answer).toMatchObject({ end: 'generator-limit', limitOf: 'generator', capacity: 2000, atLeast: true });
    expect(s.answer.text).toMatch(
      new RegExp(
        "^the generator's limit, not the target's: at least 2,000 datagrams/s\\. It gave out at 4,000 datagrams/s: " +
          "this host's socket buffers dropped 1,000 UDP datagrams .*Fix: room in this host's socket buffers",
      ),
    );
    // Retried once (a busy moment), then the end: both failures at 4,000 say the host's buffers.
    expect(s.probes.filter((p) => p.load === 4000).map((p) => p.limitOf)).toEqual(['generator', 'generator']);
    expect(probeColumns(s.probes).find((c) => c.header === 'host drops')?.note).toMatch(/not the target's$/);
  });
});

describe('a UDP conns search through an ingress that keeps its sessions (find loop, fakes)', () => {
  const args = ['--target', '127.0.0.1:7000', '--udp', '--vary', 'conns', '--slo', 'opened==target', '--from', '25'];

  it('--cooldown waits before each probe after the first; without it, a line says why it may be needed', async () => {
    const held = (load: number) => ({ opened: Math.min(load, 100) });
    const cooled = await fakeSearch([...args, '--cooldown', '4s'], held);
    expect(cooled.answer).toMatchObject({ end: 'found', capacity: 100 });
    expect(cooled.clock.sleeps.filter((ms) => ms === 4000).length).toBe(cooled.probes.length - 1);
    expect(cooled.lines.join('\n')).not.toMatch(/--cooldown/);
    const bare = await fakeSearch(args, held);
    expect(bare.clock.sleeps).toEqual([]);
    expect(bare.lines[0]).toMatch(/^note: an ingress keeps a UDP flow's session .* without a --cooldown longer/);
  });

  it('a load not carried says how many flows were never answered and how many went silent', async () => {
    const s = await fakeSearch(args, (load) => ({ opened: Math.min(load, 100) }));
    const short = s.probes.find((p) => p.load === 200);
    expect(short?.failure).toBe('opened==target broke: 100');
    const find = { ...findFromArgs(args), slo: [] };
    const r = resultFixture('hold', { load: 200, opened: 100 });
    r.totals.silentFlows = 3;
    expect(probeRecord(find, 1, { load: 200, purpose: 'grow', scout: false }, r, 1000).failure).toBe(
      'the load was not carried: 97 flows of 200 asked (100 never answered, 3 went silent)',
    );
  });
});

describe("a UDP probe judged on its datagrams section (the engine's)", () => {
  const conns = UDP_DIMENSIONS.conns!;
  const slo = [parseThreshold('loss<0.1%'), parseThreshold('p99<20ms')];

  it('loss<0.1% is a probe criterion: 0.1% lost fails it, with the figure in percent; under it passes', () => {
    const lossy = resultFixture('echo', { datagrams: { sent: 10_000, lost: 10 } });
    expect(judgeProbe(lossy, 2000, udpRate, slo)).toMatchObject({
      pass: false,
      failure: 'loss<0.1% broke: 0.1%',
      limitOf: 'target',
    });
    const fine = resultFixture('echo', { datagrams: { sent: 10_000, lost: 9 } });
    expect(judgeProbe(fine, 2000, udpRate, slo)).toMatchObject({ pass: true, failure: null });
  });

  it("loss is judged over the probe's window: a start-up loss before it fails nothing, one in it fails", () => {
    // A run here lost 115 datagrams as it started, none in its window: the run's loss metric says 7.42%.
    const startUp = { sent: 1550, lost: 115, measured: { sent: 1002, received: 1002 } };
    const r = resultFixture('echo', { datagrams: startUp });
    expect(judgeProbe(r, 2000, udpRate, slo)).toMatchObject({ pass: true, failure: null });
    const find = { ...findFromArgs(['--target', '127.0.0.1:7000', '--vary', 'rate', '--slo', 'p99<1s']), def: udpRate };
    expect(probeRecord(find, 1, { load: 2000, purpose: 'grow', scout: false }, r, 1000).loss).toBe(0);
    const inWindow = resultFixture('echo', { datagrams: { ...startUp, measured: { sent: 1002, received: 990 } } });
    expect(judgeProbe(inWindow, 2000, udpRate, slo).failure).toBe('loss<0.1% broke: 1.2%');
  });

  it('rate: achieved is what came back per second; short of it says how many were lost', () => {
    const r = resultFixture('echo', { datagrams: { sent: 14_000, lost: 7000, receivedPerSecond: 1000 } });
    const v = judgeProbe(r, 2000, udpRate, []);
    expect([v.achieved, v.failure]).toEqual([
      1000,
      'the load was not carried: 1,000 datagrams/s of 2,000 asked (7,000 of 14,000 datagrams lost)',
    ]);
  });

  it('conns: flows held are the answered less the silent; one silent fails the load, opened==target or not', () => {
    const r = resultFixture('hold', { load: 100, datagrams: { answered: 100, silent: 2 } });
    const v = judgeProbe(r, 100, conns, [parseThreshold('opened==target')]);
    expect([v.achieved, v.pass, v.failure]).toEqual([
      98,
      false,
      'the load was not carried: 98 flows of 100 asked (0 never answered, 2 went silent)',
    ]);
    const held = resultFixture('hold', { load: 100, datagrams: { answered: 100 } });
    expect(judgeProbe(held, 100, conns, [parseThreshold('opened==target')]).pass).toBe(true);
  });

  it("datagrams the generator could not send are its limit, after others' cores and the host's buffers", () => {
    const r = resultFixture('echo', { ...short, datagrams: { notSent: 250 } });
    expect(whoseLimit(r, { udp: true })).toEqual({
      limitOf: 'generator',
      why: "the generator could not send 250 datagrams: their flows' send buffers were all still queued in the kernel",
    });
    const starved = resultFixture('echo', { ...short, datagrams: { notSent: 250 }, hostUdp: { rcvbufErrors: 3 } });
    expect(whoseLimit(starved, { udp: true }).why).toMatch(/^this host's socket buffers dropped 3/);
  });
});

describe("a UDP probe's loss in the document and its line", () => {
  const find = { ...findFromArgs(['--target', '127.0.0.1:7000', '--vary', 'rate', '--slo', 'p99<1s']), def: udpRate };
  const next = { load: 2000, purpose: 'grow' as const, scout: false };

  it('kept as a percent, printed where a TCP probe prints its connect p99; a TCP probe has none', () => {
    const udp = probeRecord(find, 1, next, resultFixture('echo', { datagrams: { sent: 8000, lost: 4 } }), 7000);
    expect(udp.loss).toBe(0.05);
    expect(renderProbeLine(udp, 'datagrams/s')).toMatch(/ p99 [\d.]+\S+ {2}loss 0\.05% {2}errors 0 {2}pass$/);
    const tcp = probeRecord(find, 2, next, resultFixture('echo'), 7000);
    expect(tcp.loss).toBeUndefined();
    expect(renderProbeLine(tcp, 'messages/s')).toMatch(/ {2}connect p99 \S+ {2}errors 0 {2}pass$/);
  });
});
