/**
 * A step's verdicts: its thresholds over the iterations, plus what no threshold may hide. A step that could not
 * reach its target measured nothing, and one whose generator worker died measured part of the load: either fails,
 * whatever its thresholds say (or lack). A find step's `capacity` is judged by the capacity rule (--expect's).
 */
import type { StepSummary } from '../documents/summary.js';
import { evaluateThreshold, judgeCapacity, type parseThreshold } from '../gates/thresholds.js';

type Verdict = StepSummary['thresholds'][number];

export function stepVerdicts(
  thresholds: ReturnType<typeof parseThreshold>[],
  iterations: StepSummary['iterations'],
  target: string,
): Verdict[] {
  const verdicts: Verdict[] = thresholds.map((t) =>
    t.metric === 'capacity' && t.op !== '!=' && t.value !== 'target'
      ? capacityVerdict({ text: t.text, op: t.op, value: t.value }, iterations)
      : evaluateThreshold(
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

/**
 * A find step's `capacity` threshold, by the rule --expect and the step's `expect` use (judgeCapacity): the lowest
 * iteration's capacity, a lower bound when any iteration's answer was "at least".
 */
function capacityVerdict(rule: Parameters<typeof judgeCapacity>[0], iterations: StepSummary['iterations']): Verdict {
  const known = iterations.map((it) => it.metrics.capacity).filter((c): c is number => c !== null);
  const actual = known.length === iterations.length && known.length > 0 ? Math.min(...known) : null;
  return judgeCapacity(
    rule,
    actual,
    iterations.some((it) => it.atLeast === true),
  );
}
