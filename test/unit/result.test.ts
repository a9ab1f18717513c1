/**
 * The result document from known inputs, without a socket: buildResult's figures and verdicts, mergeResults'
 * exact merge (and its one peak rule), resolveRunConfig's defaults, and renderSummary's text against a golden file
 * (L4STRESS_UPDATE_GOLDEN=1 rewrites it after a deliberate change).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/documents/result.js';
import { stepMetrics } from '../../src/gates/metric-table.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { renderSummary } from '../../src/reporters/summary.js';
import { buildResult } from '../../src/result/build.js';
import { mergeResults } from '../../src/result/merge.js';
import { connectTimeoutWarnings, unservedWarnings } from '../../src/result/warnings.js';
import {
  fixtureConfig,
  fixtureInputs,
  fixtureOutcome,
  kernelReading,
  timelineRowFixture,
  workerReport,
} from '../fixtures/outcome.js';
import { ROOT } from '../helpers/cli.js';

describe('resolveRunConfig', () => {
  it('gives the documented defaults', () => {
    expect(fixtureConfig(['--target', '127.0.0.1:7000'])).toMatchObject({
      mode: 'echo',
      conns: 100,
      durationMs: 10_000,
      warmupMs: 1000,
      maxConnecting: 512,
      connectTimeoutMs: 5000,
      sizeBytes: 64,
      closeStyle: 'fin',
      proxy: { version: 'none' },
      scenario: 'echo-c100-none',
      rampStallMs: 10_000,
    });
  });
});

describe('buildResult', () => {
  const config = fixtureConfig(['--target', '127.0.0.1:7000']);
  const result = buildResult(fixtureInputs(config, fixtureOutcome()));

  it('is a valid result document with the figures its inputs imply', () => {
    expect(runResultSchema.safeParse(result).success).toBe(true);
    expect(result.status).toBe('completed');
    expect(result.connections).toMatchObject({ target: 100, attempted: 100, established: 100, peak: 100 });
    expect(result.throughput.roundTrips).toBe(10_000);
    expect(result.throughput.roundTripsPerSecond).toBe(1000);
    expect(result.latency.roundTripUs).toMatchObject({ count: 10_000, min: 100, p50: 149 });
    expect(result.latency.connectUs.p50).toBe(1000);
    expect(result.resources.generator.memoryPerConnectionBytes).toBe(1500);
    expect(result.warnings).toEqual([]);
  });

  it('drops are the target doing: status, error total and the warning that says so', () => {
    const dropped = fixtureOutcome();
    dropped.reports[0].counters.dropped = { EOF: 7 };
    const r = buildResult(fixtureInputs(config, dropped));
    expect(r.status).toBe('completed-with-errors');
    expect(r.connections.dropped).toEqual({ total: 7, byKind: { EOF: 7 } });
    expect(r.warnings.join('\n')).toMatch(/the target ended 7 established sessions \(closed \(EOF\) 7\)/);
  });
});

describe('the kernel witness', () => {
  const config = fixtureConfig(['--target', '127.0.0.1:7000']);

  it('keeps the counter deltas and the TIME_WAIT gauges; a clean run warns of nothing', () => {
    const r = buildResult(fixtureInputs(config, fixtureOutcome()));
    expect(r.kernel?.counters.synRetrans).toBe(0);
    expect(r.kernel?.before.timeWait).toBe(1200);
    expect(r.warnings).toEqual([]);
  });

  it('SYN retransmits with accept-queue overflows are explained, with the connect p99 they made', () => {
    const outcome = fixtureOutcome(100, {
      witnesses: {
        ...fixtureOutcome().witnesses,
        kernel: {
          before: kernelReading(10, 31_000),
          after: {
            ...kernelReading(10, 31_500),
            counters: { ...kernelReading(10, 0).counters, synRetrans: 51, listenOverflows: 51 },
          },
        },
        machine: { unavailable: [] },
        udp: { measured: false, from: null, to: null },
        scrape: null,
      },
    });
    const r = buildResult(fixtureInputs(config, outcome));
    expect(r.kernel?.counters).toMatchObject({ synRetrans: 41, listenOverflows: 41, retransSegs: 0 });
    const text = r.warnings.join('\n');
    expect(text).toMatch(
      /^connect p99 1\.00ms: 41 SYN retransmits .* the accept queue overflowed 41 times \(ListenOverflows\): raise/m,
    );
    expect(text).toMatch(/31,000 sockets were in TIME_WAIT before the run/);
    expect(parseThreshold('kernel.synRetrans==0').metric).toBe('kernel.synRetrans');
    expect(stepMetrics(r)['kernel.synRetrans']).toBe(41);
  });

  it("connects that timed out while the kernel lost no SYN are the machine's, said so; after SYN losses, not", () => {
    const clean = buildResult(fixtureInputs(config, fixtureOutcome())).kernel;
    expect(connectTimeoutWarnings(157, clean, 5000, 4_760_000).join('\n')).toMatch(
      /^157 connects timed out .* no SYN .* the generator got to them late \(connect p99 4\.76s\): this machine's/,
    );
    expect(
      connectTimeoutWarnings(157, { ...clean!, counters: { ...clean!.counters, synRetrans: 3 } }, 5000, null),
    ).toEqual([]);
    expect(connectTimeoutWarnings(0, clean, 5000, null)).toEqual([]);
  });
});

describe('mergeResults', () => {
  const shard = (index: number, startMs: number) => {
    const config = fixtureConfig(['--target', '127.0.0.1:7000', '--conns', '200', '--shard', `${index}/2`]);
    const outcome = fixtureOutcome(100, {
      startedAt: new Date(startMs),
      endedAt: new Date(startMs + 11_500),
      // Each shard peaked at 100 open, but not in the same second: their peaks must not simply add up.
      timeline: [0, 1, 2].map((t) => timelineRowFixture({ t: t + 1, open: t === index ? 100 : 40 })),
    });
    outcome.reports = [workerReport(0, 50, 5000), workerReport(1, 50, 5000)];
    // At the end 20 of each worker's sessions were still open.
    for (const r of outcome.reports) r.counters.open = 20;
    return { file: `s${index}.json`, result: buildResult(fixtureInputs(config, outcome)) };
  };
  const t0 = Date.parse('2026-12-01T10:00:00Z');
  const merged = mergeResults([shard(0, t0), shard(1, t0)], { acceptPartial: false, command: ['merge'] });

  it('sums counts, merges histograms exactly, and restores the run totals', () => {
    expect(runResultSchema.safeParse(merged).success).toBe(true);
    expect(merged.config).toMatchObject({ conns: 200, shard: null, out: null });
    expect(merged.connections).toMatchObject({ target: 200, attempted: 200, established: 200 });
    expect(merged.throughput.roundTrips).toBe(20_000);
    expect(merged.latency.roundTripUs).toMatchObject({ count: 20_000, min: 100, p50: 149 });
    expect(merged.mergedFrom?.map((m) => m.index)).toEqual([0, 1]);
  });

  it('the peak is the one peak rule on the merged timeline: 140 at once, not 100 + 100', () => {
    expect(merged.timeline.map((r) => r.open)).toEqual([140, 140, 80]);
    expect(merged.connections.peak).toBe(140);
  });

  it('refuses shards that did not run at the same time (another day), naming both', () => {
    const other = shard(1, t0 + 24 * 3600_000);
    expect(() => mergeResults([shard(0, t0), other], { acceptPartial: false, command: ['merge'] })).toThrow(
      /^merge: s1.json \(2026-12-02T10:00:00.000Z to .*\) did not run at the same time as s0.json \(2026-12-01T10/,
    );
  });
});

describe('renderSummary', () => {
  it('matches its golden text', () => {
    const config = fixtureConfig(['--target', '127.0.0.1:7000', '--proxy', 'v2']);
    const outcome = fixtureOutcome();
    for (const r of outcome.reports) {
      Object.assign(r.counters, { headersSent: 50, headerBytes: 50 * 28 });
      r.headerSizes = { 28: 50 };
      r.headerBuildUs = 50;
    }
    const text = renderSummary(buildResult(fixtureInputs(config, outcome)), 'results/fixture.json');
    const golden = path.join(ROOT, 'test/fixtures/golden/summary-echo.txt');
    if (process.env.L4STRESS_UPDATE_GOLDEN) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });
});

describe('UDP flows never answered: the note names only the causes the figures show', () => {
  it('a peer that answers garbage is not told as a closed port', () => {
    const [note] = unservedWarnings(3, { corrupt: 28, refused: 0 });
    expect(note).toMatch(/^3 flows were never answered .*28 corrupt/);
    expect(note).not.toMatch(/ECONNREFUSED/);
  });

  it('ICMP port unreachable is named with its count; an ingress that dropped the flows stays a cause', () => {
    const [note] = unservedWarnings(2, { corrupt: 0, refused: 6 });
    expect(note).toMatch(/ECONNREFUSED 6: ICMP port unreachable\), or the ingress dropped the flows/);
    expect(note).not.toMatch(/corrupt/);
  });
});
