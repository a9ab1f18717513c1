/** Gates on synthetic iteration sets with known answers: thresholds, the Mann-Whitney test, and comparisons. */
import { describe, expect, it } from 'vitest';
import { compareOptions } from '../../src/cli/scenario-commands.js';
import { type ScenarioSummary, SUMMARY_KIND } from '../../src/documents/summary.js';
import { compareSummaries, DEFAULT_COMPARE } from '../../src/gates/compare.js';
import type { StepMetrics } from '../../src/gates/metric-table.js';
import { mannWhitneyGreater } from '../../src/gates/statistics.js';
import { evaluateThreshold, parseThreshold } from '../../src/gates/thresholds.js';
import { gatesLine, renderMarkdown, STEP_HEADER, stepRows } from '../../src/reporters/scenario.js';

function metrics(over: Partial<StepMetrics>): StepMetrics {
  return {
    p50: 100,
    p90: 150,
    p95: 200,
    p99: 300,
    'p99.9': 400,
    max: 500,
    mean: 120,
    'connect.p50': 50,
    'connect.p95': 80,
    'connect.p99': 90,
    rps: 10_000,
    cps: null,
    throughput: 1e6,
    errors: 0,
    failed: 0,
    dropped: 0,
    established: 100,
    target: 100,
    held: null,
    ...over,
  };
}

function summary(p95s: number[], over: Partial<ScenarioSummary> = {}): ScenarioSummary {
  return {
    kind: SUMMARY_KIND,
    schemaVersion: 1,
    scenario: 'd',
    file: 'd.yaml',
    profile: 'ci',
    startedAt: '',
    endedAt: '',
    git: null,
    environment: { hostname: 'h', cpuModel: 'cpu', cores: 2, kernel: 'k' },
    tcpRrP50Us: null,
    pass: true,
    steps: {
      echo: {
        baseName: 'echo',
        options: {},
        thresholds: [],
        pass: true,
        iterations: p95s.map((p95) => ({
          resultFile: '',
          status: 'completed',
          metrics: metrics({ p95 }),
          maxRssBytes: 0,
          cpuPercentMax: 0,
        })),
      },
    },
    ...over,
  };
}

describe('thresholds', () => {
  it("parse units into the metric's own unit", () => {
    expect(parseThreshold('p95 < 5ms')).toMatchObject({ metric: 'p95', op: '<', value: 5000 });
    expect(parseThreshold('p99.9 < 20ms').value).toBe(20_000);
    expect(parseThreshold('connect.p99 <= 1s').value).toBe(1_000_000);
    expect(parseThreshold('cps > 5k').value).toBe(5000);
    expect(parseThreshold('throughput > 1Gbit/s').value).toBe(125_000_000);
    expect(parseThreshold('established == target').value).toBe('target');
  });

  it('a bare number for a time is refused (50 could be µs, ms or s); 0 and counts need none', () => {
    expect(() => parseThreshold('connect.p99<50')).toThrow('give a unit for a time: 50ms, 50us or 50s');
    expect(() => parseThreshold('p95 < 5')).toThrow(/give a unit/);
    expect(parseThreshold('p95 < 0').value).toBe(0);
    expect(parseThreshold('errors == 0').value).toBe(0);
    expect(parseThreshold('cps > 500').value).toBe(500);
  });

  it.each([
    ['latency < 5ms', /unknown metric 'latency'/],
    ['errors == 0ms', /unit 'ms' does not fit errors/],
    ['p95 about 5ms', /not of the form/],
  ])('%j is rejected', (text, message) => {
    expect(() => parseThreshold(text)).toThrow(message);
  });

  it('judge latency on the median, errors on the worst iteration, established on the fewest', () => {
    const its = [metrics({ p95: 4000 }), metrics({ p95: 9000, errors: 1 }), metrics({ p95: 4500, established: 99 })];
    expect(evaluateThreshold(parseThreshold('p95 < 5ms'), its)).toMatchObject({ pass: true, actual: 4500 });
    expect(evaluateThreshold(parseThreshold('errors == 0'), its)).toMatchObject({ pass: false, actual: 1 });
    expect(evaluateThreshold(parseThreshold('established == target'), its)).toMatchObject({ pass: false, actual: 99 });
  });

  it('a threshold whose metric has no samples fails, never passes silently', () => {
    const v = evaluateThreshold(parseThreshold('p95 < 5ms'), [metrics({ p95: null })]);
    expect(v.pass).toBe(false);
    expect(v.reason).toMatch(/no samples/);
    expect(evaluateThreshold(parseThreshold('cps > 10'), [metrics({})]).pass).toBe(false);
  });
});

