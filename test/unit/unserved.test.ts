/**
 * Held means served (issue 30): sessions established but never answered (an ingress at its connection limit queued
 * them) are their own figure, an error with its warning and exit code, a metric, and a regression in `compare`.
 * Built results from known counters (test/fixtures/outcome.ts), no socket.
 */
import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/documents/result.js';
import { compareSummaries, DEFAULT_COMPARE } from '../../src/gates/compare.js';
import { judgeWorst } from '../../src/gates/count-verdict.js';
import { measurable, stepMetrics } from '../../src/gates/metric-table.js';
import { summaryOfRun } from '../../src/gates/single-run.js';
import { evaluateThreshold, parseThreshold } from '../../src/gates/thresholds.js';
import { comparisonVerdict } from '../../src/reporters/scenario.js';
import { renderSummary } from '../../src/reporters/summary.js';
import { buildResult } from '../../src/result/build.js';
import { resultErrorTotal } from '../../src/result/error-total.js';
import { mergeResults } from '../../src/result/merge.js';
import { fixtureConfig, fixtureInputs, fixtureOutcome, timelineRowFixture } from '../fixtures/outcome.js';

const hold = fixtureConfig(['--mode', 'hold', '-c', '400', '--target', '127.0.0.1:7000']);

/** A hold run of 400 sessions of which `unserved` (split over the two workers) never had their first echo back. */
function holdResult(unserved: number) {
  const outcome = fixtureOutcome(400);
  outcome.reports.forEach((r, i) => {
    const mine = i === 0 ? Math.ceil(unserved / 2) : Math.floor(unserved / 2);
    r.counters.opened = 200 - mine;
    r.counters.unserved = mine;
    r.counters.missing = mine;
  });
  return buildResult(fixtureInputs(hold, outcome));
}

describe('a run counts a session held only when it was served', () => {
  const parked = holdResult(80);
  const clean = holdResult(0);

  it('320 held, 80 unserved: completed with errors (exit 4), the warning, the error total', () => {
    expect(runResultSchema.safeParse(parked).success).toBe(true);
    expect(parked.modeStats.hold).toMatchObject({ held: 320, target: 400 });
    expect(parked.connections).toMatchObject({ established: 400, unserved: 80 });
    expect(parked.status).toBe('completed-with-errors');
    expect(parked.exitCode).toBe(4);
    expect(parked.warnings).toContain(
      '80 sessions were established but never answered: an ingress at its connection limit queues them ' +
        '(HAProxy maxconn, nginx worker_connections); they are not counted as held',
    );
    // The session itself and its unanswered first message (missing): one per figure.
    expect(resultErrorTotal(parked)).toBe(160);
    expect(clean).toMatchObject({ status: 'completed', exitCode: 0, connections: { unserved: 0 } });
    expect(clean.modeStats.hold?.held).toBe(400);
  });

  it('its own summary line, only when there are any', () => {
    expect(renderSummary(parked, null)).toMatch(
      /^unserved {5}80 established but never answered \(first echo never back\): not held$/m,
    );
    expect(renderSummary(parked, null)).toMatch(/^hold {9}320\/400 sessions held/m);
    expect(renderSummary(clean, null)).not.toMatch(/unserved/);
  });

  it('a threshold metric: unserved==0 fails on the worst iteration; refused in connect mode', () => {
    expect(stepMetrics(parked).unserved).toBe(80);
    expect(stepMetrics(parked).held).toBe(320);
    const verdict = evaluateThreshold(parseThreshold('unserved==0'), [stepMetrics(parked), stepMetrics(clean)]);
    expect(verdict.pass).toBe(false);
    expect(measurable('unserved', { ...hold, mode: 'connect' })).toMatch(/connect mode has none/);
    expect(measurable('unserved', hold)).toBeNull();
  });

  it('older results without the field still read (0), and a merge of shards adds them up', () => {
    const old = structuredClone(parked) as Record<string, unknown> & typeof parked;
    delete (old.connections as { unserved?: number }).unserved;
    delete (old.totals as { unserved?: number }).unserved;
    const read = runResultSchema.parse(old);
    expect(read.totals.unserved).toBe(0);
    expect(resultErrorTotal(read)).toBe(80);
  });

  it('compare: a candidate with unserved sessions where the baseline had none regresses on errors (gated)', () => {
    const report = compareSummaries(summaryOfRun(clean, 'a.json'), summaryOfRun(parked, 'b.json'));
    const row = (m: string) => report.comparisons.find((c) => c.metric === m)!;
    expect(row('errors')).toMatchObject({ gated: true, verdict: 'regressed', baselineMedian: 0, candidateMedian: 160 });
    expect(row('unserved')).toMatchObject({ gated: false, verdict: 'regressed', candidateMedian: 80 });
    expect(row('dropped')).toMatchObject({ verdict: 'unchanged' });
    expect(report.regressed).toBe(true);
    expect(comparisonVerdict(report)).toBe('verdict: REGRESSED: errors; also worse: unserved');
    const back = compareSummaries(summaryOfRun(parked, 'b.json'), summaryOfRun(clean, 'a.json'));
    expect(back.regressed).toBe(false);
    expect(back.comparisons.find((c) => c.metric === 'unserved')?.verdict).toBe('improved');
    // Gated on latency alone, the table still says what got worse.
    const p95Only = compareSummaries(summaryOfRun(clean, 'a.json'), summaryOfRun(parked, 'b.json'), {
      ...DEFAULT_COMPARE,
      gate: ['p95'],
    });
    expect(comparisonVerdict(p95Only)).toBe(
      'verdict: no regression (gated metrics); worse but not gated: errors, unserved',
    );
  });
});

