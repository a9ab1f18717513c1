/**
 * The capacity search, as a pure state machine: it proposes the next load, is told whether the probe passed, and
 * finally says what it found. No sockets and no clock here, so every path (growth, bisection, a noisy failure, a
 * bound reached) is tested with a scripted target.
 *
 * 1. Grow: from `from`, multiply by GROWTH until a probe fails (or `to` is reached: "at least `to`"). A failure at
 *    `from` itself steps down the same way, to find any load that passes.
 * 2. Bisect between the highest pass and the lowest failure until they are within `precision` of each other.
 * 3. Confirm: the candidate must pass `confirm` probes in all (its pass in the search counts as the first), and the
 *    load one precision step above it must fail. A failure of the candidate is retried once: noise near the
 *    boundary is expected, and a lone failure is never averaged away nor taken on its own. Two failures in a row make
 *    it a failure, and the bisection goes on below it; a pass one step above moves the search up.
 * A probe the generator could not carry (its own limit) ends the search: nothing above that load is the target's.
 */

export const GROWTH = 2;
/** Below this the search stops stepping down: nothing passes at any load worth reporting. */
const FLOOR = 1;

export type ProbePurpose = 'grow' | 'step-down' | 'bisect' | 'confirm' | 'retry' | 'above';

export interface SearchSettings {
  from: number;
  /** Highest load to try (Infinity: unbounded). */
  to: number;
  /** The bracket is narrow enough when (fail - pass) / pass <= precision. */
  precision: number;
  /** Passes the answer needs at its load, the search's own included. */
  confirm: number;
}

export type SearchEnd =
  /** Confirmed: passes at `capacity`, fails one precision step above. */
  | 'found'
  /** Every probe up to `to` passed. */
  | 'to-reached'
  /** Nothing passed, down to the floor. */
  | 'nothing-passed'
  /** The generator gave out before the target did. */
  | 'generator-limit'
  /** Stopped by --max-time or Ctrl-C before it was confirmed. */
  | 'stopped';

export interface SearchAnswer {
  end: SearchEnd;
  /** The highest load that passed (confirmed when `end` is found); null when none passed. */
  capacity: number | null;
  /** True when the capacity is a lower bound only ("at least"). */
  atLeast: boolean;
  /** The highest pass and lowest failure seen (null where there is none). */
  bracket: { pass: number | null; fail: number | null };
}

export interface NextProbe {
  load: number;
  purpose: ProbePurpose;
}

export class CapacitySearch {
  private phase: 'grow' | 'step-down' | 'bisect' | 'confirm' | 'above' | 'done' = 'grow';
  private pass: number | null = null;
  private fail: number | null = null;
  /** The pass before the highest, for when the highest turns out not to hold. */
  private lowerPass: number | null = null;
  private candidatePasses = 0;
  private candidateFailedOnce = false;
  private end: SearchEnd | null = null;
  private next: NextProbe;

  constructor(private readonly s: SearchSettings) {
    this.next = { load: s.from, purpose: 'grow' };
  }

  /** The next load to probe, or null when the search is over. */
  proposal(): NextProbe | null {
    return this.phase === 'done' ? null : this.next;
  }

  /** The outcome of the probe proposal() gave. `generatorBound`: it failed because the generator gave out. */
  record(passed: boolean, generatorBound = false): void {
    const { load } = this.next;
    if (!passed && generatorBound) {
      this.finish('generator-limit');
      return;
    }
    switch (this.phase) {
      case 'grow':
        if (passed) this.grew(load);
        else this.failedAt(load);
        return;
      case 'step-down':
        if (passed) {
          this.passedAt(load);
          this.bisectOrConfirm();
          return;
        }
        this.fail = load;
        this.stepDown(load);
        return;
      case 'bisect':
        if (passed) this.passedAt(load);
        else this.fail = load;
        this.bisectOrConfirm();
        return;
      case 'confirm':
        this.confirmed(passed);
        return;
      case 'above':
        this.above(load, passed);
        return;
      case 'done':
        return;
    }
  }

