/**
 * The run's side of the witness seam: the tick collector starts every witness with the load's clock, tells each a
 * phase as it changes, and has each write its field of every row it makes, with the run's own CPU that second.
 * Fake witnesses record what they were told; no worker runs (an empty quorum: a tick closes with what arrived).
 */
import { describe, expect, it } from 'vitest';
import type { Phase, TimelineRow } from '../../src/documents/result.js';
import { emptyCounters } from '../../src/instruments/counters.js';
import { ProcessUsageSampler } from '../../src/instruments/process-usage.js';
import { TickCollector } from '../../src/run/tick-collector.js';
import { WorkerQuorum } from '../../src/run/worker-quorum.js';
import { WITNESSES } from '../../src/witnesses/list.js';
import { type LiveWitness, live } from '../../src/witnesses/witness.js';

function recorder(name: string, heard: string[]): LiveWitness<string> {
  return live({
    start: () => heard.push(`${name} start`),
    phase: (p: Phase) => heard.push(`${name} ${p}`),
    moment: (m) => heard.push(`${name} at ${m}`),
    tick: (row: TimelineRow, { ourCores }) => {
      heard.push(`${name} tick ${row.phase} ${Number.isFinite(ourCores)}`);
      row.scrape = { ...row.scrape, [name]: 1 };
    },
    stop: () => name,
  });
}

describe('the tick collector over the witnesses', () => {
  it('starts each with the clock, tells each every phase, and has each write its field of every row', async () => {
    const heard: string[] = [];
    const rows: TimelineRow[] = [];
    const ticks = new TickCollector(
      new WorkerQuorum([]),
      () => {},
      new ProcessUsageSampler(),
      [recorder('a', heard), recorder('b', heard)],
      (row) => rows.push(row),
    );
    ticks.moment('ready');
    ticks.startClock();
    await ticks.fresh(5);
    ticks.moment('ramped');
    ticks.phase = 'measure';
    ticks.moment('measure-start');
    await ticks.fresh(5);
    ticks.moment('measure-end');
    ticks.stop();
    expect(heard).toEqual([
      'a at ready',
      'b at ready',
      'a start',
      'b start',
      'a tick ramp true',
      'b tick ramp true',
      'a at ramped',
      'b at ramped',
      'a measure',
      'b measure',
      'a at measure-start',
      'b at measure-start',
      'a tick measure true',
      'b tick measure true',
      'a at measure-end',
      'b at measure-end',
    ]);
    expect(rows.map((r) => [r.phase, r.scrape])).toEqual([
      ['ramp', { a: 1, b: 1 }],
      ['measure', { a: 1, b: 1 }],
    ]);
  });

  it("every listed witness's live part runs a whole run without workers, and stops with its record", async () => {
    const config = { mode: 'echo', churnEcho: false, target: null, watchPids: [], scrape: undefined } as const;
    const lives = WITNESSES.map((w) => w.live({ config, loadThreads: () => [], pidsOf: () => [], processes: [] }));
    const rows: TimelineRow[] = [];
    const ticks = new TickCollector(
      new WorkerQuorum([]),
      () => {},
      new ProcessUsageSampler(),
      lives,
      (row) => rows.push(row),
    );
    ticks.startClock();
    ticks.phase = 'measure';
    await ticks.fresh(5);
    ticks.phase = 'stopping';
    ticks.stop();
    const records = Object.fromEntries(WITNESSES.map((w, i) => [w.key, lives[i].stop()]));
    expect(Object.keys(records)).toEqual(WITNESSES.map((w) => w.key));
    // Without --scrape the scrape witness records nothing and writes no row field.
    expect(records.scrape).toBeNull();
    expect(rows[0].scrape).toBeUndefined();
    // Each record builds its section (null or a section, never a throw).
    const run = { timeline: rows, cores: 2, totals: emptyCounters(), measuredRoundTrips: 0, longLived: true };
    for (const w of WITNESSES) expect(() => w.section(records[w.key], run)).not.toThrow();
  });

  it("the run's own CPU each second counts the watched processes the first witness wrote in the row", async () => {
    const seen: number[] = [];
    const writer = live({
      tick: (row: TimelineRow) => {
        row.watched = [{ pid: 1, cpuPercent: 150, rssBytes: 0 }];
      },
      stop: () => null,
    });
    const reader = live({ tick: (_row: TimelineRow, { ourCores }) => seen.push(ourCores), stop: () => null });
    const ticks = new TickCollector(
      new WorkerQuorum([]),
      () => {},
      new ProcessUsageSampler(),
      [writer, reader],
      () => {},
    );
    ticks.startClock();
    await ticks.fresh(5);
    ticks.stop();
    // 1.5 cores of the watched process, and this process's own (at least 0).
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThanOrEqual(1.5);
    expect(WITNESSES[0].key).toBe('watched');
  });
});
