/**
 * The capacity search, as a pure state machine: it proposes the next load, is told whether the probe passed, and
 * finally says what it found. No sockets and no clock here, so every path (growth, bisection, a noisy failure, a
 * bound reached) is tested with a scripted target. Over 300 lines on purpose: one state machine, whose rules read
 * best beside each other (saturation.ts has their arithmetic).
 *
 * 1. Grow: from `from`, multiply by GROWTH until a probe fails (or `to` is reached: "at least `to`"). A failure at
 *    `from` itself steps down the same way, to find any load that passes. With `scouts`, these probes are scouts
 *    (shorter, run-find.ts): they steer the search, and their passes never count as the answer's evidence.
 * 2. Bisect between the highest pass and the lowest failure until they are within `precision` of each other. A
 *    failure above the pass that achieved about the pass (a cap, a rate limit: saturated there) sends the next probe
 *    one precision step above the pass, which settles the bracket at once.
 * 3. Confirm: the candidate must pass `confirm` full probes in all (its pass in the search counts as the first when
 *    it was not a scout's), and the load one precision step above it must fail in a full probe (one the bisection
 *    made counts). A failure of the candidate is retried once: noise near the boundary is expected, and a lone
 *    failure is never averaged away nor taken on its own. Two failures in a row make it a failure, and the
 *    bisection goes on below it; a pass one step above moves the search up.
 * Every pass and failure is remembered: the bracket is always the highest pass and the lowest failure above it, so
 * a noisy result never erases what other probes established. A probe the generator could not carry (or that filled
 * this machine with our own processes) is retried once (a busy moment); twice in a row, it ends the search: nothing
 * above that load is the target's to judge. A probe judged inconclusive (others took the cores) is retried up to
 * INCONCLUSIVE_RETRIES times (the caller cools down first); still inconclusive, the search ends so, never a capacity.
 */

import type { FindEnd, FindProbePurpose } from '../core/vocabulary.js';
import { plateauOf, saturatedAt, stepAbove } from './saturation.js';

export const GROWTH = 2;
/** Retries of a probe that others' load made inconclusive, before the search ends inconclusive. */
export const INCONCLUSIVE_RETRIES = 2;

/** What bounded a failed probe when it was not the target: the search never takes such a failure as a capacity. */
export type ProbeBound = 'generator' | 'machine' | 'inconclusive';
/** Inconclusive says least about the target, then the machine's limit, then the generator's. */
const SEVERITY: ProbeBound[] = ['inconclusive', 'machine', 'generator'];
const moreSevere = (a: ProbeBound, b: ProbeBound): ProbeBound => (SEVERITY.indexOf(a) <= SEVERITY.indexOf(b) ? a : b);
const END_OF_BOUND = { generator: 'generator-limit', machine: 'machine-limit', inconclusive: 'inconclusive' } as const;
const FLOOR = 1; // below this the search stops stepping down: nothing passes at any load worth reporting

export interface SearchSettings {
  from: number;
  /** Highest load to try (Infinity: unbounded). */
  to: number;
  /** The bracket is narrow enough when (fail - pass) / pass <= precision. */
  precision: number;
  /** Passes the answer needs at its load, the search's own included. */
  confirm: number;
  /** Growth and step-down probes are scouts (shorter than the full probe): their passes confirm nothing. */
  scouts?: boolean;
}

/** found (confirmed), to-reached, nothing-passed, generator-limit, machine-limit, inconclusive, stopped: answer.ts. */
export type SearchEnd = FindEnd;

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
  purpose: FindProbePurpose;
  /** Set on a scout (growth, stepping down, their retries): a short probe that steers the search. */
  scout?: true;
}

/** What a probe told the search. */
export interface ProbeOutcome {
  passed: boolean;
  /** Failed for something other than the target (generator, machine, others' load): retried, never a capacity. */
  bound?: ProbeBound | null;
  /**
   * The load it achieved, when less than asked: where the next bisection probe goes, if inside the bracket (a
   * saturated target's throughput is its capacity's estimate; one probe saved, the bracket unchanged).
   */
  carried?: number | null;
}

