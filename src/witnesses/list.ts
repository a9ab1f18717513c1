/**
 * The one list of witnesses (witness.ts says what one is). Every stage loops over it, in this order: the run loop and
 * the tick collector, the result builder and the merge, the metric table, the threshold grammar and what a run or a
 * probe can measure, the summary, and the HTML report. A new witness is its file plus its line here.
 */
import type { ProbeRecord } from '../documents/find.js';
import type { RunResult } from '../documents/result.js';
import { kernelWitness } from './kernel.js';
import { machineWitness } from './machine.js';
import { scrapeWitness } from './scrape.js';
import { udpWitness } from './udp.js';
import { watchedWitness } from './watched.js';
import {
  type AnyWitness,
  type LiveWitness,
  type ProbeColumn,
  type SectionOf,
  sectionOf,
  type TopKey,
} from './witness.js';

// The run's own processes first: each second, their CPU is what the machine witness counts as ours.
const LISTED = [watchedWitness, kernelWitness, udpWitness, machineWitness, scrapeWitness] as const;

/** The list every stage loops over. */
export const WITNESSES: readonly AnyWitness[] = LISTED;

type Listed = (typeof LISTED)[number];

/** The result fields the listed witnesses fill (the top-level ones; a nested one is a field of its `resources`). */
export type ListedKey = Extract<Listed['key'], TopKey>;
/** The `resources` fields the listed witnesses fill. */
export type ListedResourcesKey = Exclude<Listed['key'], TopKey>;
/** The find probe's fields the listed witnesses fill: a witness whose key is a probe field gives its figure there. */
export type ProbeKey = Extract<Listed['key'], keyof ProbeRecord>;

/** What each witness's live part handed over at the run's end, by its key: the run's outcome carries it. */
export type WitnessRecords = {
  [W in Listed as W['key']]: ReturnType<W['live']> extends LiveWitness<infer R> ? R : never;
};

/** The witness whose metric this is (by name, or by a series prefix such as `scrape.`); undefined for the table's. */
export function witnessOf(metric: string): AnyWitness | undefined {
  return WITNESSES.find(
    (w) => metric in w.metrics || (w.seriesMetrics !== undefined && metric.startsWith(w.seriesMetrics.prefix)),
  );
}

/** A metric named by a witness's series prefix and a series name (`scrape.haproxy_...`): unitless, median. */
export function isSeriesMetric(metric: string): boolean {
  return WITNESSES.some((w) => isSeriesOf(w, metric));
}

function isSeriesOf(w: AnyWitness, metric: string): boolean {
  const prefix = w.seriesMetrics?.prefix;
  return prefix !== undefined && metric.startsWith(prefix) && metric.length > prefix.length;
}

/** Every witness's series metrics of one result (`scrape.<name>`: its measured-phase mean). */
export function seriesMetrics(r: RunResult): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const w of WITNESSES) Object.assign(out, w.seriesMetrics?.read(sectionOf(w, r)));
  return out;
}

/** Each witness's figures of one probe (find/probe.ts), from the probe run's result, under its key. */
export function probeFigures(r: RunResult): { [K in ProbeKey]: ProbeRecord[K] } {
  const out: Record<string, unknown> = {};
  for (const w of WITNESSES) if (w.probe) out[w.key] = w.probe.figures(sectionOf(w, r));
  return out as { [K in ProbeKey]: ProbeRecord[K] };
}

/** Each witness's column of find's probe table, in the list's order (those with none for these probes left out). */
export function probeColumns(probes: ProbeRecord[]): ProbeColumn[] {
  return WITNESSES.flatMap((w) => {
    const column = w.probe?.column?.(probes);
    return column ? [column] : [];
  });
}

/** The `resources` fields of the listed witnesses nested there, each from `rule` (their section, or their merge). */
export function resourcesSections(rule: (w: AnyWitness) => unknown): {
  [K in ListedResourcesKey]: SectionOf<K>;
} {
  return Object.fromEntries(WITNESSES.filter((w) => w.nested === 'resources').map((w) => [w.key, rule(w)])) as {
    [K in ListedResourcesKey]: SectionOf<K>;
  };
}
