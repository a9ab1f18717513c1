/**
 * The tool's own failures: typed errors that carry their exit code and a hint, so the CLI prints one clean line
 * and exits with the documented code instead of a stack trace. Socket errors never become these: they are data.
 */

/** Exit codes are API (documented in README and tested by spawning the CLI). */
export const ExitCode = {
  ok: 0,
  /** Unexpected internal failure (a bug): message printed, no stack unless L4STRESS_DEBUG=1. */
  internal: 1,
  /** Invalid input: options, units, files. Nothing was started. */
  usage: 2,
  /**
   * Could not run, or not all of it: preflight failed, an output path cannot be written, the embedded target did
   * not start, no connection could be established, or a generator worker died (the result is marked partial).
   */
  couldNotRun: 3,
  /** The run completed and a result was written, but connections failed, dropped, or messages went wrong. */
  completedWithErrors: 4,
  /** A scenario's thresholds failed, or a comparison found a regression. Results were written. */
  gateFailed: 5,
  /**
   * find: other work took this machine's cores while the probes that would decide ran, after retries with a
   * cool-down: nothing could be said about the target. The document was written.
   */
  inconclusive: 6,
  /** Interrupted by SIGINT/SIGTERM; the partial result was written. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** How a run ended, and the exit code each ending gives: the one mapping (results record both). */
export const EXIT_CODE_FOR_STATUS = {
  completed: ExitCode.ok,
  'completed-with-errors': ExitCode.completedWithErrors,
  unreachable: ExitCode.couldNotRun,
  partial: ExitCode.couldNotRun,
  interrupted: ExitCode.interrupted,
} as const satisfies Record<string, ExitCodeValue>;
export type RunStatus = keyof typeof EXIT_CODE_FOR_STATUS;
export const RUN_STATUSES = Object.keys(EXIT_CODE_FOR_STATUS) as RunStatus[];

/** An error the user can act on: printed as `l4stress: <message>` plus an optional hint line. */
export class L4StressError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'L4StressError';
  }
}

/**
 * The run finished but its document could not be written where asked (a full disk): it is at `savedAt` (a fallback
 * file) or was printed (null). Carries the document, so a caller such as a scenario still has its numbers.
 */
export class DocumentNotSavedError<T = unknown> extends L4StressError {
  constructor(
    message: string,
    readonly document: T,
    readonly savedAt: string | null,
  ) {
    super(message, ExitCode.couldNotRun, 'free space or pick another --results-dir/--out; the run itself finished');
    this.name = 'DocumentNotSavedError';
  }
}

/** Bad option value, unit, or file content. */
export class UsageError extends L4StressError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
    this.name = 'UsageError';
  }
}

/** The run cannot start or cannot proceed (limits, target, environment). */
export class CouldNotRunError extends L4StressError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.couldNotRun, hint);
    this.name = 'CouldNotRunError';
  }
}
