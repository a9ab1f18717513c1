/**
 * The run's side of the witness seam: the tick collector starts every witness with the load's clock, tells each a
 * phase as it changes, and has each write its field of every row it makes, with the run's own CPU that second.
 * Fake witnesses record what they were told; no worker runs (an empty quorum: a tick closes with what arrived).
 */
import { describe, expect, it } from 'vitest';
import type { Phase, TimelineRow } from '../../src/documents/result.js';
import { PidWatcher } from '../../src/instruments/pid-watch.js';
import { ProcessUsageSampler } from '../../src/instruments/process-usage.js';
import { TickCollector } from '../../src/run/tick-collector.js';
import { WorkerQuorum } from '../../src/run/worker-quorum.js';
import { WITNESSES } from '../../src/witnesses/list.js';
import { type LiveWitness, live } from '../../src/witnesses/witness.js';

function recorder(name: string, heard: string[]): LiveWitness<string> {
  return live({
    start: () => heard.push(`${name} start`),
    phase: (p: Phase) => heard.push(`${name} ${p}`),
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
      new PidWatcher([]),
      [recorder('a', heard), recorder('b', heard)],
      (row) => rows.push(row),
    );
    ticks.startClock();
    await ticks.fresh(5);
    ticks.phase = 'measure';
    await ticks.fresh(5);
    ticks.stop();
    expect(heard).toEqual([
      'a start',
      'b start',
      'a tick ramp true',
      'b tick ramp true',
      'a measure',
      'b measure',
      'a tick measure true',
      'b tick measure true',
    ]);
    expect(rows.map((r) => [r.phase, r.scrape])).toEqual([
      ['ramp', { a: 1, b: 1 }],
      ['measure', { a: 1, b: 1 }],
    ]);
  });

  it("every listed witness's live part runs a whole run without workers, and stops with its record", async () => {
    const config = { mode: 'echo', churnEcho: false, target: null, watchPids: [], scrape: undefined } as const;
    const lives = WITNESSES.map((w) => w.live({ config, loadThreads: () => [], pidsOf: () => [] }));
    const rows: TimelineRow[] = [];
    const ticks = new TickCollector(
      new WorkerQuorum([]),
      () => {},
      new ProcessUsageSampler(),
      new PidWatcher([]),
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
    for (const w of WITNESSES) expect(() => w.section(records[w.key], { timeline: rows, cores: 2 })).not.toThrow();
  });
});
