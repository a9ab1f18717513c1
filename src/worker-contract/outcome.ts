/** What a load run hands to the result builder: every worker's report, the timeline, phases, resources. */
import type { TimelineRow } from '../documents/result.js';
import type { ProcessUsageSampler } from '../instruments/process-usage.js';
import type { WitnessRecords } from '../witnesses/list.js';
import type { WorkerReport } from './protocol.js';

export interface LoadOutcome {
  reports: WorkerReport[];
  timeline: TimelineRow[];
  /** Wall-clock length of each phase as it actually happened. */
  phases: { rampMs: number; warmupMs: number; measuredMs: number };
  startedAt: Date;
  endedAt: Date;
  interrupted: boolean;
  /**
   * Where Ctrl-C (or SIGTERM) found the run: while the generator started (its workers not all up), waiting for
   * --start-at, ramping up, or in traffic; null if not.
   */
  interruptedDuring: 'start-up' | 'start-wait' | 'ramp' | 'traffic' | null;
  /** True when the ramp ended with no connection established: nothing was measured. */
  nothingEstablished: boolean;
  rampTimedOut: boolean;
  /** The ramp timed out because no connection made progress for config.rampStallMs (default ramp timeout only). */
  rampStalled: boolean;
  usage: ReturnType<ProcessUsageSampler['totals']>;
  /** Workers that died (their process was killed, or the thread threw): the result is partial without them. */
  lostWorkers: LostWorker[];
  /** --start-at: how late the load started after the asked time (0 when on time); null without it. */
  startLateByMs: number | null;
  /** What each witness (witnesses/list.ts) handed over at the end, by its key; the timeline rows carry the rest. */
  witnesses: WitnessRecords;
  /** Generator processes' RSS (summed) before any connection and right after the ramp, heaps collected both times. */
  memory: { baselineRssBytes: number; rampedRssBytes: number; processes: number[] };
}

export interface LostWorker {
  worker: number;
  pid: number;
  /** Its planned connections: the share of the load the result lacks. */
  conns: number;
  /** Connections it had established at its last snapshot. */
  establishedAtLastSnapshot: number;
  reason: string;
}
