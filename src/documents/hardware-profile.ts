/**
 * The hardware profile: what this machine's network path does at best, measured by iperf3 and netperf, each
 * measurement repeated (median, min, max, spread, samples), with the environment it was measured in.
 */
import { z } from 'zod';
import { count, environmentSchema, gitInfoSchema, toolSchema } from './common.js';

export const PROFILE_KIND = 'l4stress-hardware-profile';
export const PROFILE_SCHEMA_VERSION = 1;

/** Repeated measurements reduced to a median and a spread, so one noisy sample does not become the profile. */
export const repeatedStatSchema = z.object({
  median: z.number(),
  min: z.number(),
  max: z.number(),
  /** (max - min) / median, in percent: how much the machine moved between repeats. */
  spreadPercent: z.number(),
  samples: z.array(z.number()),
});
export type RepeatedStat = z.infer<typeof repeatedStatSchema>;

export const rrMeasurementSchema = z.object({
  sizeBytes: count,
  transactionsPerSecond: repeatedStatSchema,
  meanLatencyUs: repeatedStatSchema,
  p50LatencyUs: repeatedStatSchema,
  p99LatencyUs: repeatedStatSchema,
});
export type RrMeasurement = z.infer<typeof rrMeasurementSchema>;

export const hardwareProfileSchema = z
  .object({
    schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
    kind: z.literal(PROFILE_KIND),
    host: z.string(),
    /** `loopback` when l4stress started the servers itself, otherwise the --host measured against. */
    peer: z.string(),
    createdAt: z.string(),
    tool: toolSchema,
    git: gitInfoSchema.nullable(),
    settings: z.object({ repeat: count, durationS: count, sizeBytes: count, streams: count }),
    measurements: z.object({
      iperf3SingleStream: z.object({ bitsPerSecond: repeatedStatSchema, retransmits: repeatedStatSchema }),
      iperf3MultiStream: z.object({
        streams: count,
        bitsPerSecond: repeatedStatSchema,
        retransmits: repeatedStatSchema,
      }),
      tcpRr1: rrMeasurementSchema,
      tcpRrSize: rrMeasurementSchema,
      tcpCrr: z.object({ transactionsPerSecond: repeatedStatSchema, p50LatencyUs: repeatedStatSchema }),
      tcpStream: z.object({ megabitsPerSecond: repeatedStatSchema }),
    }),
    environment: environmentSchema,
    warnings: z.array(z.string()),
  })
  .meta({
    title: 'l4stress hardware profile',
    description: "What a machine's network path does at best (iperf3, netperf).",
  });
export type HardwareProfile = z.infer<typeof hardwareProfileSchema>;
