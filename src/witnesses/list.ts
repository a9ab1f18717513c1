/**
 * The one list of witnesses (witness.ts says what one is). Every stage loops over it, in this order: the run loop and
 * the tick collector, the result builder and the merge, the metric table, the threshold grammar and what a run or a
 * probe can measure, the summary, and the HTML report. A new witness is its file plus its line here.
 */
import type { RunResult } from '../documents/result.js';
import { kernelWitness } from './kernel.js';
import { machineWitness } from './machine.js';
import { scrapeWitness } from './scrape.js';
import { udpWitness } from './udp.js';
import type { AnyWitness, LiveWitness } from './witness.js';

const LISTED = [kernelWitness, udpWitness, machineWitness, scrapeWitness] as const;

/** The list every stage loops over. */
export const WITNESSES: readonly AnyWitness[] = LISTED;

type Listed = (typeof LISTED)[number];

/** The result fields the listed witnesses fill. */
export type ListedKey = Listed['key'];

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
  for (const w of WITNESSES) Object.assign(out, w.seriesMetrics?.read(r[w.key]));
  return out;
}
