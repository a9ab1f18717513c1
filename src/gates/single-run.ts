/**
 * A single run (or a merged shard run) seen as a one-step, one-iteration summary, so `compare` takes results as
 * well as summaries. Both sides name the step `run`: two runs are compared whatever their scenario names.
 */
import type { RunResult } from '../documents/result.js';
import { type ScenarioSummary, SUMMARY_KIND, SUMMARY_SCHEMA_VERSION } from '../documents/summary.js';
import { stepMetrics } from './metric-table.js';

export const SINGLE_RUN_STEP = 'run';

export function summaryOfRun(r: RunResult, file: string): ScenarioSummary {
  return {
    kind: SUMMARY_KIND,
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    scenario: r.scenario.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'run',
    file,
    profile: null,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    git: r.git,
    environment: {
      hostname: r.environment.hostname,
      cpuModel: r.environment.cpuModel,
      cores: r.environment.cores,
      kernel: r.environment.kernel,
    },
    tcpRrP50Us: null,
    steps: {
      [SINGLE_RUN_STEP]: {
        baseName: SINGLE_RUN_STEP,
        // What compare reads to refuse a UDP run against a TCP one (gates/compare.ts stepTransport).
        options: r.config.transport === 'udp' ? { udp: true } : {},
        iterations: [
          {
            resultFile: file,
            status: r.status,
            metrics: stepMetrics(r),
            maxRssBytes: r.resources.generator.maxRssBytes,
            cpuPercentMax: r.resources.generator.cpuPercentMax,
          },
        ],
        thresholds: r.thresholds ?? [],
        pass: (r.thresholds ?? []).every((t) => t.pass),
      },
    },
    pass: r.exitCode === 0,
  };
}
