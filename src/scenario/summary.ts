/**
 * The scenario summary: one document per scenario run, with every step's iterations reduced to the metrics gates
 * and comparisons read, the threshold verdicts, and where each full result file lies. Baselines are summaries.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import type { StepMetrics } from '../gates/metrics.js';
import type { ThresholdVerdict } from '../gates/thresholds.js';
import type { GitInfo } from '../environment/environment.js';

export const SUMMARY_KIND = 'l4stress-scenario-summary';

export interface ScenarioSummary {
  kind: typeof SUMMARY_KIND;
  schemaVersion: 1;
  scenario: string;
  file: string;
  profile: string | null;
  startedAt: string;
  endedAt: string;
  git: GitInfo | null;
  environment: { hostname: string; cpuModel: string; cores: number; kernel: string };
  /** netperf TCP_RR p50 of the host's hardware profile, for normalized comparisons; null without one. */
  tcpRrP50Us: number | null;
  steps: Record<string, {
    baseName: string;
    options: Record<string, unknown>;
    iterations: { resultFile: string; status: string; metrics: StepMetrics; maxRssBytes: number; cpuPercentMax: number }[];
    thresholds: ThresholdVerdict[];
    pass: boolean;
  }>;
  pass: boolean;
}

export function loadSummary(file: string): ScenarioSummary {
  let doc: ScenarioSummary;
  try { doc = JSON.parse(readFileSync(file, 'utf8')) as ScenarioSummary; } catch (e) {
    throw new UsageError(`cannot read scenario summary '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (doc.kind !== SUMMARY_KIND) throw new UsageError(`'${file}' is not an l4stress scenario summary (kind ${SUMMARY_KIND})`);
  return doc;
}
