/** The schedule verdicts as pure functions: which side is blamed, and when a run fails for it. */
import { describe, expect, it } from 'vitest';
import { connectVerdict } from '../../src/result/connect-verdict.js';
import { scheduleVerdict } from '../../src/result/schedule-verdict.js';
import { generatorFellBehind, lateToleranceMs } from '../../src/worker-contract/schedule.js';

const paced = {
  intendedPerSecond: 50,
  conns: 50,
  pacedMs: 3000,
  missed: 0,
  late: 0,
  roundTrips: 150,
  lagP99Us: 30_000,
  serviceP50Us: 80,
  pacedSends: 100,
  leftLate: 0,
  toleranceMs: 100,
};

describe('the open-loop schedule', () => {
  it('the tolerance is a tenth of each connection interval, never under 1 ms', () => {
    expect(lateToleranceMs(50, 50)).toBe(100); // hold: a ping a second per session
    expect(lateToleranceMs(500, 20)).toBe(4);
    expect(lateToleranceMs(100_000, 10)).toBe(1);
  });

  it('a few late sends, however late, do not fail a run; a recurring stall does', () => {
    expect(generatorFellBehind(5, 150)).toBe(false); // three 30 ms pauses in a hold run
    expect(generatorFellBehind(19, 100)).toBe(false); // under the minimum count
    expect(generatorFellBehind(160, 1000)).toBe(true); // 20 ms in every 100 ms
    expect(generatorFellBehind(40, 1000)).toBe(false); // 4%
  });

  it('a pacer p99 lag of 30 ms with nothing left late passes (the old rule failed it)', () => {
    expect(scheduleVerdict(paced)).toMatchObject({ behind: false, generatorBehind: false });
  });

  it('sends left late past the share fail, blaming the generator', () => {
    const v = scheduleVerdict({ ...paced, pacedSends: 1000, leftLate: 160, toleranceMs: 4, intendedPerSecond: 500 });
    expect(v).toMatchObject({ behind: true, generatorBehind: true });
    expect(v.message).toMatch(/^the generator could not keep the schedule: 160 of 1,000 measured sends left more/);
  });

  it('misses with the generator on time blame the target, not the generator', () => {
    const v = scheduleVerdict({ ...paced, missed: 30, serviceP50Us: 80 });
    expect(v).toMatchObject({ behind: true, generatorBehind: false });
    expect(v.message).toMatch(/the target did not answer in time \(the generator kept its schedule\)/);
  });

  it('a UDP stream late at 10,000/s with a 44 ms round trip: thread advice, never --conns for round trips', () => {
    // Issue 33: "one round trip takes 44.1ms ... use more connections (--conns 662 or more)" on a UDP stream.
    const stream = { ...paced, intendedPerSecond: 10_000, conns: 100, serviceP50Us: 44_100, toleranceMs: 1 };
    const tcp = scheduleVerdict({ ...stream, pacedSends: 100_000, leftLate: 20_000 });
    expect(tcp.message).toMatch(/use more connections \(--conns 662 or more\)/);
    const v = scheduleVerdict({ ...stream, pacedSends: 100_000, leftLate: 20_000, udp: true });
    expect(v).toMatchObject({ behind: true, generatorBehind: true });
    expect(v.message).not.toMatch(/round trip|--conns \d/);
    expect(v.message).toMatch(/spread the flows over more --workers or --processes, or lower --rate/);
  });

  it('UDP misses (a flow never waits, so never from round trips) name the target, not --conns', () => {
    const v = scheduleVerdict({ ...paced, missed: 30, serviceP50Us: 200_000, udp: true });
    expect(v.message).toMatch(/the target did not answer in time/);
    expect(v.message).not.toMatch(/--conns/);
  });
});

describe('the connect schedule (--connect-rate)', () => {
  const config = { mode: 'connect' as const, connectRate: 20_000, conns: 100, maxConnecting: 512 };
  const clean = { attempted: 40_000, connectFailed: {} };
  it('kept: no verdict', () => {
    expect(connectVerdict(config, { ...clean, connectHeldInFlight: 0, connectHeldByConns: 0 }, 19_000, 300)).toEqual({
      behind: false,
      limit: null,
      message: null,
    });
  });

  it('connects piled up in flight: the target is the limit, reported not failed', () => {
    const v = connectVerdict(config, { ...clean, connectHeldInFlight: 900, connectHeldByConns: 10 }, 6699, 40_000);
    expect(v).toMatchObject({ behind: false, limit: 'target' });
    expect(v.message).toMatch(/^churn reached 6,699 connections\/s of the 20,000\/s asked .* the target's limit/);
  });

  it('every cycle slot busy: too few --conns, failed with the number that would carry it', () => {
    const v = connectVerdict(config, { ...clean, connectHeldInFlight: 0, connectHeldByConns: 800 }, 6699, 300);
    expect(v).toMatchObject({ behind: true, limit: 'setup' });
    expect(v.message).toMatch(/raise --conns to [\d,]+ or more/);
  });

  it("every slot busy while the accept queue overflowed: the target's accept queue, never 'raise --conns'", () => {
    const held = { ...clean, connectHeldInFlight: 0, connectHeldByConns: 800 };
    const v = connectVerdict(config, held, 3809, 1_000_000, { listenOverflows: 643, synRetrans: 500 });
    expect(v).toMatchObject({ behind: false, limit: 'target' });
    expect(v.message).toMatch(/its accept queue overflowed \(643 ListenOverflows, 500 SYN retransmits\)/);
    expect(v.message).not.toMatch(/--conns/);
  });

  it('a target that refused most connects is the target, never the slots nor the generator', () => {
    const refused = { attempted: 502, connectFailed: { ECONNREFUSED: 502 }, connectHeldInFlight: 0 };
    const v = connectVerdict(config, { ...refused, connectHeldByConns: 800 }, 0, null);
    expect(v).toMatchObject({ behind: false, limit: 'target' });
    expect(v.message).toMatch(/refused or did not answer 502 of 502 connects/);
  });

  it('nothing held a connect back: the generator is the limit, failed', () => {
    const v = connectVerdict(config, { ...clean, connectHeldInFlight: 0, connectHeldByConns: 0 }, 6699, 300);
    expect(v).toMatchObject({ behind: true, limit: 'generator' });
    expect(v.message).toMatch(/the generator's limit/);
  });
});
