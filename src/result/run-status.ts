/** How a run ended (its status, hence its exit code), and what share of it was lost with dead workers. */
import type { RunResult, RunStatus } from '../documents/result.js';
import type { LoadOutcome } from '../worker-contract/outcome.js';

export function runStatus(
  outcome: LoadOutcome,
  churnUnreachable: boolean,
  shortfall: boolean,
  errors: number,
): RunStatus {
  if (outcome.interrupted) return 'interrupted';
  if (outcome.lostWorkers.length > 0) return 'partial';
  if (outcome.nothingEstablished || churnUnreachable) return 'unreachable';
  if (errors > 0 || shortfall) return 'completed-with-errors';
  return 'completed';
}

export function partialOf(outcome: LoadOutcome, planned: number): NonNullable<RunResult['partial']> | null {
  if (outcome.lostWorkers.length === 0) return null;
  const lostConnections = outcome.lostWorkers.reduce((n, w) => n + w.conns, 0);
  return {
    lostWorkers: outcome.lostWorkers.map((w) => ({ ...w })),
    lostConnections,
    lostShare: planned > 0 ? Math.min(1, lostConnections / planned) : 0,
  };
}