export class CapacitySearch {
  private phase: 'grow' | 'step-down' | 'bisect' | 'confirm' | 'above' | 'done' = 'grow';
  private readonly passes = new Set<number>();
  private readonly fails = new Set<number>();
  /** The loads whose pass or failure a full probe (not a scout) established: the answer's evidence. */
  private readonly fullPasses = new Set<number>();
  private readonly fullFails = new Set<number>();
  private candidatePasses = 0;
  private candidateFailedOnce = false;
  /** The load whose probe something other than the target bounded, and how often it was retried. */
  private boundRetries: { load: number; worst: ProbeBound; retries: number } | null = null;
  /** A failed probe's achieved load, tried next when it falls inside the bracket. */
  private hint: number | null = null;
  /** What each failed probe that did not carry its load achieved, by the load asked. */
  private readonly shortfalls = new Map<number, number>();
  private end: SearchEnd | null = null;
  private next: NextProbe;

  constructor(private readonly s: SearchSettings) {
    this.next = this.probe(s.from, 'grow');
  }

  /** The next load to probe, or null when the search is over. */
  proposal(): NextProbe | null {
    return this.phase === 'done' ? null : this.next;
  }

  /** The outcome of the probe proposal() gave (see ProbeOutcome). */
  record({ passed, bound = null, carried = null }: ProbeOutcome): void {
    const { load } = this.next;
    this.hint = !passed && carried !== null && carried < load ? carried : null;
    if (this.hint !== null && bound === null) this.shortfalls.set(load, this.hint);
    if (!passed && bound !== null) {
      // Retries count per load whatever bounded them (a verdict that flips between machine and inconclusive must
      // still end); when they run out, the most severe bound seen ends the search.
      const same = this.boundRetries?.load === load;
      const retries = same ? this.boundRetries!.retries : 0;
      const worst = same ? moreSevere(this.boundRetries!.worst, bound) : bound;
      if (retries >= (worst === 'inconclusive' ? INCONCLUSIVE_RETRIES : 1)) {
        this.finish(END_OF_BOUND[worst]);
        return;
      }
      this.boundRetries = { load, worst, retries: retries + 1 };
      this.next = { ...this.next, purpose: 'retry' };
      return;
    }
    this.boundRetries = null;
    switch (this.phase) {
      case 'grow':
      case 'step-down':
      case 'bisect':
        this.add(load, passed, this.next.scout === true);
        if (passed && this.phase === 'grow' && load >= this.s.to) this.reachedTo(load);
        else if (this.highestPass() === null) this.stepDown(load);
        else this.bisectOrConfirm();
        return;
      case 'confirm':
        this.confirmed(load, passed);
        return;
      case 'above':
        this.add(load, passed, false);
        if (passed) this.bisectOrConfirm();
        else this.finish('found');
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
    const pass = this.highestPass();
    return {
      end,
      capacity: pass,
      atLeast: end !== 'found' && pass !== null,
      bracket: { pass, fail: pass === null ? this.lowestFail(0) : this.lowestFail(pass) },
    };
  }

  /** A full probe's verdict outranks a scout's at one load; between equals a pass outweighs a failure. */
  private add(load: number, passed: boolean, scout: boolean): void {
    const [mine, other] = passed ? [this.fullPasses, this.fullFails] : [this.fullFails, this.fullPasses];
    if (other.has(load) && (scout || !passed)) return;
    if (!scout) {
      mine.add(load);
      other.delete(load);
    }
    if (passed) {
      this.passes.add(load);
      this.fails.delete(load);
    } else if (!scout || !this.passes.has(load)) {
      this.passes.delete(load);
      this.fails.add(load);
    }
  }

  private highestPass(): number | null {
    return this.passes.size === 0 ? null : Math.max(...this.passes);
  }

  /** The lowest failure above `load` (failures below the highest pass are noise the passes outweigh). */
  private lowestFail(load: number): number | null {
    let lowest: number | null = null;
    for (const f of this.fails) if (f > load && (lowest === null || f < lowest)) lowest = f;
    return lowest;
  }

