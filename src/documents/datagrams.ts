/**
 * The `datagrams` section of a UDP run's result (--udp; absent over TCP and in older results): what the flows sent
 * and what came back, each datagram counted once by its stamp (flow, sequence number), the flows that went silent
 * and when, stream's delivered rate and RFC 3550 jitter, and what the embedded UDP target counted. (The kernel's own
 * UDP counters are the `udp` witness's section, beside it.)
 */
import { z } from 'zod';
import { count, errorCountsSchema } from './common.js';

/** What a `serve --udp` target counted (serve/udp-tally.ts UdpTargetStats): the embedded one's, in a result. */
export const udpTargetStatsSchema = z.object({
  /** Every datagram received (refused ones too) and answered, with their bytes (headers included). */
  datagramsIn: count,
  bytesIn: count,
  datagramsOut: count,
  bytesOut: count,
  /** Datagrams by the header they carried: none, v2, spp. */
  headers: z.record(z.string(), count),
  crcVerified: count,
  local: count,
  /** Datagrams refused for their header, by reason (never answered). */
  rejected: z.record(z.string(), count),
  /** Accepted but not served: `queue-full` (the bounded --service-time queue). */
  dropped: z.record(z.string(), count),
  /** Answers the kernel refused, by errno code. */
  sendErrors: z.record(z.string(), count),
  distinctPeers: count,
  distinctSources: count,
  overflow: count,
  queued: count,
  peakQueued: count,
  /** SO_RCVBUF / SO_SNDBUF as the kernel granted them. */
  recvBufferBytes: count,
  sendBufferBytes: count,
});
export type UdpTargetStatsDoc = z.infer<typeof udpTargetStatsSchema>;

export const datagramsSectionSchema = z.object({
  /** The whole run (ramp and warm-up included): every datagram sent is received, or lost, by the end. */
  sent: count,
  /** Back verified, each once (reordered ones included). */
  received: count,
  /** Not back within --echo-timeout of a later one's return, or by the end (corrupt ones too: unreadable). */
  lost: count,
  /** lost / sent (0..1); null when nothing was sent. */
  lossRatio: z.number().min(0).max(1).nullable(),
  reordered: count,
  duplicated: count,
  /** Back after being counted lost (still lost). */
  late: count,
  /** A stamp, length or body that failed verification. */
  corrupt: count,
  /** Sends skipped because the flow's send buffers were all still queued in the kernel (the generator's limit). */
  notSent: count,
  /** Socket errors on established flows, by kind (ECONNREFUSED: ICMP port unreachable). */
  errors: errorCountsSchema,
  /** The measured phase: datagrams sent and back, and what came back per second (packets and payload bits). */
  measured: z.object({ sent: count, received: count, receivedPerSecond: count, bitsPerSecond: count }),
  flows: z.object({
    target: count,
    /** Answered at least once, and never answered (lost from the first datagram on). */
    answered: count,
    neverAnswered: count,
    /** Answered before and silent at the stop for longer than `quietMs` (an ingress that forgot the flow). */
    silent: count,
    quietMs: count,
    /** The first silent flows: id and when each went silent, seconds since the load started. */
    silentExamples: z.array(z.object({ flow: count, silentAtS: z.number() })),
  }),
  /** Stream: the mean of the flows' RFC 3550 jitter over the round trip (ms); null otherwise. */
  jitterMs: z.number().min(0).nullable(),
  /** The embedded target's figures; null with --target (or when it did not answer). */
  target: udpTargetStatsSchema.nullable(),
});
export type DatagramsSection = z.infer<typeof datagramsSectionSchema>;
