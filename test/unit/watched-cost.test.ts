/**
 * The watched process's cost and the leak verdict (witnesses/watched-cost.ts: the watched witness's section) on built
 * timelines: RSS per session and CPU per unit of work, and the slope rule proven both ways: a flat process, a steady
 * climb (a leak), RSS settling after the ramp (no leak), and a window too short for any slope (null, with the reason
 * a threshold repeats).
 */
import { describe, expect, it } from 'vitest';
import type { TimelineRow } from '../../src/documents/result.js';
import { stepMetrics } from '../../src/gates/metric-table.js';
import { judgeRun, parseThreshold } from '../../src/gates/thresholds.js';
import { buildResult } from '../../src/result/build.js';
import { LEAK_MIN_WINDOW_S, leakSuspected, settledSlope, type WatchedMarks } from '../../src/witnesses/watched-cost.js';
import { fixtureConfig, fixtureInputs, fixtureOutcome, timelineRowFixture } from '../fixtures/outcome.js';

const MiB = 1024 * 1024;
const config = fixtureConfig(['--target', '127.0.0.1:7000']);
const row = (t: number, rssBytes: number): TimelineRow =>
  timelineRowFixture({ t, open: 100, watched: [{ pid: 99, cpuPercent: 10, rssBytes }] });
/** One sample a second for `seconds` of measured phase, RSS from `rss(i)`. */
const timeline = (seconds: number, rss: (i: number) => number): TimelineRow[] =>
  Array.from({ length: seconds }, (_, i) => row(i + 1, rss(i)));
const watched = {
  pid: 99,
  role: 'watched' as const,
  name: 'haproxy',
  samples: 12,
  cpuPercentMean: 10,
  cpuPercentMax: 12,
  maxRssBytes: 0,
  exited: false,
  exitedAfterS: null,
};
type Marks = WatchedMarks;
const NO_MARKS: Marks = { baseline: {}, ramped: {}, measureStart: {}, measureEnd: {} };
/** The fixture outcome with the watched witness's record: these processes' summaries and marks. */
const outcomeWith = (summaries: (typeof watched)[], timeline: TimelineRow[], marks: Marks = NO_MARKS) => {
  const base = fixtureOutcome(100, { timeline });
  return { ...base, witnesses: { ...base.witnesses, watched: { summaries, marks } } };
};
const build = (rows: TimelineRow[]) => buildResult(fixtureInputs(config, outcomeWith([watched], rows)));

describe("the watched process's cost per unit of work", () => {
  it('RSS per held session, CPU per round trip, and no leak for a steady process', () => {
    const outcome = outcomeWith(
      [watched],
      timeline(40, (i) => 50 * MiB + (i % 2) * 4096),
      {
        baseline: { 99: { rssBytes: 40 * MiB, cpuMs: 100 } },
        ramped: { 99: { rssBytes: 40 * MiB + 100 * 2048, cpuMs: 150 } },
        measureStart: { 99: { rssBytes: 50 * MiB, cpuMs: 200 } },
        measureEnd: { 99: { rssBytes: 50 * MiB, cpuMs: 1200 } },
      },
    );
    const r = buildResult(fixtureInputs(config, outcome));
    expect(r.resources.watched[0].cost).toMatchObject({
      rssPerSessionBytes: 2048,
      // 1,000 ms of CPU over 10,000 round trips
      cpuUsPerRoundTrip: 100,
      cpuUsPerConnection: null,
      rssSlopeNote: null,
      leakSuspected: false,
    });
    expect(Math.abs(r.resources.watched[0].cost!.rssSlopeMiBPerHour!)).toBeLessThan(1);
    expect(r.warnings.join('\n')).not.toMatch(/leak/);
  });

  it('embedded target processes each carry their share: the cost is over the sessions each holds', () => {
    const target = (pid: number) => ({ ...watched, pid, role: 'target' as const, name: 'node' });
    const mark = (rssBytes: number, cpuMs: number) => ({ 7: { rssBytes, cpuMs }, 8: { rssBytes, cpuMs } });
    const outcome = outcomeWith([target(7), target(8)], [], {
      baseline: mark(40 * MiB, 100),
      // Each of the two grew by 50 sessions' worth at 2,048 B: 50 of the 100 sessions are its own.
      ramped: mark(40 * MiB + 50 * 2048, 150),
      measureStart: mark(50 * MiB, 200),
      measureEnd: mark(50 * MiB, 700),
    });
    const r = buildResult(fixtureInputs(config, outcome));
    // 500 ms of CPU each over its 5,000 of the 10,000 round trips.
    for (const w of r.resources.watched)
      expect(w.cost).toMatchObject({ rssPerSessionBytes: 2048, cpuUsPerRoundTrip: 100 });
  });
});

