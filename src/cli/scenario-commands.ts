/** The gate-side commands: run a scenario, compare two summaries, save a baseline, show history, write Markdown. */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, ExitCode } from '../core/errors.js';
import { DEFAULT_COMPARE, compareSummaries, type CompareOptions } from '../gates/compare.js';
import type { MetricName } from '../gates/metrics.js';
import { loadScenario } from '../scenario/load.js';
import { runScenario } from '../scenario/run-scenario.js';
import { loadSummary } from '../scenario/summary.js';
import { renderComparison, renderHistory, renderMarkdown, renderScenario, type HistoryLine } from '../reporters/scenario.js';
import { parseIntInRange } from '../core/units.js';

const METRICS: MetricName[] = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean', 'connect.p50', 'connect.p95', 'connect.p99', 'rps', 'cps', 'throughput'];

export interface RawCompareOptions { allow: string; gate: string; alpha: string; normalize?: boolean }

export function compareOptions(raw: RawCompareOptions): CompareOptions {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(raw.allow.trim());
  if (!m) throw new UsageError(`--allow: '${raw.allow}' is not a percentage (e.g. 10%)`);
  const gate = raw.gate.split(',').map((g) => g.trim()).filter(Boolean) as MetricName[];
  const bad = gate.find((g) => !METRICS.includes(g));
  if (bad || gate.length === 0) throw new UsageError(`--gate: '${bad ?? raw.gate}' is not a metric (allowed: ${METRICS.join(', ')})`);
  const alpha = Number(raw.alpha);
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`--alpha: '${raw.alpha}' must be between 0 and 1`);
  return { ...DEFAULT_COMPARE, allow: Number(m[1]) / 100, gate, alpha, normalize: raw.normalize === true };
}

export async function scenarioCommand(file: string, profile: string | null, iterations: string | undefined, baseline: string | undefined,
  resultsDir: string, cmp: CompareOptions, quiet: boolean, markdown: string | undefined): Promise<number> {
  const sc = loadScenario(file, profile);
  const outcome = await runScenario(sc, {
    resultsDir, iterations: iterations === undefined ? null : parseIntInRange('--iterations', iterations, 1, 50),
    baseline: baseline ?? null, compare: cmp, log: quiet ? () => {} : (l) => process.stderr.write(`${l}\n`),
  });
  if (!quiet) process.stdout.write(`${renderScenario(outcome.summary, outcome.summaryFile, outcome.comparison)}\n`);
  if (markdown) writeFileSync(markdown, renderMarkdown(outcome.summary, outcome.comparison));
  return outcome.exitCode;
}

export function compareCommand(baseFile: string, candFile: string, cmp: CompareOptions, json: boolean): number {
  const report = compareSummaries(loadSummary(resolveSummary(baseFile)), loadSummary(resolveSummary(candFile)), cmp);
  process.stdout.write(json ? `${JSON.stringify(report)}\n` : `${renderComparison(report)}\n\nverdict: ${report.regressed ? 'REGRESSED' : 'no regression'}\n`);
  return report.regressed ? ExitCode.gateFailed : ExitCode.ok;
}

/** A summary file, or a scenario run folder holding summary.json. */
function resolveSummary(p: string): string {
  return existsSync(p) && !p.endsWith('.json') && existsSync(path.join(p, 'summary.json')) ? path.join(p, 'summary.json') : p;
}

export function baselineSaveCommand(summaryFile: string, dir: string): number {
  const s = loadSummary(resolveSummary(summaryFile));
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `${s.scenario}${s.profile ? `.${s.profile}` : ''}.json`);
  copyFileSync(resolveSummary(summaryFile), target);
  process.stdout.write(`baseline for ${s.scenario}${s.profile ? ` (${s.profile})` : ''} saved: ${target}\n`);
  return ExitCode.ok;
}

export function historyCommand(resultsDir: string, scenario: string | undefined, last: string): number {
  const dir = path.join(resultsDir, 'history');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl') && (!scenario || f === `${scenario}.jsonl`)) : [];
  if (files.length === 0) throw new UsageError(`no history${scenario ? ` for scenario '${scenario}'` : ''} under ${dir} (run a scenario first)`);
  const lines = files.flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as HistoryLine));
  lines.sort((a, b) => a.date.localeCompare(b.date));
  process.stdout.write(`${renderHistory(lines.slice(-parseIntInRange('--last', last, 1, 100000)))}\n`);
  return ExitCode.ok;
}

export function summaryCommand(summaryFile: string, baseline: string | undefined, out: string | undefined, cmp: CompareOptions): number {
  const s = loadSummary(resolveSummary(summaryFile));
  const comparison = baseline ? compareSummaries(loadSummary(resolveSummary(baseline)), s, cmp) : null;
  const md = renderMarkdown(s, comparison);
  if (out) writeFileSync(out, md);
  else process.stdout.write(md);
  return ExitCode.ok;
}
