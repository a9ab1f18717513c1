/**
 * The `l4stress find` document: one capacity search. Every probe's load, verdicts and figures with its encoded
 * histograms (so a probe can be re-reported), the answer with its bracket, the SLO that broke first, whose limit it
 * was, and the environment. Written atomically when the search ends, Ctrl-C and the time bound included.
 */

import { z } from 'zod';
import { FIND_DIMENSIONS, FIND_ENDS, FIND_LIMITS, FIND_PROBE_PURPOSES, TARGET_KINDS } from '../core/vocabulary.js';
import { count, environmentSchema, gitInfoSchema, latencySummarySchema, toolSchema } from './common.js';
import { machineSectionSchema } from './machine.js';
import { resultConfigSchema, targetWatchSchema } from './result.js';
import { thresholdVerdictSchema } from './summary.js';

export const FIND_KIND = 'l4stress-find';
export const FIND_SCHEMA_VERSION = 1;

const nullableNumber = z.number().nullable();

export const probePurposeSchema = z.enum(FIND_PROBE_PURPOSES);

export const probeSchema = z.object({
  index: count,
  /** The load asked, in the dimension's unit. */
  load: z.number().min(0),
  purpose: probePurposeSchema,
  /**
   * Set on a scout (growth, stepping down): a shorter probe that steers the search, its warm-up and window. Its pass
   * is never the answer's evidence (confirmations and the failure above are full probes). Absent on a full probe.
   */
  scout: z.object({ warmupMs: count, windowMs: count }).optional(),
  pass: z.boolean(),
  /** What the probe achieved, in the dimension's unit, and whether that carried the load asked. */
  achieved: nullableNumber,
  carried: z.boolean(),
  /** Each --slo on this probe's measured window. */
  slo: z.array(thresholdVerdictSchema),
  /** Why it failed, in words (the first SLO broken, or the load not carried); null for a pass. */
  failure: z.string().nullable(),
  /** Set when the generator, not the target, gave out: what gave out. */
  generatorLimit: z.string().nullable(),
  /** A failed probe's whose-limit: the target, the generator, the machine (ours filled it), or inconclusive. */
  limitOf: z.enum(FIND_LIMITS).nullable().optional(),
  /** Set when the machine bounded the probe (limitOf machine or inconclusive): its figures in words. */
  machineLimit: z.string().nullable().optional(),
  /** The machine over the probe's window (witnesses/machine.ts); null where nothing was sampled. */
  machine: machineSectionSchema.nullable().optional(),
  /** The probe run's status and exit code, as a run would report them. */
  status: z.string(),
  exitCode: count,
  roundTripUs: latencySummarySchema,
  connectUs: latencySummarySchema,
  tlsHandshakeUs: latencySummarySchema.nullable(),
  errors: count,
  /**
   * --udp: datagrams lost over the probe's measured window, in percent of those sent in it (what its `loss` SLO is
   * judged on: find/probe-verdict.ts probeMetrics); absent over TCP.
   */
  loss: z.number().min(0).nullable().optional(),
  established: count,
  opened: count,
  /** Measured-phase CPU, % of one core: the generator, the embedded target, each --watch-pid process. */
  cpu: z.object({
    generator: nullableNumber,
    target: nullableNumber,
    watched: z.array(z.object({ pid: count, name: z.string(), percent: nullableNumber })),
  }),
  /**
   * --scrape: the ingress's own series over the probe's measured window (gauges' means, counters' mean rates), by
   * series key; null without --scrape, absent in older documents.
   */
  scrape: z.record(z.string(), z.number()).nullable().optional(),
  /** The kernel's TCP counters that moved during the probe (absent where /proc/net is not readable). */
  kernel: z.record(z.string(), count).nullable(),
  /**
   * The kernel's UDP counters that moved during the probe (witnesses/udp.ts): RcvbufErrors, SndbufErrors and
   * MemErrors are drops in this host's socket buffers. Null where /proc/net/snmp is not readable; absent in older
   * documents.
   */
  udp: z.record(z.string(), count).nullable().optional(),
  /** ramp + warm-up + window + stop, as it took. */
  elapsedMs: count,
  histograms: z.object({ roundTripUs: z.string(), connectUs: z.string() }),
  warnings: z.array(z.string()),
  /** --watch-pid processes that exited during this probe, seconds into it (absent when none did). */
  watchedExited: z.array(z.object({ pid: count, name: z.string(), afterS: nullableNumber })).optional(),
});
export type ProbeRecord = z.infer<typeof probeSchema>;

export const findEndSchema = z.enum(FIND_ENDS);

export const findDocumentSchema = z
  .object({
    kind: z.literal(FIND_KIND),
    schemaVersion: z.literal(FIND_SCHEMA_VERSION),
    tool: toolSchema,
    git: gitInfoSchema.nullable(),
    command: z.array(z.string()),
    name: z.string(),
    startedAt: z.string(),
    endedAt: z.string(),
    exitCode: count,
    dimension: z.enum(FIND_DIMENSIONS),
    unit: z.string(),
    slo: z.array(z.string()),
    search: z.object({
      from: z.number(),
      to: z.number().nullable(),
      /**
       * A conns search asked past what this machine can hold (fds, ports, memory), or without --to against the
       * embedded target: `to` is what it was brought down to, `asked` the --to given (null: none), `why` the figures.
       * Absent in older documents and when nothing was clamped.
       */
      clamped: z.object({ asked: z.number().nullable(), why: z.string() }).nullable().optional(),
      precision: z.number(),
      confirm: count,
      maxTimeMs: count,
      warmupMs: count,
      windowMs: count,
    }),
    /** The settings every probe shared, at the first probe's load. */
    config: resultConfigSchema,
    target: z.object({
      kind: z.enum(TARGET_KINDS),
      host: z.string(),
      port: count,
      /** A loopback target's processes, watched for the whole search (documents/result.ts); absent in older. */
      watched: targetWatchSchema.nullable().optional(),
    }),
    answer: z.object({
      end: findEndSchema,
      /** The highest load that passed (confirmed when end is found); null when none did. */
      capacity: nullableNumber,
      /** The capacity is a lower bound: a bound, the generator or a stop ended the search first. */
      atLeast: z.boolean(),
      bracket: z.object({ pass: nullableNumber, fail: nullableNumber }),
      /** Whose limit the first failure above the capacity was. */
      limitOf: z.enum(FIND_LIMITS).nullable(),
      /** The first failing probe above the highest pass: its load and why it failed. */
      firstFailure: z.object({ load: z.number(), reason: z.string() }).nullable(),
      /** The answer in one sentence, with the fix when the generator gave out. */
      text: z.string(),
    }),
    /** --expect: each capacity gate's verdict. */
    expect: z.array(thresholdVerdictSchema),
    probes: z.array(probeSchema),
    /**
     * A --watch-pid process that exited during the search (find/watched-exit.ts): which, in which probe at which
     * load, seconds into it and when. The search stopped there. Absent or null when none did.
     */
    watchedExit: z
      .object({
        pid: count,
        name: z.string(),
        probe: count,
        load: z.number(),
        afterS: nullableNumber,
        at: z.string(),
      })
      .nullable()
      .optional(),
    environment: environmentSchema,
  })
  .meta({
    title: 'l4stress find document',
    description: 'One capacity search: every probe, the answer, what broke first and whose limit it was.',
  });
export type FindDocument = z.infer<typeof findDocumentSchema>;
