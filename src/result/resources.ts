/** The generator's resources in a result: CPU, RSS, and memory per held session. */
import type { RunResult } from '../documents/result.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';
import type { Complete } from './sections.js';

export function generatorResources(
  outcome: LoadOutcome,
  established: number,
  longLived: boolean,
): Complete<RunResult['resources']['generator']> {
  const { usage, memory } = outcome;
  return {
    maxRssBytes: usage.maxRssBytes,
    cpuPercentMean: usage.cpuPercentMean,
    cpuPercentMax: usage.cpuPercentMax,
    cpuUserMs: usage.cpuUserMs,
    cpuSystemMs: usage.cpuSystemMs,
    processes: memory.processes.length,
    baselineRssBytes: memory.baselineRssBytes,
    rampedRssBytes: memory.rampedRssBytes,
    // Unknown rather than negative when the RSS fell over the ramp (the collector returned more than the sessions
    // took): no figure beats a wrong one.
    memoryPerConnectionBytes:
      established > 0 && longLived && memory.rampedRssBytes >= memory.baselineRssBytes
        ? Math.round((memory.rampedRssBytes - memory.baselineRssBytes) / established)
        : null,
  };
}
