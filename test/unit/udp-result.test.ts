/**
 * A UDP run's result from known inputs, without a socket: the datagrams section built from the workers' counters
 * and reports, its loss and silent flows, its metrics, its summary lines, and two shards merged into one.
 */
import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/documents/result.js';
import { METRICS } from '../../src/gates/metric-table.js';
import { loadChartKit } from '../../src/reporters/html/charts.js';
import { datagramsSection } from '../../src/reporters/html/datagrams.js';
import { figure, table } from '../../src/reporters/html/page.js';
import { renderSummary } from '../../src/reporters/summary.js';
import { buildResult } from '../../src/result/build.js';
import { mergeDatagrams } from '../../src/result/datagrams.js';
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

  it("has its rows in the HTML report's Datagrams (UDP) section; a TCP run has none", async () => {
    const tcp = buildResult(fixtureInputs(fixtureConfig(['--target', '127.0.0.1:7000']), fixtureOutcome()));
    const kit = await loadChartKit();
    expect(datagramsSection(kit, [{ label: 'tcp', result: tcp }], { table, figure })).toEqual([]);
    const html = datagramsSection(
      kit,
      [
        { label: 'udp', result: r },
        { label: 'tcp', result: tcp },
      ],
      { table, figure },
    ).join('\n');
    expect(html).toContain('<tr><td>udp</td><td>20,200</td><td>20,190</td><td>10</td><td>0.0495%</td>');
    // Flows answered of the target, never answered, silent at the stop.
    expect(html).toMatch(/<tr><td>udp<\/td><td>100\/100<\/td><td>\d+<\/td><td>2<\/td>/);
    expect(html).not.toContain('<td>tcp</td>');
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

  it("merges jitter as the mean over every answered flow: each shard's mean weighted by its flows", () => {
    const shard = (i: number, jitterMs: number, answered: number) => {
      const result = udpResult(['--shard', `${i}/2`, '--seed', '7']);
      result.datagrams = { ...result.datagrams!, jitterMs, flows: { ...result.datagrams!.flows, answered } };
      return result;
    };
    // 30 flows at 1 ms and 10 at 3 ms: 1.5 ms over the 40 flows (a plain mean of the two shards would say 2).
    expect(mergeDatagrams([shard(0, 1, 30), shard(1, 3, 10)])?.jitterMs).toBeCloseTo(1.5, 12);
  });
});
