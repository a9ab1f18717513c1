/** The commands that read stored documents: compare two summaries, save a baseline, show history, write Markdown. */

import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UsageError } from '../core/errors.js';
import { writeTextAtomically } from '../core/files.js';
import { printableLines } from '../core/printable.js';
import { parseIntInRange } from '../core/units.js';
import { readHistory, readResult, readSummary } from '../documents/readers.js';
import type { RunResult } from '../documents/result.js';
import { type ScenarioSummary, SUMMARY_KIND } from '../documents/summary.js';
import { type CompareOptions, compareSummaries, DEFAULT_COMPARE } from '../gates/compare.js';
import { METRIC_NAMES, type MeasuredBy, type MetricName, measurable } from '../gates/metric-table.js';
import { summaryOfRun } from '../gates/single-run.js';
import { checkOutputs } from '../preflight/outputs.js';
import { comparisonVerdict, renderComparison, renderHistory, renderMarkdown } from '../reporters/scenario.js';
import { limitedOrQueued, machineLine } from '../witnesses/machine.js';
import { compareFindCommand, isFindComparison } from './compare-find-command.js';
import { compareFindSteps, findStepsFailed, findStepsVerdict, renderFindSteps } from './find-steps.js';

export interface RawCompareOptions {
  allow: string;
  gate: string;
  alpha: string;
  normalize?: boolean;
}

/**
 * `--allow 50%` for every metric, or a list whose bare entry is the default and `metric=percent` entries override
 * it: `--allow 50%,cpu.op=25%`.
 */
function parseAllow(raw: string): Pick<CompareOptions, 'allow' | 'allowFor'> {
  let allow = DEFAULT_COMPARE.allow;
  const allowFor: Partial<Record<MetricName, number>> = {};
  for (const entry of raw.split(',').map((e) => e.trim())) {
    const m = /^(?:([a-z0-9.]+)=)?(\d+(?:\.\d+)?)%$/.exec(entry);
    if (!m) throw new UsageError(`--allow: '${entry}' is not a percentage or metric=percentage (e.g. 10%, p95=20%)`);
    const share = Number(m[2]) / 100;
    if (m[1] === undefined) allow = share;
    else if (METRIC_NAMES.includes(m[1] as MetricName)) allowFor[m[1] as MetricName] = share;
    else throw new UsageError(`--allow: '${m[1]}' is not a metric (allowed: ${METRIC_NAMES.join(', ')})`);
  }
  return { allow, allowFor };
}

export function compareOptions(raw: RawCompareOptions): CompareOptions {
  const allow = parseAllow(raw.allow);
  const gate = raw.gate
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean) as MetricName[];
  const bad = gate.find((g) => !METRIC_NAMES.includes(g));
  if (bad || gate.length === 0)
    throw new UsageError(`--gate: '${bad ?? raw.gate}' is not a metric (allowed: ${METRIC_NAMES.join(', ')})`);
  const alpha = Number(raw.alpha);
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`--alpha: '${raw.alpha}' must be between 0 and 1`);
  return { ...DEFAULT_COMPARE, ...allow, gate, alpha, normalize: raw.normalize === true };
}

