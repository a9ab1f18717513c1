/**
 * A result is assembled by section, with an explicit rule for every field: `ResultRules` names every top-level
 * field of the result document (optional ones too), and `Complete` makes a section spell out every field it holds.
 * A new schema field therefore fails to compile until both the builder (build.ts) and the merge (merge.ts) say
 * what to do with it; nothing is copied from "the first shard" by a spread. The witnesses' sections (witnesses/list.ts)
 * each have their rule from their witness: `witnessRules` makes one per listed witness (one nested in `resources` is
 * made by the resources rule, with witnesses/list.ts's `resourcesSections`).
 */
import type { RunResult } from '../documents/result.js';
import { type ListedKey, WITNESSES } from '../witnesses/list.js';
import type { AnyWitness } from '../witnesses/witness.js';

/** Every key of T, optional ones included, must be written (an optional one may be written as undefined). */
export type Complete<T> = { [K in keyof Required<T>]: K extends keyof T ? T[K] : never };

/** One rule per top-level field of the result, from a context the builder or the merge prepared. */
export type ResultRules<C> = { [K in keyof Complete<RunResult>]: (c: C) => Complete<RunResult>[K] };

/** The result the rules make, in their order; fields whose rule gives undefined are left out. */
export function assemble<C>(rules: ResultRules<C>, c: C): RunResult {
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules) as [string, (c: C) => unknown][]) {
    const value = rule(c);
    if (value !== undefined) out[key] = value;
  }
  return out as RunResult;
}

/** One rule per listed witness's section, made from the witness (its section when building, its merge when merging). */
export function witnessRules<C>(rule: (w: AnyWitness, c: C) => unknown): Pick<ResultRules<C>, ListedKey> {
  const top = WITNESSES.filter((w) => w.nested === undefined);
  return Object.fromEntries(top.map((w) => [w.key, (c: C) => rule(w, c)])) as unknown as Pick<
    ResultRules<C>,
    ListedKey
  >;
}
