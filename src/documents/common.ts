/**
 * Pieces several documents share: the git identity, the environment a run or a calibration saw, latency summaries
 * and error counts. zod is the source; the TypeScript types are inferred from it and the published JSON Schemas
 * generated from it (npm run schema).
 */
import { z } from 'zod';
import { ERROR_KINDS } from '../core/error-kinds.js';

export const count = z.number().int().min(0);
const nullableNumber = z.number().nullable();

export const gitInfoSchema = z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/), dirty: z.boolean() });
export type GitInfo = z.infer<typeof gitInfoSchema>;

export const errorKindSchema = z.enum(ERROR_KINDS);
/** Socket errors by kind (a closed set): counted, never thrown. */
export const errorCountsSchema = z.partialRecord(errorKindSchema, count);
export type ErrorCounts = z.infer<typeof errorCountsSchema>;

/** The percentiles every result reports, in microseconds; null fields when the histogram is empty. */
export const latencySummarySchema = z.object({
  count,
  min: nullableNumber,
  mean: nullableNumber,
  p50: nullableNumber,
  p90: nullableNumber,
  p95: nullableNumber,
  p99: nullableNumber,
  p999: nullableNumber,
  max: nullableNumber,
});
export type LatencySummary = z.infer<typeof latencySummarySchema>;

export const networkInterfaceSchema = z.object({
  name: z.string(),
  mtu: nullableNumber,
  /** Mbit/s as the kernel reports it; null for loopback and virtual links that have none. */
  speedMbps: nullableNumber,
  driver: z.string().nullable(),
  virtual: z.boolean(),
});

/** Where a run happened: CPU, memory, kernel, storage under the results folder, NICs, the TCP settings that matter. */
export const environmentSchema = z.object({
  hostname: z.string(),
  platform: z.string(),
  os: z.string(),
  kernel: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cores: z.number().int().min(1),
  physicalCores: nullableNumber,
  cpuMhz: nullableNumber,
  cpuMaxMhz: nullableNumber,
  memoryBytes: count,
  node: z.string(),
  storage: z.object({
    mount: z.string().nullable(),
    device: z.string().nullable(),
    type: z.enum(['ssd', 'hdd', 'virtual', 'unknown']),
    fsType: z.string().nullable(),
  }),
  networkInterfaces: z.array(networkInterfaceSchema),
  tcp: z.object({
    somaxconn: nullableNumber,
    ipLocalPortRange: z.string().nullable(),
    tcpTwReuse: nullableNumber,
    tcpFinTimeout: nullableNumber,
    congestionControl: z.string().nullable(),
    tcpRmem: z.string().nullable(),
    tcpWmem: z.string().nullable(),
    rmemMax: nullableNumber,
    wmemMax: nullableNumber,
    netdevMaxBacklog: nullableNumber,
    fileMax: nullableNumber,
    fdSoftLimit: nullableNumber,
    fdHardLimit: nullableNumber,
  }),
});
export type Environment = z.infer<typeof environmentSchema>;
export type NetworkInterface = z.infer<typeof networkInterfaceSchema>;

export const toolSchema = z.object({ name: z.literal('l4stress'), version: z.string() });