export function compareCommand(
  baseFile: string,
  candFile: string,
  opts: RawCompareOptions & { json?: boolean; gateGiven?: boolean },
): number {
  if (isFindComparison(baseFile, candFile)) return compareFindCommand(baseFile, candFile, opts);
  const base = readSummaryOrRun(baseFile, 'baseline');
  const cand = readSummaryOrRun(candFile, 'scenario summary');
  if (base.singleRun !== cand.singleRun)
    throw new UsageError('compare: give two summaries or two results, not one of each');
  const options = compareOptions(opts);
  // A gate asked for that neither side can have would gate nothing and pass; the default gate (p95) is skipped
  // where it has no samples (a churn run), as before.
  if (opts.gateGiven) for (const metric of options.gate) refuseUngateable(metric, base, cand);
  const report = compareSummaries(base.summary, cand.summary, options);
  // Find steps: each search's capacity judged by the searches' own rule (find-steps.ts), not by --allow alone.
  const finds = base.singleRun
    ? []
    : compareFindSteps(
        { file: resolveSummary(baseFile), summary: base.summary },
        { file: resolveSummary(candFile), summary: cand.summary },
      );
  // Two single runs: the machine each ran on, side by side (a difference may be the machine's, not the build's).
  const machines = base.result && cand.result ? machineComparison(base.result, cand.result) : [];
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(finds.length ? { ...report, findSteps: finds } : report)}\n`
      : printableLines(
          `${renderComparison(report)}\n${machines.map((l) => `${l}\n`).join('')}` +
            `${finds.length ? `\n${renderFindSteps(finds)}\n` : ''}\n${comparisonVerdict(report)}\n` +
            `${finds.length ? `${findStepsVerdict(finds)}\n` : ''}`,
        ),
  );
  return report.regressed || findStepsFailed(finds) ? ExitCode.gateFailed : ExitCode.ok;
}

type Compared = ReturnType<typeof readSummaryOrRun>;

/** --gate on a metric neither side measured: two results by their settings, two summaries by their samples. */
function refuseUngateable(metric: MetricName, base: Compared, cand: Compared): void {
  const sampled = (c: Compared): boolean =>
    Object.values(c.summary.steps).some((st) => st.iterations.some((it) => it.metrics[metric] != null));
  if (base.config && cand.config) {
    const why = measurable(metric, base.config);
    if (why !== null && measurable(metric, cand.config) !== null) throw new UsageError(`--gate ${metric}: ${why}`);
  } else if (!sampled(base) && !sampled(cand))
    throw new UsageError(`--gate ${metric}: neither summary has a sample of it in any step`);
}

/**
 * A summary (file or run folder) or a single run's result, which compares as a one-iteration step named `run`
 * (with one iteration a side, a change counts only beyond the allowance; no test can say more).
 */
function readSummaryOrRun(
  file: string,
  name: string,
): { summary: ScenarioSummary; singleRun: boolean; config: MeasuredBy | null; result?: RunResult } {
  const resolved = resolveSummary(file);
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSync(resolved, 'utf8')) as { kind?: unknown })?.kind;
  } catch {
    kind = SUMMARY_KIND; // unreadable: the summary reader says why
  }
  if (kind === SUMMARY_KIND) return { summary: readSummary(resolved, name), singleRun: false, config: null };
  const result = readResult(resolved);
  return { summary: summaryOfRun(result, file), singleRun: true, config: result.config, result };
}

/** Each side's machine line, and a caution when either side's machine limited or queued its load. */
function machineComparison(base: RunResult, cand: RunResult): string[] {
  const sides: [string, RunResult][] = [
    ['baseline', base],
    ['candidate', cand],
  ];
  const line = (side: string, r: RunResult): string =>
    r.machine ? machineLine(r.machine).replace(/^machine\s+/, `machine (${side}) `) : `machine (${side}) not recorded`;
  const caution = ([side, r]: [string, RunResult]): string[] => {
    const m = r.machine;
    if (!m || !limitedOrQueued(m)) return [];
    const what = m.verdict === 'quiet' ? 'queued' : 'limited';
    return [
      `note: the ${side} ran on a machine that ${what} its load (${m.reason}): a difference may be the machine's`,
    ];
  };
  return ['', ...sides.map(([side, r]) => line(side, r)), ...sides.flatMap(caution)];
}

/** A summary file, or a scenario run folder holding summary.json. */
function resolveSummary(p: string): string {
  return existsSync(p) && !p.endsWith('.json') && existsSync(path.join(p, 'summary.json'))
    ? path.join(p, 'summary.json')
    : p;
}

export function baselineSaveCommand(summaryFile: string, dir: string): number {
  const source = resolveSummary(summaryFile);
  // The summary schema allows only letters, digits, '.', '_' and '-' in a scenario name: the path stays in `dir`.
  const s = readSummary(source);
  checkOutputs({ folders: [{ path: dir, what: '--dir' }] });
  const target = path.join(
    dir,
    `${s.scenario}${s.profile ? `.${s.profile.replace(/[^A-Za-z0-9._-]+/g, '-')}` : ''}.json`,
  );
  copyFileSync(source, target);
  process.stdout.write(`baseline for ${s.scenario}${s.profile ? ` (${s.profile})` : ''} saved: ${target}\n`);
  return ExitCode.ok;
}

export async function historyCommand(
  resultsDir: string,
  scenario: string | undefined,
  last: string,
  html?: string,
): Promise<number> {
  const count = parseIntInRange('--last', last, 1, 100000);
  const dir = path.join(resultsDir, 'history');
  const files = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.endsWith('.jsonl') && (!scenario || f === `${scenario}.jsonl`))
    : [];
  if (files.length === 0)
    throw new UsageError(
      `no history${scenario ? ` for scenario '${scenario}'` : ''} under ${dir} (run a scenario first)`,
    );
  const read = files.map((f) => readHistory(path.join(dir, f)));
  for (const { where, reason } of read.flatMap((r) => r.skipped))
    process.stderr.write(
      `l4stress: warning: skipped ${printableLines(`${where}: ${reason.replace(`${where}: `, '')}`)}\n`,
    );
  const lines = read.flatMap((r) => r.lines);
  lines.sort((a, b) => a.date.localeCompare(b.date));
  const shown = lines.slice(-count);
  if (html) {
    checkOutputs({ files: [{ path: html, what: '--html' }] });
    const { renderHistoryHtml } = await import('../reporters/html/history-page.js');
    const title = `l4stress history${scenario ? `: ${scenario}` : ''}`;
    process.stdout.write(`html trend: ${writeTextAtomically(html, await renderHistoryHtml(shown, title))}\n`);
    return ExitCode.ok;
  }
  process.stdout.write(`${printableLines(renderHistory(shown))}\n`);
  return ExitCode.ok;
}

export function summaryCommand(file: string, opts: RawCompareOptions & { baseline?: string; out?: string }): number {
  const s = readSummary(resolveSummary(file));
  const comparison = opts.baseline
    ? compareSummaries(readSummary(resolveSummary(opts.baseline), 'baseline'), s, compareOptions(opts))
    : null;
  if (opts.out) checkOutputs({ files: [{ path: opts.out, what: '--out' }] });
  const md = renderMarkdown(s, comparison);
  if (opts.out) writeTextAtomically(opts.out, md);
  else process.stdout.write(printableLines(md));
  return ExitCode.ok;
}