describe('Mann-Whitney U (one-sided, exact)', () => {
  it('matches the known smallest p-values', () => {
    expect(mannWhitneyGreater([4, 5, 6], [1, 2, 3])).toBeCloseTo(1 / 20, 10);
    expect(mannWhitneyGreater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])).toBeCloseTo(1 / 252, 10);
  });

  it('is large when the samples interleave or point the other way', () => {
    expect(mannWhitneyGreater([1, 3, 5], [2, 4, 6])).toBeGreaterThan(0.3);
    expect(mannWhitneyGreater([1, 2, 3], [4, 5, 6])).toBeCloseTo(1, 10);
  });

  it('uses the normal approximation for large samples', () => {
    const a = Array.from({ length: 15 }, (_, i) => 100 + i);
    const b = Array.from({ length: 15 }, (_, i) => 50 + i);
    expect(mannWhitneyGreater(a, b)).toBeLessThan(0.001);
  });
});

describe('compare', () => {
  const base = summary([1000, 1050, 980, 1020, 1010]);

  it('a clear regression is regressed, and fails the gate', () => {
    const r = compareSummaries(base, summary([1500, 1480, 1550, 1520, 1490]));
    const p95 = r.comparisons.find((c) => c.metric === 'p95')!;
    expect(p95).toMatchObject({ verdict: 'regressed', gated: true });
    expect(p95.ratio).toBeCloseTo(1.5, 1);
    expect(r.regressed).toBe(true);
  });

  it('one run a side is judged on --allow alone, and the note says so (no statistics claimed)', () => {
    const worse = compareSummaries(summary([1000]), summary([1200])).comparisons.find((c) => c.metric === 'p95')!;
    expect(worse.verdict).toBe('regressed');
    expect(worse.note).toBe('one run a side: worse by more than the ±10% allowed (--allow alone; no test)');
    expect(worse.note).not.toMatch(/fewer than 3/);
    const same = compareSummaries(summary([1000]), summary([1050])).comparisons.find((c) => c.metric === 'p95')!;
    expect(same).toMatchObject({
      verdict: 'unchanged',
      note: 'one run a side: within the ±10% allowed (--allow alone; no test)',
    });
  });

  it('noise within the allowance is unchanged', () => {
    const r = compareSummaries(base, summary([1040, 990, 1060, 1000, 1030]));
    expect(r.comparisons.find((c) => c.metric === 'p95')!.verdict).toBe('unchanged');
    expect(r.regressed).toBe(false);
  });

  it('a large median shift the iterations do not support is unchanged, with the reason', () => {
    const r = compareSummaries(base, summary([900, 3000, 950, 2800, 1300]));
    const p95 = r.comparisons.find((c) => c.metric === 'p95')!;
    expect(p95.verdict).toBe('unchanged');
    expect(p95.note).toMatch(/the iterations do not support/);
  });

  it('a rate is judged the other way round, with the same allowance in ratio', () => {
    const withRate = (rps: number[]): ScenarioSummary => {
      const s = summary(rps.map(() => 1000));
      s.steps.echo.iterations.forEach((it, i) => {
        it.metrics.rps = rps[i];
      });
      return s;
    };
    const opts = { ...DEFAULT_COMPARE, gate: ['rps' as const], allow: 2 };
    expect(
      compareSummaries(withRate([9000, 9100, 8900, 9050, 9000]), withRate([2900, 2800, 2950, 2850, 2900]), opts)
        .regressed,
    ).toBe(true);
    expect(
      compareSummaries(withRate([9000, 9100, 8900, 9050, 9000]), withRate([3100, 3200, 3050, 3150, 3100]), opts)
        .regressed,
    ).toBe(false);
  });

  it('a per-metric allowance overrides the default for that metric only', () => {
    const cand = summary([1300, 1320, 1310, 1290, 1305]);
    expect(compareSummaries(base, cand, { ...DEFAULT_COMPARE, allow: 0.5 }).regressed).toBe(false);
    const tight = { ...DEFAULT_COMPARE, allow: 0.5, allowFor: { p95: 0.25 } };
    const p95 = compareSummaries(base, cand, tight).comparisons.find((c) => c.metric === 'p95')!;
    expect(p95.verdict).toBe('regressed');
    expect(compareSummaries(base, cand, { ...tight, allowFor: { p99: 0.25 } }).regressed).toBe(false);
  });

  it('--allow parses a default and metric=percent overrides, and refuses what is neither', () => {
    const raw = { gate: 'p95', alpha: '0.05' };
    expect(compareOptions({ ...raw, allow: '50%,cpu.op=25%' })).toMatchObject({
      allow: 0.5,
      allowFor: { 'cpu.op': 0.25 },
    });
    expect(() => compareOptions({ ...raw, allow: '50%,cpu=25%' })).toThrow("--allow: 'cpu' is not a metric");
    expect(() => compareOptions({ ...raw, allow: 'p95=fast' })).toThrow("--allow: 'p95=fast' is not a percentage");
  });

  it('Gates counts each threshold and gated comparison; a step without thresholds is no passed gate', () => {
    const none = summary([1000, 1010, 990]);
    expect(gatesLine(none, null)).toBe('Gates: 0 passed, 0 failed');
    const two = summary([1000, 1010, 990]);
    two.steps.echo.thresholds = [
      { threshold: 'errors == 0', pass: true, actual: 0, reason: '' },
      { threshold: 'p95 < 1us', pass: false, actual: 1000, reason: '' },
    ];
    // Two thresholds, and two gated comparisons by default (p95 and errors; loss, gated too, neither side has: a
    // summary from before UDP has no such key at all, and that is no value).
    expect(gatesLine(two, compareSummaries(base, two))).toBe('Gates: 3 passed, 1 failed');
  });

  it('a metric neither side has is left out rather than called missing', () => {
    const noLatency = summary([1000]);
    noLatency.steps.echo.iterations[0].metrics.p95 = null;
    expect(compareSummaries(noLatency, noLatency).comparisons.find((c) => c.metric === 'p95')).toBeUndefined();
  });

  it('an improvement is improved', () => {
    const r = compareSummaries(base, summary([600, 620, 590, 610, 605]));
    expect(r.comparisons.find((c) => c.metric === 'p95')!.verdict).toBe('improved');
  });

  it('a step missing from the candidate is reported, and other hardware is warned about', () => {
    const cand = summary([1000], {
      environment: { hostname: 'x', cpuModel: 'other', cores: 8, kernel: 'k' },
      steps: {},
    });
    const r = compareSummaries(base, cand, DEFAULT_COMPARE);
    expect(r.comparisons.find((c) => c.metric === 'p95')!.verdict).toBe('missing');
    expect(r.warnings.join('\n')).toMatch(/different hardware/);
  });

  it("--normalize divides latency by each side's TCP_RR p50", () => {
    const slowMachine = summary([2000, 2100, 1960, 2040, 2020], { tcpRrP50Us: 60 });
    const fastBase = summary([1000, 1050, 980, 1020, 1010], { tcpRrP50Us: 30 });
    expect(compareSummaries(fastBase, slowMachine).regressed).toBe(true);
    expect(compareSummaries(fastBase, slowMachine, { ...DEFAULT_COMPARE, normalize: true }).regressed).toBe(false);
  });
});

describe("each mode's own figures are in every table and comparison", () => {
  const churn = (cps: number, connectP99: number): ScenarioSummary => {
    const s = summary([0]);
    s.steps.echo.iterations[0].metrics = metrics({
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      rps: null,
      cps,
      'connect.p99': connectP99,
    });
    return s;
  };

  it('a connect-mode step shows its connect p99 and conn/s in the step table and in Markdown', () => {
    const s = churn(9000, 1500);
    const row = stepRows(s)[0];
    expect(row[STEP_HEADER.indexOf('connect p99')]).toBe('1.50ms');
    expect(row[STEP_HEADER.indexOf('rate')]).toBe('9,000 conn/s');
    expect(renderMarkdown(s, null)).toMatch(/\| echo \| - \| - \| - \| 1\.50ms \| 9,000 conn\/s \|/);
  });

  it('compare reports connect latency without --gate naming it', () => {
    const r = compareSummaries(churn(9000, 1500), churn(9000, 3000));
    expect(r.comparisons.map((c) => c.metric)).toEqual(expect.arrayContaining(['connect.p99', 'cps']));
    expect(r.comparisons.find((c) => c.metric === 'connect.p99')).toMatchObject({ ratio: 2, gated: false });
  });
});
