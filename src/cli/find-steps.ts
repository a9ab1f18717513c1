/**
 * A scenario summary's find steps (`find:` steps: each iteration a capacity search, its document beside the
 * summary): compared by the searches' own rule (gates/compare-find.ts: capacity, bracket, precision, whose limit)
 * when `compare` is given two summaries, and drawn on find pages when `report` is given summaries. A step's
 * `capacity` metric alone says nothing of the bracket or whose limit it was: the documents do.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatCount } from '../core/units.js';
import type { FindDocument } from '../documents/find.js';
import { readFind } from '../documents/readers.js';
import type { ScenarioSummary } from '../documents/summary.js';
import { compareFinds, type FindComparison, intervalText } from '../gates/compare-find.js';
import { VERDICT_WORD } from '../reporters/find-compare-text.js';
import { renderTable } from '../reporters/table.js';

/** One find step of a summary: the search compared and drawn (of several iterations, the median capacity's). */
export interface FindStep {
  step: string;
  file: string;
  doc: FindDocument;
  /** How many searches the step ran (iterations), and how many documents were not found. */
  searches: number;
  missing: number;
}

/** Whether an iteration's file is a find document (find steps write `<step>-i<n>.find.json`). */
export function isFindIteration(resultFile: string): boolean {
  return resultFile.endsWith('.find.json');
}

/** The find document an iteration names: where it was written, or beside the summary (a copied run folder). */
function locate(summaryFile: string, resultFile: string): string | null {
  return [resultFile, path.join(path.dirname(summaryFile), path.basename(resultFile))].find(existsSync) ?? null;
}

/** Every find step of a summary with its search; the median capacity's when the step ran several. */
export function findSteps(summaryFile: string, summary: ScenarioSummary): FindStep[] {
  return Object.entries(summary.steps).flatMap(([step, entry]) => {
    const named = entry.iterations.filter((it) => isFindIteration(it.resultFile));
    const found = named.flatMap((it) => {
      const file = locate(summaryFile, it.resultFile);
      return file ? [{ file, doc: readFind(file) }] : [];
    });
    if (found.length === 0) return [];
    const sorted = [...found].sort((a, b) => (a.doc.answer.capacity ?? -1) - (b.doc.answer.capacity ?? -1));
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    return [{ step, ...median, searches: named.length, missing: named.length - found.length }];
  });
}

export interface FindStepComparison {
  step: string;
  comparison: FindComparison | null;
  /** Why the step was not compared (in one summary only, a document missing), or notes on what was. */
  notes: string[];
}

/** The find steps of two summaries, step by step: the verdict by the searches' own precision. */
export function compareFindSteps(
  base: { file: string; summary: ScenarioSummary },
  cand: { file: string; summary: ScenarioSummary },
): FindStepComparison[] {
  const [b, c] = [findSteps(base.file, base.summary), findSteps(cand.file, cand.summary)];
  const named = (summary: ScenarioSummary): string[] =>
    Object.keys(summary.steps).filter((k) => summary.steps[k].iterations.some((it) => isFindIteration(it.resultFile)));
  const [inBase, inCand] = [named(base.summary), named(cand.summary)];
  const steps = [...new Set([...inBase, ...inCand])];
  return steps.map((step) => {
    const [x, y] = [b.find((s) => s.step === step), c.find((s) => s.step === step)];
    if (!inBase.includes(step) || !inCand.includes(step))
      return {
        step,
        comparison: null,
        notes: [`a find step of the ${inBase.includes(step) ? 'baseline' : 'candidate'} only`],
      };
    if (!x || !y)
      return {
        step,
        comparison: null,
        notes: [
          `the ${x ? 'candidate' : 'baseline'}'s find documents were not found (as written, nor beside its summary)`,
        ],
      };
    const notes = [x, y].flatMap((s, i) => [
      ...(s.searches > 1 ? [`${['baseline', 'candidate'][i]} ran ${s.searches} searches: the median capacity's`] : []),
      ...(s.missing > 0 ? [`${['baseline', 'candidate'][i]}: ${s.missing} find document(s) not found`] : []),
    ]);
    const comparison = compareFinds(
      { label: path.basename(x.file), doc: x.doc },
      { label: path.basename(y.file), doc: y.doc },
    );
    return { step, comparison, notes: [...notes, ...comparison.cautions] };
  });
}

/** The find steps' table under a comparison of summaries: each side's capacity, bracket, whose limit, the verdict. */
export function renderFindSteps(list: FindStepComparison[]): string {
  if (list.length === 0) return '';
  const side = (c: FindComparison, s: FindComparison['baseline']): string =>
    `${s.capacity === null ? 'none' : `${s.atLeast ? 'at least ' : ''}${formatCount(s.capacity)}`} ` +
    `(${s.interval ? intervalText(s.interval, c.unit) : '-'}, ${Math.round(s.precision * 1000) / 10}%, ` +
    `${s.limitOf ?? s.end})`;
  const rows = list.map(({ step, comparison: c }) =>
    c === null
      ? [step, '-', '-', '-', 'not compared']
      : [step, c.unit, side(c, c.baseline), side(c, c.candidate), VERDICT_WORD[c.verdict]],
  );
  const lines = [
    "Find steps: capacity (bracket, precision, whose limit), judged by the searches' own precision (docs/find.md):",
    renderTable(rows, ['step', 'unit', 'baseline', 'candidate', 'verdict']),
    ...list.flatMap(({ step, comparison: c, notes }) => [
      ...(c ? [`${step}: ${VERDICT_WORD[c.verdict]}: ${c.reason}`] : []),
      ...notes.map((n) => `${step}: note: ${n}`),
    ]),
  ];
  return lines.join('\n');
}

/** Whether a find step's verdict fails the comparison: regressed, or not comparable (a gate never passes unjudged). */
export function findStepsFailed(list: FindStepComparison[]): boolean {
  return list.some((s) => s.comparison?.failed === true);
}

/** `verdict (find steps): REGRESSED: sessions` or `verdict (find steps): no regression (2 compared)`. */
export function findStepsVerdict(list: FindStepComparison[]): string {
  const failed = list.filter((s) => s.comparison?.failed === true);
  const words = failed.map((s) => `${s.step} (${VERDICT_WORD[s.comparison!.verdict]})`);
  const compared = list.filter((s) => s.comparison !== null).length;
  const said = failed.length ? `FAILED: ${words.join(', ')}` : `no regression (${compared} compared)`;
  return `verdict (find steps): ${said}`;
}
