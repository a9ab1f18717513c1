/**
 * Two capacity searches compared (a before and an after): each answer as the interval the search pinned it to, a
 * verdict by one noise rule, and each SLO's value at the loads both searches probed. Pure: documents in, verdict out.
 *
 * The rule (docs/find.md, "Before and after"): a confirmed capacity lies between its highest pass and the failure
 * above it (the bracket, one precision step wide); a search with nothing passing puts it below its lowest failure;
 * a search stopped by --to or --max-time says only "at least". Two answers whose intervals overlap are the same;
 * the candidate's wholly above the baseline's is "improved", wholly below "regressed". An answer that is not the
 * target's (the generator's or the machine's limit, inconclusive) is no capacity to compare, nor is a lower bound
 * that does not clear the other's interval: "not comparable", which a gate never passes silently.
 */

import { median } from '../calibration/stats.js';
import { UsageError } from '../core/errors.js';
import type { FindDocument } from '../documents/find.js';
import { movingSeries } from '../witnesses/moving-series.js';

export type FindVerdict = 'improved' | 'same' | 'regressed' | 'not-comparable';

/** Where a search pinned the capacity: [low, high], high null for "at least low"; null when it is not the target's. */
export interface CapacityInterval {
  low: number;
  high: number | null;
}

export interface FindSide {
  label: string;
  end: FindDocument['answer']['end'];
  capacity: number | null;
  atLeast: boolean;
  limitOf: FindDocument['answer']['limitOf'];
  precision: number;
  probes: number;
  interval: CapacityInterval | null;
  /** Why the interval is null: the answer is not the target's, in words. */
  why: string | null;
  text: string;
}

/** One SLO (or `achieved`) at one load both searches probed: the median over the probes there, and passes of all. */
export interface SloAtLoad {
  load: number;
  slo: string;
  baseline: { value: number | null; passed: number; probes: number } | null;
  candidate: { value: number | null; passed: number; probes: number } | null;
}

export interface FindComparison {
  dimension: FindDocument['dimension'];
  unit: string;
  baseline: FindSide;
  candidate: FindSide;
  verdict: FindVerdict;
  reason: string;
  /** Differences between the searches that make the comparison weaker (SLOs, probe length, --conns). */
  cautions: string[];
  slo: SloAtLoad[];
  /** The gate: regressed or not comparable. */
  failed: boolean;
}

export function compareFinds(
  base: { label: string; doc: FindDocument },
  cand: { label: string; doc: FindDocument },
): FindComparison {
  const [b, c] = [base.doc, cand.doc];
  if (b.dimension !== c.dimension)
    throw new UsageError(
      `compare: ${base.label} searched --vary ${b.dimension} (${b.unit}), ${cand.label} --vary ${c.dimension} ` +
        `(${c.unit}): capacities in different units cannot be compared`,
    );
  const baseline = sideOf(base.label, b);
  const candidate = sideOf(cand.label, c);
  const { verdict, reason } = judge(baseline, candidate, b.unit);
  return {
    dimension: b.dimension,
    unit: b.unit,
    baseline,
    candidate,
    verdict,
    reason,
    cautions: cautionsOf(b, c),
    slo: sloAtCommonLoads(b, c),
    failed: verdict === 'regressed' || verdict === 'not-comparable',
  };
}

function sideOf(label: string, doc: FindDocument): FindSide {
  const a = doc.answer;
  const notTargets = a.limitOf === 'generator' || a.limitOf === 'machine' || a.limitOf === 'inconclusive';
  let interval: CapacityInterval | null = null;
  let why: string | null = null;
  if (notTargets)
    why = `${a.limitOf === 'inconclusive' ? 'inconclusive' : `the ${a.limitOf}'s limit`}, not the target's`;
  else if (a.capacity === null && a.end === 'nothing-passed' && a.bracket.fail !== null)
    interval = { low: 0, high: a.bracket.fail };
  else if (a.capacity === null) why = 'no load passed';
  else if (a.atLeast) interval = { low: a.capacity, high: null };
  else interval = { low: a.capacity, high: a.bracket.fail ?? a.capacity * (1 + doc.search.precision) };
  return {
    label,
    end: a.end,
    capacity: a.capacity,
    atLeast: a.atLeast,
    limitOf: a.limitOf,
    precision: doc.search.precision,
    probes: doc.probes.length,
    interval,
    why,
    text: a.text,
  };
}

function judge(b: FindSide, c: FindSide, unit: string): { verdict: FindVerdict; reason: string } {
  if (!b.interval || !c.interval) {
    const side = !b.interval ? b : c;
    return {
      verdict: 'not-comparable',
      reason: `${side.label}'s answer is ${side.why}: no capacity to compare (${side.end})`,
    };
  }
  const [bi, ci] = [b.interval, c.interval];
  const span = (i: CapacityInterval): string => intervalText(i, unit);
  if (bi.high !== null && ci.low > bi.high)
    return { verdict: 'improved', reason: `capacity up: ${span(ci)} is above ${span(bi)}, beyond both brackets` };
  if (ci.high !== null && ci.high < bi.low)
    return { verdict: 'regressed', reason: `capacity down: ${span(ci)} is below ${span(bi)}, beyond both brackets` };
  if (bi.high !== null && ci.high !== null)
    return {
      verdict: 'same',
      reason: `the brackets overlap (${span(bi)} and ${span(ci)}): within the searches' precision, no change`,
    };
  const open = bi.high === null ? b : c;
  return {
    verdict: 'not-comparable',
    reason:
      `${open.label} is a lower bound (at least ${count(open.interval!.low)} ${unit}: ${open.end}) that does not ` +
      'clear the other answer: search it further (--to, --max-time) to compare',
  };
}

