/**
 * The kernel's UDP counters as a witness (instruments/udp-snmp.ts reads them, witnesses/udp.ts keeps them): what
 * each counter did over the measured window, for IPv4 (/proc/net/snmp) and IPv6 (/proc/net/snmp6) apart and added
 * up, and each second. A source the host cannot give is `available: false` with why; a field its kernel lacks is
 * null: never a 0 that would read as "no drops".
 */
import { z } from 'zod';
import { UDP_COUNTER_NAMES, type UdpCounterName } from '../core/vocabulary.js';
import { count } from './common.js';

/** Each counter's delta (InDatagrams, RcvbufErrors, ...), null where the kernel has no such field. */
export const udpCountersSchema = z.object(
  Object.fromEntries(UDP_COUNTER_NAMES.map((n) => [n, count.nullable()])) as Record<
    UdpCounterName,
    z.ZodNullable<typeof count>
  >,
);
export type UdpCountersDoc = z.infer<typeof udpCountersSchema>;

/** One family's table: its deltas, or why the host did not give them. */
export const udpSourceSchema = z.discriminatedUnion('available', [
  z.object({ available: z.literal(true), counters: udpCountersSchema }),
  z.object({ available: z.literal(false), why: z.string() }),
]);

export const udpSectionSchema = z.object({
  /** Which readings bound it: the measured phase's start and end, or the whole run when it measured nothing. */
  window: z.enum(['measure', 'run']),
  windowMs: count,
  udp: udpSourceSchema,
  udp6: udpSourceSchema,
  /**
   * IPv4 and IPv6 added up (what the metrics `udp.<counter>` read): a family the host does not have adds nothing;
   * null where IPv4's table is unavailable or its kernel lacks the field.
   */
  total: udpCountersSchema,
  /**
   * What UDP sockets dropped over the window by their own count (/proc/net/udp's `drops`, sockets open at its end):
   * every socket's in the namespace, and the generator's own (the sockets its processes held). RcvbufErrors above
   * with no drop of the generator's were another socket's (a target on this host, another program). Null where the
   * tables could not be read; absent in older results and in merged ones.
   */
  sockets: z.object({ all: count, generator: count }).nullable().optional(),
});
export type UdpSection = z.infer<typeof udpSectionSchema>;

/** One second: each counter's delta, both families added up (absent where the host gave none). */
export const udpSampleSchema = udpCountersSchema.partial();
export type UdpSample = z.infer<typeof udpSampleSchema>;

/** Each kernel UDP counter's delta over the measured window, IPv4 and IPv6 added up (`udp.rcvbufErrors`). */
export type UdpMetricName = `udp.${UdpCounterName}`;
const UDP_METRIC_NAMES = UDP_COUNTER_NAMES.map((n): UdpMetricName => `udp.${n}`);

/** Its document parts (witness-documents.ts lists them); absent in older results and off Linux. */
export const udpDocument = {
  section: udpSectionSchema.optional(),
  sample: udpSampleSchema.optional(),
  metricNames: UDP_METRIC_NAMES,
};
