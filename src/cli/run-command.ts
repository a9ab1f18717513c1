/**
 * `l4stress run`: one run from the command line, or a scenario file. With --scenario, run options given on the
 * command line override every step (command line > step > profile > defaults; --target replaces the scenario's
 * target). Options given where they do not apply (a single run's with --scenario, --scenario's without it) were
 * refused before this runs (cli/program.ts, options/applies.ts): nothing given is silently dropped.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveRunConfig } from '../config/resolve-run-config.js';
import { UsageError } from '../core/errors.js';
import { printableLines } from '../core/printable.js';
import { parseIntInRange } from '../core/units.js';
import { parseThreshold } from '../gates/thresholds.js';
import { type RawRunOptions, RUN_OPTIONS, type RunOptionKey } from '../options/run-options.js';
import { renderMarkdown, renderScenario } from '../reporters/scenario.js';
import { executeRun } from '../run/execute.js';
import { loadScenario } from '../scenario/load.js';
import { runScenario } from '../scenario/run-scenario.js';
import { compareOptions } from './scenario-commands.js';

/** `given`: the options typed on the command line (not defaults). */
export async function runCommand(opts: RawRunOptions, given: RunOptionKey[], argv: string[]): Promise<number> {
  if (opts.scenario !== undefined) return scenarioRun(opts, given);
  const thresholds = (opts.threshold ?? []).map(parseThreshold);
  const report = parseReportFormats(opts.report);
  const { result, file } = await executeRun(resolveRunConfig(opts), argv, { thresholds });
  if (report.length > 0 && file !== '(stdout)') await writeRunReports([file], file.replace(/\.json$/, ''), report);
  return result.exitCode;
}

const REPORT_FORMATS = ['html', 'md'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `--report html,md`, checked before anything runs. */
export function parseReportFormats(raw: string | undefined): ReportFormat[] {
  if (raw === undefined) return [];
  const formats = raw.split(',').map((f) => f.trim());
  const bad = formats.find((f) => !REPORT_FORMATS.includes(f as ReportFormat));
  if (bad !== undefined)
    throw new UsageError(`--report: '${bad}' is not a report format (allowed: ${REPORT_FORMATS.join(', ')})`);
  return formats as ReportFormat[];
}

/** The reports of a finished run or scenario, beside its document: `<stem>.html`, `<stem>.md`. */
async function writeRunReports(files: string[], stem: string, formats: ReportFormat[]): Promise<void> {
  const { loadReportInput, writeReports } = await import('./report-command.js');
  const written = await writeReports(loadReportInput(files), {
    html: formats.includes('html') ? `${stem}.html` : undefined,
    md: formats.includes('md') ? `${stem}.md` : undefined,
  });
  for (const w of written) process.stderr.write(`${printableLines(w)}\n`);
}

async function scenarioRun(opts: RawRunOptions, given: RunOptionKey[]): Promise<number> {
  const overrides: Partial<RawRunOptions> = {};
  const fields = overrides as Record<string, unknown>;
  for (const k of given) if (RUN_OPTIONS[k].applies.includes('step') || k === 'target') fields[k] = opts[k];
  const quiet = opts.quiet === true;
  if (opts.referenceCli !== undefined && opts.baseline !== undefined)
    throw new UsageError('--reference-cli and --baseline: compare with one or the other');
  if (opts.referenceCli !== undefined && !existsSync(opts.referenceCli))
    throw new UsageError(
      `--reference-cli: no file '${opts.referenceCli}'`,
      'give the bin/l4stress.js of a built checkout',
    );
  const report = parseReportFormats(opts.report);
  const sc = loadScenario(opts.scenario!, opts.profile ?? null);
  const outcome = await runScenario(sc, {
    resultsDir: opts.resultsDir,
    iterations: opts.iterations === undefined ? null : parseIntInRange('--iterations', opts.iterations, 1, 50),
    baseline: opts.baseline ?? null,
    compare: compareOptions(opts),
    overrides,
    referenceCli: opts.referenceCli ?? null,
    extraOutputs: opts.markdown ? [{ path: opts.markdown, what: '--markdown' }] : [],
    quiet,
    log: quiet ? () => {} : (l) => process.stderr.write(`${printableLines(l)}\n`),
    warn: (line) => process.stderr.write(`l4stress: warning: ${printableLines(line)}\n`),
  });
  if (!quiet)
    process.stdout.write(
      `${printableLines(renderScenario(outcome.summary, outcome.summaryFile, outcome.comparison))}\n`,
    );
  if (opts.markdown) writeFileSync(opts.markdown, renderMarkdown(outcome.summary, outcome.comparison));
  if (report.length > 0)
    await writeRunReports([outcome.summaryFile], path.join(path.dirname(outcome.summaryFile), 'report'), report);
  return outcome.exitCode;
}
