/**
 * The witnesses' document parts, one line each (witnesses/list.ts lists their live parts, a floor above): each
 * witness's section of the result, its field of every timeline row and the metric names thresholds may use, all
 * defined in its own file here. result.ts and summary.ts spread these; a witness added here is in the documents.
 */
import type { z } from 'zod';
import { kernelDocument } from './kernel.js';
import { machineDocument } from './machine.js';
import { scrapeDocument } from './scrape.js';
import { udpDocument } from './udp.js';

/** In the result's key order (the published schema keeps it). */
const DOCUMENTS = { scrape: scrapeDocument, kernel: kernelDocument, machine: machineDocument, udp: udpDocument };

type Documents = typeof DOCUMENTS;
export type WitnessKey = keyof Documents;
export const WITNESS_KEYS = Object.keys(DOCUMENTS) as WitnessKey[];

/** Each witness's result section, by its key (spread into the result's schema). */
export const WITNESS_SECTIONS = pick('section') as { [K in WitnessKey]: Documents[K]['section'] };
/** Each witness's timeline-row field, by its key (spread into the row's schema). */
export const WITNESS_SAMPLES = pick('sample') as { [K in WitnessKey]: Documents[K]['sample'] };

/** Every metric a witness names (`kernel.synRetrans`, `udp.rcvbufErrors`). */
export type WitnessMetricName = Documents[WitnessKey]['metricNames'][number];
export const WITNESS_METRIC_NAMES: readonly WitnessMetricName[] = Object.values(DOCUMENTS).flatMap(
  (d): readonly WitnessMetricName[] => d.metricNames,
);

function pick(part: 'section' | 'sample'): Record<string, z.ZodTypeAny> {
  return Object.fromEntries(Object.entries(DOCUMENTS).map(([key, d]) => [key, d[part]]));
}
