/** The history of scenario runs: one JSONL line per step and run, appended once the summary is written. */
import path from 'node:path';
import { appendLines } from '../core/files.js';
import { guardDocument } from '../documents/guard.js';
import { type HistoryLine, historyLineSchema } from '../documents/history.js';
import type { ScenarioSummary } from '../documents/summary.js';
import { METRIC_NAMES, reduceMetric } from '../gates/metric-table.js';

/** One history line per step, each metric reduced over the iterations as the gates reduce it. */
export function appendHistory(resultsDir: string, s: ScenarioSummary, summaryFile: string): void {
  const lines = Object.entries(s.steps).map(([step, e]) => {
    const metrics = Object.fromEntries(
      METRIC_NAMES.map((k) => [
        k,
        reduceMetric(
          k,
          e.iterations.map((it) => it.metrics[k]),
        ),
      ]),
    );
    const reduced = (k: 'p50' | 'p95' | 'p99' | 'rps' | 'cps' | 'throughput' | 'errors'): number | null => metrics[k];
    const line: HistoryLine = {
      schemaVersion: 1,
      date: s.startedAt,
      scenario: s.scenario,
      profile: s.profile,
      step,
      sha: s.git?.sha ?? null,
      dirty: s.git?.dirty ?? null,
      host: s.environment.hostname,
      iterations: e.iterations.length,
      p50: reduced('p50'),
      p95: reduced('p95'),
      p99: reduced('p99'),
      rps: reduced('rps'),
      cps: reduced('cps'),
      throughput: reduced('throughput'),
      errors: reduced('errors'),
      metrics,
      pass: e.pass,
      summary: summaryFile,
    };
    // Through the document guard as every document is: a line holds no NaN or Infinity (null where one was).
    return JSON.stringify(guardDocument(historyLineSchema, line).doc);
  });
  appendLines(path.join(historyDir(resultsDir), `${safe(s.scenario)}.jsonl`), lines);
}

export const historyDir = (resultsDir: string): string => path.join(resultsDir, 'history');

const safe = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+$/, '');
