/**
 * A step's verdicts: its thresholds over the iterations, plus what no threshold may hide. A step that could not
 * reach its target measured nothing, and one whose generator worker died measured part of the load: either fails,
 * whatever its thresholds say (or lack).
 */
import type { StepSummary } from '../documents/summary.js';
import { evaluateThreshold, type parseThreshold } from '../gates/thresholds.js';

type Verdict = StepSummary['thresholds'][number];

export function stepVerdicts(
  thresholds: ReturnType<typeof parseThreshold>[],
  iterations: StepSummary['iterations'],
  target: string,
): Verdict[] {
  const verdicts: Verdict[] = thresholds.map((t) =>
    evaluateThreshold(
      t,
      iterations.map((it) => it.metrics),
    ),
  );
  const numbered = (status: string): number[] => iterations.flatMap((it, i) => (it.status === status ? [i + 1] : []));
  const plural = (n: number[]): string => `iteration${n.length > 1 ? 's' : ''} ${n.join(', ')}`;
  const unreachable = numbered('unreachable');
  if (unreachable.length > 0)
    verdicts.push({
      threshold: 'target reachable',
      pass: false,
      actual: null,
      reason: `${plural(unreachable)}: no connection established (${target})`,
    });
  const partial = numbered('partial');
  if (partial.length > 0)
    verdicts.push({
      threshold: 'whole load measured',
      pass: false,
      actual: null,
      reason: `${plural(partial)}: a generator worker died (partial)`,
    });
  return verdicts;
}