  private stepDown(load: number): void {
    const lower = round(load / GROWTH);
    if (lower < FLOOR || lower >= load) {
      this.finish('nothing-passed');
      return;
    }
    this.phase = 'step-down';
    this.next = this.probe(lower, 'step-down');
  }

  private bisectOrConfirm(): void {
    const pass = this.highestPass()!;
    const fail = this.lowestFail(pass);
    if (fail === null) {
      if (pass >= this.s.to) {
        this.finish('to-reached');
        return;
      }
      this.phase = 'grow';
      this.next = this.probe(Math.min(this.s.to, round(pass * GROWTH)), 'grow');
      return;
    }
    const mid = round((pass + fail) / 2);
    if (fail <= stepAbove(pass, this.s.precision) || mid <= pass || mid >= fail) {
      this.startConfirm(pass);
      return;
    }
    if (saturatedAt(pass, this.shortfalls, this.s.precision)) {
      // Every load past the pass achieved about the pass: the step above it closes the bracket in one probe.
      this.phase = 'bisect';
      this.next = { load: stepAbove(pass, this.s.precision), purpose: 'above' };
      return;
    }
    const plateau = plateauOf(this.shortfalls, this.s.precision);
    if (plateau !== null && round(plateau) > pass && round(plateau) < fail) {
      this.phase = 'bisect';
      this.next = { load: round(plateau), purpose: 'plateau' };
      return;
    }
    const hint = this.hint === null ? null : round(this.hint);
    this.phase = 'bisect';
    this.next = { load: hint !== null && hint > pass && hint < fail ? hint : mid, purpose: 'bisect' };
  }

  private startConfirm(candidate: number): void {
    // A scout's pass steered the search here; the answer's passes are full probes.
    this.candidatePasses = this.fullPasses.has(candidate) ? 1 : 0;
    this.candidateFailedOnce = false;
    if (this.candidatePasses >= this.s.confirm) {
      this.probeAbove(candidate);
      return;
    }
    this.phase = 'confirm';
    this.next = { load: candidate, purpose: 'confirm' };
  }

  private confirmed(candidate: number, passed: boolean): void {
    if (passed) {
      this.candidateFailedOnce = false;
      this.candidatePasses++;
      this.fullPasses.add(candidate);
      if (this.candidatePasses >= this.s.confirm) this.probeAbove(candidate);
      else this.next = { load: candidate, purpose: 'confirm' };
      return;
    }
    if (!this.candidateFailedOnce) {
      // A lone failure below a pass: retried, never taken on its own.
      this.candidateFailedOnce = true;
      this.next = { load: candidate, purpose: 'retry' };
      return;
    }
    // Failed twice in a row: the candidate is not the capacity. Bisect below it, from the passes left.
    for (const set of [this.passes, this.fullPasses]) set.delete(candidate);
    for (const set of [this.fails, this.fullFails]) set.add(candidate);
    if (this.highestPass() === null) this.stepDown(candidate);
    else this.bisectOrConfirm();
  }

  private probeAbove(pass: number): void {
    const above = stepAbove(pass, this.s.precision);
    // The step above already failed in a full probe (the bisection's): that failure is the confirmation's.
    const failed = [...this.fullFails].some((f) => f > pass && f <= above);
    if (above > this.s.to || failed) {
      this.finish('found');
      return;
    }
    this.phase = 'above';
    this.next = { load: above, purpose: 'above' };
  }

  /** "At least --to" rests on a full probe: a scout's pass at --to is probed again in full. */
  private reachedTo(load: number): void {
    if (this.next.scout) this.next = { load, purpose: 'confirm' };
    else this.finish('to-reached');
  }

  /** A growth or step-down probe is a scout when the settings say so. */
  private probe(load: number, purpose: 'grow' | 'step-down'): NextProbe {
    return this.s.scouts ? { load, purpose, scout: true } : { load, purpose };
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