/** `200–210 sessions`, `below 12 sessions`, `at least 400 sessions`. */
export function intervalText(i: CapacityInterval, unit: string): string {
  if (i.high === null) return `at least ${count(i.low)} ${unit}`;
  if (i.low === 0) return `below ${count(i.high)} ${unit}`;
  return `${count(i.low)}–${count(i.high)} ${unit}`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function cautionsOf(b: FindDocument, c: FindDocument): string[] {
  const out: string[] = [];
  const same = (x: string[], y: string[]): boolean => [...x].sort().join('\n') === [...y].sort().join('\n');
  if (!same(b.slo, c.slo))
    out.push(`the SLOs differ (${b.slo.join(', ')} vs ${c.slo.join(', ')}): the capacities answer different questions`);
  if (b.search.windowMs !== c.search.windowMs || b.search.warmupMs !== c.search.warmupMs)
    out.push('the probes differ in length (--warmup, --window): a longer window sees more of the tail');
  if (b.dimension === 'rate' && b.config.conns !== c.config.conns)
    out.push(`--conns differs (${b.config.conns} vs ${c.config.conns}): the rate was carried over other sessions`);
  return out;
}

/** The row name of a scraped series (--scrape) beside the SLOs: `ingress KEY`. */
export const INGRESS_ROW = 'ingress ';

/**
 * Each SLO, the achieved load and the ingress's own view (the scraped series that moved most with the load on
 * either side, as the text table picks it), at every load both searches probed, in load order.
 */
function sloAtCommonLoads(b: FindDocument, c: FindDocument): SloAtLoad[] {
  const loads = [...new Set(b.probes.map((p) => p.load))].filter((l) => c.probes.some((p) => p.load === l));
  const ingress = [...new Set([b, c].flatMap((d) => movingSeries(d.probes, 1).map((m) => INGRESS_ROW + m.key)))];
  const slos = ['achieved', ...ingress, ...new Set([...b.slo, ...c.slo])];
  return loads
    .sort((x, y) => x - y)
    .flatMap((load) => slos.map((slo) => ({ load, slo, baseline: at(b, load, slo), candidate: at(c, load, slo) })));
}

function at(doc: FindDocument, load: number, slo: string): SloAtLoad['baseline'] {
  const probes = doc.probes.filter((p) => p.load === load);
  if (slo.startsWith(INGRESS_ROW)) {
    // A gauge's mean or a counter's rate: no pass of its own; `passed` counts the probes that passed.
    const key = slo.slice(INGRESS_ROW.length);
    const values = probes.flatMap((p) => (p.scrape?.[key] === undefined ? [] : [p.scrape[key]]));
    if (values.length === 0) return null;
    return { value: median(values), passed: probes.filter((p) => p.pass).length, probes: probes.length };
  }
  const values = probes.flatMap((p) => {
    const v = slo === 'achieved' ? p.achieved : (p.slo.find((s) => s.threshold === slo)?.actual ?? null);
    return v === null ? [] : [v];
  });
  if (slo !== 'achieved' && !doc.slo.includes(slo)) return null;
  const passed = probes.filter((p) =>
    slo === 'achieved' ? p.carried : (p.slo.find((s) => s.threshold === slo)?.pass ?? false),
  ).length;
  return { value: values.length ? median(values) : null, passed, probes: probes.length };
}
