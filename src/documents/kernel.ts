/**
 * The kernel's TCP counters as a witness (instruments/kernel-tcp.ts reads them, witnesses/kernel.ts keeps them), in
 * the generator's network namespace: counter deltas over the run, socket gauges before and after it, each second's.
 */
import { z } from 'zod';
import { KERNEL_COUNTER_NAMES, type KernelCounterName } from '../core/vocabulary.js';
import { count } from './common.js';

/** The kernel's TCP counters, each a count: over a run, or over one second. */
export const kernelCountersSchema = z.object(
  Object.fromEntries(KERNEL_COUNTER_NAMES.map((k) => [k, count])) as Record<KernelCounterName, typeof count>,
);
export const kernelSocketsSchema = z.object({ timeWait: count, orphans: count, memPages: count });

export const kernelSectionSchema = z.object({
  counters: kernelCountersSchema,
  before: kernelSocketsSchema,
  after: kernelSocketsSchema,
});

/** One second: counter deltas and TIME_WAIT sockets. */
export const kernelSampleSchema = z.object({
  synRetrans: count,
  listenOverflows: count,
  retransSegs: count,
  outRsts: count,
  timeWait: count,
});

/** Each kernel TCP counter's delta over a run (`kernel.synRetrans`): thresholds can name them. */
export type KernelMetricName = `kernel.${KernelCounterName}`;
const KERNEL_METRIC_NAMES = KERNEL_COUNTER_NAMES.map((n): KernelMetricName => `kernel.${n}`);

/** Its document parts (witness-documents.ts lists them). */
export const kernelDocument = {
  /** Null where /proc/net cannot be read; absent in older results and off Linux. */
  section: kernelSectionSchema.nullable().optional(),
  sample: kernelSampleSchema.optional(),
  metricNames: KERNEL_METRIC_NAMES,
};
