/**
 * The search's answer in words and as gates: the capacity (or "at least" it, and why), what broke first above it,
 * whose limit it was — with the fix when it was the generator's, so a generator's ceiling never reads as the
 * ingress's capacity — and each --expect judged on it.
 */

import { formatCount } from '../core/units.js';
import type { FindDocument, ProbeRecord } from '../documents/find.js';
import { METRIC_NAMES, type StepMetrics } from '../gates/metric-table.js';
import { judgeCapacity } from '../gates/thresholds.js';
import type { CapacityGate, FindConfig } from './find-config.js';
import type { SearchAnswer } from './search.js';

type Worded = Pick<FindDocument['answer'], 'limitOf' | 'firstFailure' | 'text'>;

export function answerText(
  find: FindConfig,
  answer: SearchAnswer,
  probes: ProbeRecord[],
  generatorGaveOut: string | null,
  interrupted: boolean,
): Worded {
  const worded = answerWords(find, answer, probes, generatorGaveOut, interrupted);
  return { ...worded, text: worded.text + errorsAtCapacity(find, answer, probes) };
}

/**
 * Passing probes at the answer that counted errors (echo timeouts, drops) said beside it, with the way to fail them:
 * `opened==target` held while a slow backend timed out 3,262 pings a second.
 */
function errorsAtCapacity(find: FindConfig, answer: SearchAnswer, probes: ProbeRecord[]): string {
  if (answer.capacity === null || find.slo.some((t) => t.metric === 'errors')) return '';
  const errors = probes.filter((p) => p.pass && p.load === answer.capacity).map((p) => p.errors);
  const most = Math.max(0, ...errors);
  if (most === 0) return '';
  return (
    ` Probes at ${formatCount(answer.capacity)} passed with up to ${formatCount(most)} errors (echo timeouts, ` +
    "drops, failed connects): add --slo 'errors==0' to fail such probes."
  );
}