  /** Ends the search early (time bound, Ctrl-C): the answer is what is known so far. */
  stop(): void {
    if (this.phase !== 'done') this.finish('stopped');
  }

  answer(): SearchAnswer {
    const end = this.end ?? 'stopped';
    return {
      end,
      capacity: this.pass,
      atLeast: end !== 'found' && this.pass !== null,
      bracket: { pass: this.pass, fail: this.fail },
    };
  }

  private passedAt(load: number): void {
    if (this.pass !== null && load > this.pass) this.lowerPass = this.pass;
    this.pass = load;
  }

  private grew(load: number): void {
    this.passedAt(load);
    if (load >= this.s.to) {
      this.finish('to-reached');
      return;
    }
    if (this.fail !== null) {
      this.bisectOrConfirm();
      return;
    }
    this.propose(Math.min(this.s.to, round(load * GROWTH)), 'grow');
  }

  private failedAt(load: number): void {
    this.fail = load;
    if (this.pass === null) {
      this.stepDown(load);
      return;
    }
    this.bisectOrConfirm();
  }

  private stepDown(load: number): void {
    const lower = round(load / GROWTH);
    if (lower < FLOOR || lower >= load) {
      this.finish('nothing-passed');
      return;
    }
    this.phase = 'step-down';
    this.next = { load: lower, purpose: 'step-down' };
  }

  private bisectOrConfirm(): void {
    const { pass, fail } = this;
    if (pass === null) {
      this.finish('nothing-passed');
      return;
    }
    if (fail === null) {
      this.propose(Math.min(this.s.to, round(pass * GROWTH)), 'grow');
      return;
    }
    const mid = round((pass + fail) / 2);
    if ((fail - pass) / pass <= this.s.precision || mid <= pass || mid >= fail) {
      this.startConfirm();
      return;
    }
    this.phase = 'bisect';
    this.next = { load: mid, purpose: 'bisect' };
  }

  private startConfirm(): void {
    this.candidatePasses = 1;
    this.candidateFailedOnce = false;
    if (this.candidatePasses >= this.s.confirm) {
      this.probeAbove();
      return;
    }
    this.phase = 'confirm';
    this.next = { load: this.pass!, purpose: 'confirm' };
  }

  private confirmed(passed: boolean): void {
    if (passed) {
      this.candidateFailedOnce = false;
      this.candidatePasses++;
      if (this.candidatePasses >= this.s.confirm) {
        this.probeAbove();
        return;
      }
      this.next = { load: this.pass!, purpose: 'confirm' };
      return;
    }
    if (!this.candidateFailedOnce) {
      // A lone failure below a pass: retried, never taken on its own.
      this.candidateFailedOnce = true;
      this.next = { load: this.pass!, purpose: 'retry' };
      return;
    }
    // Failed twice in a row: the candidate is not the capacity. Bisect below it, from the last load known to pass.
    this.fail = this.pass;
    this.pass = this.lowerPass;
    this.lowerPass = null;
    if (this.pass === null) {
      this.stepDown(this.fail!);
      return;
    }
    this.bisectOrConfirm();
  }

  private probeAbove(): void {
    const pass = this.pass!;
    const above = Math.max(pass + 1, Math.ceil(pass * (1 + this.s.precision)));
    if (above > this.s.to) {
      this.finish('found');
      return;
    }
    this.phase = 'above';
    this.next = { load: above, purpose: 'above' };
  }

  private above(load: number, passed: boolean): void {
    if (!passed) {
      this.fail = Math.min(this.fail ?? load, load);
      this.finish('found');
      return;
    }
    // A step above passes: the candidate was low (noise on the way up). Search on from here.
    this.passedAt(load);
    if (this.fail !== null && this.fail <= load) this.fail = null;
    this.bisectOrConfirm();
  }

  private propose(load: number, purpose: ProbePurpose): void {
    this.phase = 'grow';
    this.next = { load, purpose };
  }

  private finish(end: SearchEnd): void {
    this.end = end;
    this.phase = 'done';
  }
}

/** Loads are whole numbers (connections, messages/s); a bisection never proposes a fraction. */
function round(v: number): number {
  return Math.max(1, Math.round(v));
}