describe('the leak verdict: a minimum window, the settling half set aside, the pace kept', () => {
  it('a steady climb over the measured phase is a suspected leak, with its slope, and a threshold names it', () => {
    const r = build(timeline(40, (i) => 50 * MiB + i * MiB));
    expect(r.resources.watched[0].cost).toMatchObject({ rssSlopeMiBPerHour: 3600, rssSlopeR2: 1, leakSuspected: true });
    expect(r.warnings.join('\n')).toMatch(/watched process 99 \(haproxy\) grew its RSS steadily .* 3600 MiB per hour/);
    expect(stepMetrics(r)['watched.rssSlope']).toBe(3600);
  });

  it('RSS settling after the ramp (fast, then ever slower) is no leak, and its slope is the settled half', () => {
    // 120 MiB approached with a 10 s time constant: the first half's pace is ~5x the second's.
    const r = build(timeline(40, (i) => 200 * MiB + 120 * MiB * (1 - Math.exp(-i / 10))));
    const cost = r.resources.watched[0].cost!;
    expect(cost.leakSuspected).toBe(false);
    expect(r.warnings.join('\n')).not.toMatch(/leak/);
    // The fit over the first 20 s would say ~13,000 MiB/h; the settled half says far less.
    expect(cost.rssSlopeMiBPerHour!).toBeLessThan(3000);
    // The same curve passes the steadiness and growth tests in its second half: only the pace rule stops it.
    const s = settledSlope(
      99,
      timeline(40, (i) => 200 * MiB + 120 * MiB * (1 - Math.exp(-i / 10))),
    );
    expect(s.settled!.r2).toBeGreaterThan(0.8);
    expect(leakSuspected(s.settled!, null)).toBe(true);
    expect(leakSuspected(s.settled!, s.settling)).toBe(false);
  });

  it('a leak that keeps its pace after a settling is still found', () => {
    // 30 MiB of settling (5 s time constant) over a 1 MiB/s leak, 60 s measured.
    const r = build(timeline(60, (i) => 200 * MiB + 30 * MiB * (1 - Math.exp(-i / 5)) + i * MiB));
    expect(r.resources.watched[0].cost).toMatchObject({ leakSuspected: true });
    expect(r.resources.watched[0].cost!.rssSlopeMiBPerHour!).toBeGreaterThan(3500);
  });

  it('under the minimum window there is no slope at all: null with the reason, and a threshold says it', () => {
    // The false alarm: 20 s right after a ramp, climbing at ~1,200 MiB/h.
    const rows = timeline(20, (i) => 300 * MiB + i * 0.33 * MiB + (i % 3) * 0.2 * MiB);
    const r = build(rows);
    expect(r.resources.watched[0].cost).toMatchObject({
      rssSlopeMiBPerHour: null,
      rssSlopeR2: null,
      leakSuspected: false,
    });
    expect(r.resources.watched[0].cost!.rssSlopeNote).toMatch(
      new RegExp(`measured 20 s of RSS, under the ${LEAK_MIN_WINDOW_S} s a slope needs`),
    );
    expect(r.warnings.join('\n')).not.toMatch(/leak/);
    expect(stepMetrics(r)['watched.rssSlope']).toBeNull();
    const judged = judgeRun(r, [parseThreshold('watched.rssSlope<50')]);
    expect(judged.thresholds![0]).toMatchObject({ pass: false, actual: null });
    expect(judged.thresholds![0].reason).toMatch(/no samples for watched.rssSlope.*\(measured 20 s of RSS, under/);
  });

  it('the window is the measured phase: ramp and warm-up rows are not in the fit', () => {
    const ramp = Array.from({ length: 60 }, (_, i) => ({
      ...row(i + 1, 10 * MiB + i * 5 * MiB),
      phase: 'ramp' as const,
    }));
    const measured = timeline(35, () => 310 * MiB).map((x) => ({ ...x, t: x.t + 60 }));
    const r = build([...ramp, ...measured]);
    expect(r.resources.watched[0].cost).toMatchObject({ rssSlopeMiBPerHour: 0, leakSuspected: false });
  });
});
