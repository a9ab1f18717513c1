/**
 * UDP figures through the consumers of summaries, on synthetic iterations with known answers: compare judges loss,
 * jitter and the delivered rate by the noise-aware rule and reordering, duplicates and silent flows as counted
 * events; a UDP step against a TCP one is refused; the step table, the Markdown and the history show the loss.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/config/resolve-run-config.js';
import { UsageError } from '../../src/core/errors.js';
import type { HistoryLine } from '../../src/documents/history.js';
import { type ScenarioSummary, SUMMARY_KIND } from '../../src/documents/summary.js';
import { compareSummaries, DEFAULT_COMPARE } from '../../src/gates/compare.js';
import { METRIC_NAMES, measurable, type StepMetrics } from '../../src/gates/metric-table.js';
import { parseThreshold, refuseUnmeasurable } from '../../src/gates/thresholds.js';
import { renderHistory, renderMarkdown, stepHeader, stepRows } from '../../src/reporters/scenario.js';
import { loadScenario } from '../../src/scenario/load.js';
import { stepRawOptions } from '../../src/scenario/run-scenario.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every metric null (as a summary records what a run lacks), then the given ones. */
const all = (over: Partial<StepMetrics>): Partial<StepMetrics> => ({
  ...Object.fromEntries(METRIC_NAMES.map((m) => [m, null])),
  ...over,
});
const udpMetrics = (over: Partial<StepMetrics>): Partial<StepMetrics> => ({
  ...all({}),
  p50: 100,
  p95: 200,
  p99: 300,
  rps: 10_000,
  errors: 0,
  loss: 0,
  reorder: 0,
  duplicates: 0,
  silent: 0,
  jitter: null,
  delivered: 10_000,
  ...over,
});

function summary(iterations: Partial<StepMetrics>[], udp = true): ScenarioSummary {
  return {
    kind: SUMMARY_KIND,
    schemaVersion: 1,
    scenario: 'u',
    file: 'u.yaml',
    profile: null,
    startedAt: '',
    endedAt: '',
    git: null,
    environment: { hostname: 'h', cpuModel: 'cpu', cores: 2, kernel: 'k' },
    tcpRrP50Us: null,
    pass: true,
    steps: {
      echo: {
        baseName: 'echo',
        options: udp ? { udp: true } : {},
        thresholds: [],
        pass: true,
        iterations: iterations.map((m) => ({
          resultFile: '',
          status: 'completed',
          metrics: m as StepMetrics,
          maxRssBytes: 0,
          cpuPercentMax: 0,
        })),
      },
    },
  };
}

const verdictOf = (r: ReturnType<typeof compareSummaries>, metric: string) =>
  r.comparisons.find((c) => c.metric === metric)?.verdict;

describe('compare over UDP', () => {
  it('a loss increase beyond the allowance with the iterations behind it is a regression, gated or not', () => {
    const base = summary([0, 0.01, 0].map((loss) => udpMetrics({ loss })));
    const cand = summary([2, 2.5, 3].map((loss) => udpMetrics({ loss })));
    const r = compareSummaries(base, cand);
    expect(verdictOf(r, 'loss')).toBe('regressed');
    expect(r.regressed).toBe(true); // the default gate is p95, errors, loss
    expect(compareSummaries(base, cand, { ...DEFAULT_COMPARE, gate: ['p95', 'errors'] }).regressed).toBe(false);
  });

  it('a loss change the iterations do not support is not one (the same noise-aware rule as latency)', () => {
    const base = summary([0.1, 0.5, 0.2].map((loss) => udpMetrics({ loss })));
    const cand = summary([0.5, 0.1, 0.3].map((loss) => udpMetrics({ loss })));
    expect(verdictOf(compareSummaries(base, cand), 'loss')).toBe('unchanged');
  });

  it('reordering, duplicates and silent flows are counted events: any where the baseline had none regressed', () => {
    const base = summary([udpMetrics({}), udpMetrics({})]);
    const cand = summary([udpMetrics({ reorder: 3 }), udpMetrics({ duplicates: 1, silent: 2 })]);
    const r = compareSummaries(base, cand);
    for (const m of ['reorder', 'duplicates', 'silent']) expect(verdictOf(r, m), m).toBe('regressed');
  });

  it('a lower delivered rate and a higher jitter regress; the rows are shown beside the latency', () => {
    const base = summary([1, 2, 3].map((i) => udpMetrics({ delivered: 10_000 + i, jitter: 100 + i })));
    const cand = summary([1, 2, 3].map((i) => udpMetrics({ delivered: 5_000 + i, jitter: 400 + i })));
    const r = compareSummaries(base, cand);
    expect(verdictOf(r, 'delivered')).toBe('regressed');
    expect(verdictOf(r, 'jitter')).toBe('regressed');
  });

  it('a TCP comparison gains no UDP rows', () => {
    const tcp = summary([all({ p95: 200, errors: 0 })], false);
    expect(compareSummaries(tcp, tcp).comparisons.map((c) => c.metric)).not.toContain('loss');
  });

  it('a UDP step against a TCP step of the same name is refused as not comparable, in one line', () => {
    const udp = summary([udpMetrics({})]);
    const tcp = summary([all({ p95: 200, errors: 0 })], false);
    expect(() => compareSummaries(tcp, udp)).toThrow(UsageError);
    expect(() => compareSummaries(tcp, udp)).toThrow(
      "compare: step 'echo' is TCP in the baseline and UDP in the candidate: not comparable",
    );
  });
});