describe('counted events compare by the worst iteration, without a test', () => {
  const judge = (b: number[], c: number[]) => judgeWorst('s', 'errors', b, c, true, 0.1);

  it('any where the baseline had none regresses, whatever the medians', () => {
    expect(judge([0, 0, 0], [0, 0, 80]).verdict).toBe('regressed');
    expect(judge([0], [1]).verdict).toBe('regressed');
    expect(judge([0, 0], [0, 0])).toMatchObject({ verdict: 'unchanged', ratio: 1 });
  });

  it('otherwise a change counts beyond the allowance, either way', () => {
    expect(judge([10], [11]).verdict).toBe('unchanged');
    expect(judge([10], [12]).verdict).toBe('regressed');
    expect(judge([10, 3], [10])).toMatchObject({ verdict: 'unchanged', note: expect.stringMatching(/^the same/) });
    expect(judge([10], [0]).verdict).toBe('improved');
    expect(judge([10], [8]).verdict).toBe('improved');
  });
});

describe('merge', () => {
  it('sums unserved over shards', () => {
    const shard = (index: number) => {
      const config = fixtureConfig([
        '--mode',
        'hold',
        '--target',
        '127.0.0.1:7000',
        '--conns',
        '800',
        '--shard',
        `${index}/2`,
      ]);
      const outcome = fixtureOutcome(400, {
        startedAt: new Date(Date.parse('2026-12-01T10:00:00Z')),
        timeline: [timelineRowFixture({ t: 1, open: 400, opened: 390 })],
      });
      outcome.reports[0].counters.unserved = 10;
      outcome.reports[0].counters.opened = 190;
      outcome.reports[1].counters.opened = 200;
      return { file: `s${index}.json`, result: buildResult(fixtureInputs(config, outcome)) };
    };
    const merged = mergeResults([shard(0), shard(1)], { acceptPartial: false, command: ['merge'] });
    expect(merged.connections.unserved).toBe(20);
    expect(merged.modeStats.hold?.held).toBe(780);
    // The live held figure's source, per second, adds up too.
    expect(merged.timeline.map((r) => [r.open, r.opened])).toEqual([[800, 780]]);
    expect(merged.exitCode).toBe(4);
  });
});
