/**
 * The run's own processes as a witness (witnesses/watched.ts): its section sits in `resources`, built from its
 * record by the result builder and emptied by the merge; it warns of an exit of a process the run was asked to watch
 * (not of that process's children), and of a leak; it owns watched.rssSlope and says a run without --watch-pid
 * cannot measure it; its summary lines follow the generator's.
 */
import { describe, expect, it } from 'vitest';
import { measurable } from '../../src/gates/metric-table.js';
import { renderSummary } from '../../src/reporters/summary.js';
import { buildResult } from '../../src/result/build.js';
import { mergeResults } from '../../src/result/merge.js';
import { watchedWitness } from '../../src/witnesses/watched.js';
import { sectionOf } from '../../src/witnesses/witness.js';
import { fixtureConfig, fixtureInputs, fixtureOutcome } from '../fixtures/outcome.js';

const summary = (pid: number, exited: boolean) => ({
  pid,
  role: 'watched' as const,
  name: `p${pid}`,
  samples: 3,
  cpuPercentMean: 10,
  cpuPercentMax: 12,
  maxRssBytes: 2 ** 20,
  exited,
  exitedAfterS: exited ? 2 : null,
});
const NO_MARKS = { baseline: {}, ramped: {}, measureStart: {}, measureEnd: {} };

function built(watchPids: number[], summaries: ReturnType<typeof summary>[]) {
  const config = { ...fixtureConfig(['--target', '127.0.0.1:7000']), watchPids };
  const base = fixtureOutcome();
  const outcome = { ...base, witnesses: { ...base.witnesses, watched: { summaries, marks: NO_MARKS } } };
  return buildResult(fixtureInputs(config, outcome));
}

describe("the watched processes' witness", () => {
  it('builds resources.watched from its record, read back by sectionOf', () => {
    const r = built([41], [summary(41, false)]);
    expect(r.resources.watched.map((w) => w.pid)).toEqual([41]);
    expect(sectionOf(watchedWitness, r)).toBe(r.resources.watched);
    expect(r.resources.watched[0].cost?.cpuUsPerRoundTrip).toBeNull();
  });

  it('warns of an asked process that exited, not of its child, and prints its line after the generator', () => {
    // 41 was asked (--watch-pid 41); 42 is its child, watched in its role.
    const r = built([41], [summary(41, true), summary(42, true)]);
    const exits = r.warnings.filter((w) => w.includes('exited'));
    expect(exits).toEqual(['watched process 41 (p41) exited after 2 s; its sampling stopped there']);
    const lines = renderSummary(r, null).split('\n');
    const generator = lines.findIndex((l) => l.startsWith('generator    '));
    expect(lines[generator + 1]).toMatch(/^watched {6}pid 41 \(p41\): CPU mean 10% max 12%, max RSS 1\.0 MiB, exited/);
    expect(lines[generator + 2]).toMatch(/^watched {6}pid 42 \(p42\)/);
  });

  it('its merge keeps no process (each shard watched its own machine)', () => {
    const shard = (index: number) => {
      const r = built([41], [summary(41, false)]);
      return { ...r, config: { ...r.config, shard: { index, count: 2, totalConns: 200 } } };
    };
    const merged = mergeResults(
      [
        { file: 'a', result: shard(0) },
        { file: 'b', result: shard(1) },
      ],
      { acceptPartial: false, command: [] },
    );
    expect(merged.resources.watched).toEqual([]);
  });

  it('owns watched.rssSlope: a run without --watch-pid cannot measure it', () => {
    const config = { mode: 'echo', churnEcho: false, target: null, watchPids: [], scrape: undefined } as const;
    expect(measurable('watched.rssSlope', config)).toBe('watched.rssSlope needs --watch-pid');
    expect(measurable('watched.rssSlope', { ...config, watchPids: [41] })).toBeNull();
    expect('watched.rssSlope' in watchedWitness.metrics).toBe(true);
  });
});