describe('UDP figures in the tables', () => {
  it('the step table and the Markdown add the loss only when a step ran over UDP', () => {
    const s = summary([udpMetrics({ loss: 0.25 })]);
    const header = stepHeader(s);
    expect(header).toContain('loss');
    expect(stepRows(s)[0][header.indexOf('loss')]).toBe('0.25%');
    expect(renderMarkdown(s, null)).toMatch(/\| 10,000 rt\/s \| 0\.25% \| 0 \| 0 \|/);
    const tcp = summary([all({ p95: 200, errors: 0 })], false);
    expect(stepHeader(tcp)).not.toContain('loss');
    expect(renderMarkdown(tcp, null)).not.toMatch(/loss/);
  });

  it('history shows the loss and datagrams back per second of a UDP step', () => {
    const line = (loss: number | null): HistoryLine => ({
      date: '2026-12-07T04:00:00Z',
      scenario: 'u',
      profile: null,
      step: 'echo',
      sha: null,
      dirty: null,
      host: 'h',
      iterations: 1,
      p50: 100,
      p95: 200,
      p99: 300,
      rps: 1000,
      cps: null,
      errors: 0,
      metrics: { loss, delivered: loss === null ? null : 990 },
      pass: true,
    });
    const text = renderHistory([line(null), line(1.5)]);
    expect(text.split('\n')[0]).toMatch(/rate +loss +datagrams\/s back +errors/);
    expect(text).toMatch(/1,000 rt\/s +1\.5% +990 /);
    expect(renderHistory([line(null)])).not.toMatch(/loss/);
  });
});

describe('scenarios/scenario-udp.yaml', () => {
  it('every step is a UDP run whose thresholds it can measure', () => {
    const sc = loadScenario(path.join(ROOT, 'scenarios/scenario-udp.yaml'), 'ci');
    expect(sc.steps.map((s) => s.name)).toEqual([
      'U1-echo[proxy=none]',
      'U1-echo[proxy=v2]',
      'U1-echo[proxy=spp]',
      'U2-flows',
      'U3-stream',
    ]);
    const o = { resultsDir: '/tmp', iterations: null, baseline: null, compare: DEFAULT_COMPARE, overrides: {} };
    for (const st of sc.steps) {
      const config = resolveRunConfig(stepRawOptions(sc, st.options, st.name, { ...o, log: () => {} }));
      expect(config.transport, st.name).toBe('udp');
      const label = (t: { text: string }) => t.text;
      expect(() => refuseUnmeasurable(st.thresholds.map(parseThreshold), config, label, 'run')).not.toThrow();
      expect(
        st.thresholds.some((t) => /loss/.test(t)),
        st.name,
      ).toBe(true);
    }
    const echo = resolveRunConfig(stepRawOptions(sc, sc.steps[0].options, 'x', { ...o, log: () => {} }));
    expect(measurable('jitter', echo)).toBe('jitter is measured in --udp --mode stream');
  });
});
