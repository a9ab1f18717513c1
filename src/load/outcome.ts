/** What a load run hands to the result builder: every worker's report, the timeline, phases, resources. */
import type { TimelineRow, WatchedSummary } from '../documents/result.js';
import type { ProcessUsageSampler } from '../metrics/process-usage.js';
import type { WorkerReport } from './protocol.js';

export interface LoadOutcome {
  reports: WorkerReport[];
  timeline: TimelineRow[];
  /** Wall-clock length of each phase as it actually happened. */
  phases: { rampMs: number; warmupMs: number; measuredMs: number };
  startedAt: Date;
  endedAt: Date;
  interrupted: boolean;
  /** True when the ramp ended with no connection established: nothing was measured. */
  nothingEstablished: boolean;
  rampTimedOut: boolean;
  usage: ReturnType<ProcessUsageSampler['totals']>;
  watched: WatchedSummary[];
  /** Generator processes' RSS (summed) before any connection and right after the ramp, heaps collected both times. */
  memory: { baselineRssBytes: number; rampedRssBytes: number; processes: number[] };
}