function answerWords(
  find: FindConfig,
  answer: SearchAnswer,
  probes: ProbeRecord[],
  generatorGaveOut: string | null,
  interrupted: boolean,
): Worded {
  const unit = find.def.unit;
  const failedAbove = probes.filter((p) => !p.pass && p.failure !== 'interrupted' && p.load > (answer.capacity ?? 0));
  // The target's failure if there is one: a generator or a machine that gave out once and was retried is not what
  // broke.
  const above = failedAbove.find((p) => limitOf(p) === 'target') ?? failedAbove[0];
  const generatorFailure = [...probes].reverse().find((p) => p.generatorLimit !== null);
  const machineFailure = [...probes].reverse().find((p) => p.machineLimit);
  const firstFailure = above ? { load: above.load, reason: reasonOf(above) } : null;
  const capacity = answer.capacity === null ? null : `${formatCount(answer.capacity)} ${unit}`;
  const slo = find.slo.map((t) => t.text).join(', ');
  const broke = firstFailure ? ` At ${formatCount(firstFailure.load)}: ${firstFailure.reason}.` : '';
  switch (answer.end) {
    case 'found':
      return {
        limitOf: 'target',
        firstFailure,
        text:
          `capacity ${capacity} within ${slo} (passed ${find.search.confirm}x; ` +
          `${formatCount(answer.bracket.fail ?? 0)} failed): the target's limit.${broke}`,
      };
    case 'to-reached':
      return {
        limitOf: null,
        firstFailure,
        text: `at least ${capacity}: every probe up to --to ${formatCount(find.search.to)} met ${slo}.`,
      };
    case 'generator-limit': {
      const what = generatorGaveOut ?? generatorFailure?.generatorLimit ?? 'the generator gave out';
      const at = generatorGaveOut ? '' : ` at ${formatCount(generatorFailure?.load ?? 0)} ${unit}`;
      const lower = capacity === null ? 'nothing passed' : `at least ${capacity}`;
      return {
        limitOf: 'generator',
        firstFailure: generatorFailure ? { load: generatorFailure.load, reason: what } : firstFailure,
        text:
          `the generator's limit, not the target's: ${lower}. ` +
          `It gave out${at}: ${what}. Fix: ${find.def.generatorFix}.`,
      };
    }
    case 'machine-limit':
    case 'inconclusive': {
      const at = machineFailure
        ? ` At ${formatCount(machineFailure.load)} ${unit}: ${machineFailure.machineLimit}.`
        : '';
      const lower = capacity === null ? 'nothing passed' : `at least ${capacity}`;
      return {
        limitOf: answer.end === 'machine-limit' ? 'machine' : 'inconclusive',
        firstFailure: machineFailure ? { load: machineFailure.load, reason: reasonOf(machineFailure) } : firstFailure,
        text:
          answer.end === 'machine-limit'
            ? `the machine's limit, not the target's: ${lower}, where the generator, the target and the watched ` +
              `processes filled this machine's cores.${at} The figure is this setup's: run the generator on ` +
              'another host (shards) to measure the target alone.'
            : `inconclusive: ${lower}, but ${capacity === null ? 'while the probes ran' : 'above it'} other work ` +
              `took this machine's cores, so no probe there could be judged (retried after a cool-down).${at} Run ` +
              'again on a quiet machine.',
      };
    }
    case 'nothing-passed':
      return {
        limitOf: firstFailure ? 'target' : null,
        firstFailure,
        text: `no load met ${slo}, down to ${formatCount(lowest(probes))} ${unit}.${broke}`,
      };
    case 'stopped':
      if (answer.capacity === null && probes.at(-1)?.status === 'unreachable')
        return {
          limitOf: 'target',
          firstFailure,
          text: `the target is unreachable: ${probes.at(-1)?.failure}. Nothing was measured; check --target.`,
        };
      return {
        limitOf: null,
        firstFailure,
        text:
          `${capacity === null ? 'nothing passed yet' : `at least ${capacity}`}: stopped by ` +
          `${interrupted ? 'Ctrl-C' : '--max-time'} before the answer was confirmed` +
          `${answer.bracket.fail === null ? '' : ` (${formatCount(answer.bracket.fail)} failed)`}.${broke}`,
      };
  }
}

/** A probe's whose-limit (documents before the machine witness had only generatorLimit). */
function limitOf(p: ProbeRecord): string {
  return p.limitOf ?? (p.generatorLimit !== null ? 'generator' : 'target');
}

/** Why a probe failed, with what bounded it when that was not the target. */
function reasonOf(p: ProbeRecord): string {
  if (p.generatorLimit) return p.generatorLimit;
  if (p.machineLimit) return `${p.failure ?? 'failed'}; ${p.machineLimit}`;
  return p.failure ?? '';
}

/**
 * A find step's metrics in a scenario summary: `capacity`, the answer's (the highest load that passed: confirmed, or
 * "at least" when the generator or the machine bounded the search or it was stopped, `atLeast` saying so; null when
 * nothing passed), every run metric null. Its thresholds are judged as --expect is (judgeCapacity): one rule.
 */
export function capacityMetrics(doc: FindDocument): { metrics: StepMetrics; atLeast: boolean } {
  return {
    metrics: {
      ...Object.fromEntries(METRIC_NAMES.map((m) => [m, null])),
      capacity: doc.answer.capacity,
    } as StepMetrics,
    atLeast: doc.answer.capacity !== null && doc.answer.atLeast,
  };
}

/** --expect on the answer, by the one capacity rule (gates/thresholds.ts judgeCapacity). */
export function judgeCapacityGates(gates: CapacityGate[], answer: SearchAnswer): FindDocument['expect'] {
  return gates.map((g) => judgeCapacity(g, answer.capacity, answer.atLeast));
}

function lowest(probes: ProbeRecord[]): number {
  return probes.length === 0 ? 0 : Math.min(...probes.map((p) => p.load));
}
