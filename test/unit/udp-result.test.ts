/**
 * A UDP run's result from known inputs, without a socket: the datagrams section built from the workers' counters
 * and reports, its loss and silent flows, its metrics, its summary lines, and two shards merged into one.
 */
import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/documents/result.js';
import { METRICS } from '../../src/gates/metric-table.js';
import { datagramsRows } from '../../src/reporters/html/datagrams-table.js';
import { renderSummary } from '../../src/reporters/summary.js';
import { buildResult } from '../../src/result/build.js';
import { mergeResults } from '../../src/result/merge.js';
import { fixtureConfig, fixtureInputs, fixtureOutcome, workerReport } from '../fixtures/outcome.js';

const start = Date.parse('2026-12-01T10:00:00Z');

/** One worker of `flows` UDP flows: `sent` datagrams, `lost` of them, a silent flow 3 s after the start. */
function udpReport(worker: number, flows: number, sent: number, lost: number) {
  const r = workerReport(worker, flows, sent - lost);
  Object.assign(r.counters, {
    opened: flows,
    datagramsSent: sent,
    datagramsReceived: sent - lost,
    datagramsLost: lost,
    datagramsReordered: 2,
    datagramsDuplicated: 1,
    silentFlows: 1,
    datagramErrors: { ECONNREFUSED: 3 },
  });
  r.udp = {
    measuredSent: sent - 100,
    measuredReceived: sent - 100 - lost,
    jitterMs: 0.25,
    quietMs: 3000,
    silent: [{ id: worker, atMs: start + 3000 }],
  };
  return r;
}

function udpResult(args: string[] = [], startMs = start) {
  const config = fixtureConfig(['--udp', '--conns', '100', '--target', '127.0.0.1:7000', ...args]);
  const outcome = fixtureOutcome(100, { startedAt: new Date(startMs), endedAt: new Date(startMs + 11_500) });
  outcome.reports = [udpReport(0, 50, 10_100, 10), udpReport(1, 50, 10_100, 0)];
  return buildResult(fixtureInputs(config, outcome));
}

describe('a UDP result', () => {
  const r = udpResult();

  it('has its datagrams section: counts, loss ratio, flows with when each went silent, jitter', () => {
    expect(runResultSchema.safeParse(r).success).toBe(true);
    expect(r.config.transport).toBe('udp');
    const d = r.datagrams!;
    expect([d.sent, d.received, d.lost, d.reordered, d.duplicated]).toEqual([20_200, 20_190, 10, 4, 2]);
    expect(d.lossRatio).toBeCloseTo(10 / 20_200, 12);
    expect(d.errors).toEqual({ ECONNREFUSED: 6 });
    expect(d.measured).toEqual({ sent: 20_000, received: 19_990, receivedPerSecond: 1999, bitsPerSecond: 1_023_488 });
    expect(d.flows).toMatchObject({ target: 100, answered: 100, neverAnswered: 0, silent: 2, quietMs: 3000 });
    expect(d.flows.silentExamples).toEqual([
      { flow: 0, silentAtS: 3 },
      { flow: 1, silentAtS: 3 },
    ]);
    expect(d.jitterMs).toBe(0.25);
    // TCP's echo framing is not a UDP run's: its stamps are counted here.
    expect(r.modeStats.integrity.enabled).toBe(false);
  });

  it('reads its metrics: loss in percent, reorder, duplicates, silent; none of them over TCP', () => {
    expect(METRICS.loss.read(r)).toBeCloseTo((10 / 20_200) * 100, 10);
    expect([METRICS.reorder.read(r), METRICS.duplicates.read(r), METRICS.silent.read(r)]).toEqual([4, 2, 2]);
    const tcp = buildResult(fixtureInputs(fixtureConfig(['--target', '127.0.0.1:7000']), fixtureOutcome()));
    expect(tcp.datagrams).toBeUndefined();
    expect(METRICS.loss.read(tcp)).toBeNull();
  });

  it('prints flows, datagrams and the delivered rate in its summary', () => {
    const text = renderSummary(r, 'r.json');
    expect(text).toMatch(/100 UDP flows to target 127\.0\.0\.1:7000, proxy none, 64 B datagrams/);
    expect(text).toMatch(/^flows {8}answered 100\/100, never answered 0, failed to open 0, silent at the stop 2/m);
    expect(text).toMatch(
      /^datagrams {4}sent 20,200, back 20,190, lost 10 \(0\.0495%\), reordered 4, duplicated 2, .*ECONNREFUSED 6/m,
    );
    expect(text).toMatch(/^delivered {4}1,999 datagrams\/s back of 64 B .*jitter 0\.250 ms/m);
    expect(text).not.toMatch(/^connections /m);
  });

  it("has its row in the HTML report's datagrams table; a TCP run has none", () => {
    const tcp = buildResult(fixtureInputs(fixtureConfig(['--target', '127.0.0.1:7000']), fixtureOutcome()));
    const rows = datagramsRows([
      { label: 'udp', result: r },
      { label: 'tcp', result: tcp },
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].slice(0, 5)).toEqual(['udp', '20,200', '20,190', '10', '0.0495%']);
    expect(rows[0].slice(9, 11)).toEqual(['100/100', '2']);
  });

  it('merges across shards: counts summed, the loss ratio of the sums', () => {
    const shard = (i: number) => ({ file: `s${i}.json`, result: udpResult(['--shard', `${i}/2`, '--seed', '7']) });
    const merged = mergeResults([shard(0), shard(1)], { acceptPartial: false, command: ['merge'] });
    expect(runResultSchema.safeParse(merged).success).toBe(true);
    const d = merged.datagrams!;
    expect([d.sent, d.lost, d.flows.silent, d.flows.target]).toEqual([40_400, 20, 4, 100]);
    expect(d.lossRatio).toBeCloseTo(20 / 40_400, 12);
    expect(merged.config.transport).toBe('udp');
  });
});
