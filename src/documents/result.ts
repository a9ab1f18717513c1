/**
 * The result document every run writes (schemaVersion 1). The zod schema is the source: the RunResult type is
 * inferred from it, schemas/result.schema.json is generated from it, and every reader validates against it.
 *
 * Over 300 lines on purpose: one document, field by field, with the comment that says what each field means.
 */
import { z } from 'zod';
import { RUN_STATUSES, type RunStatus } from '../core/errors.js';
import {
  CLOSE_STYLES,
  LOAD_MODES,
  PROXY_COMMANDS,
  PROXY_VERSIONS,
  RUN_PHASES,
  STREAM_DIRECTIONS,
  TARGET_KINDS,
  TRANSPORTS,
} from '../core/vocabulary.js';
import {
  count,
  environmentSchema,
  errorCountsSchema,
  gitInfoSchema,
  latencySummarySchema,
  toolSchema,
} from './common.js';
import { datagramsSectionSchema } from './datagrams.js';
import { thresholdVerdictSchema } from './summary.js';
import { WITNESS_SAMPLES, WITNESS_SECTIONS } from './witness-documents.js';

export const RESULT_SCHEMA_VERSION = 1;
const nullableNumber = z.number().nullable();

/** Echo integrity (messages over 12 bytes), as the workers count it. */
export const integrityCountersSchema = z.object({
  verified: count,
  corrupted: count,
  duplicated: count,
  outOfOrder: count,
  /** Gaps: messages after which a later one arrived; an out-of-order arrival takes one back. */
  missing: count,
});
export type IntegrityCounters = z.infer<typeof integrityCountersSchema>;

/** A worker's counters, cumulative; summed across workers (see instruments/counters.ts for how each merges). */
export const loadCountersSchema = integrityCountersSchema.extend({
  attempted: count,
  established: count,
  /**
   * Planned sessions open end to end: connected and, where the mode expects one, their first echo back (reopens
   * not counted). A session an ingress accepts into its backlog but never serves is established, never opened.
   * 0 in older results.
   */
  opened: count.default(0),
  /**
   * Long-lived modes: planned sessions established but never served (their first echo never came back before the
   * stop), closed by us at the stop; an ingress at its connection limit queues them. 0 in older results.
   */
  unserved: count.default(0),
  /** Connections that never established, by kind. */
  connectFailed: errorCountsSchema,
  /** Established connections the peer closed or broke before the run ended, by kind. */
  dropped: errorCountsSchema,
  /** Currently open (a gauge) and the most open at once (see instruments/peak.ts). */
  open: z.number().int(),
  peakOpen: count,
  messagesSent: count,
  /** Completed round trips (full echo received). */
  messagesReceived: count,
  bytesSent: count,
  bytesReceived: count,
  headersSent: count,
  headerBytes: count,
  /** Paced: sends more than 1 ms after their intended time; sends skipped because a connection owed 64 already. */
  late: count,
  missed: count,
  /** Echo bytes sent but never received back by the time a connection closed at the end. */
  bytesLostAtClose: count,
  /** Churn: completed open -> (header, echo) -> close cycles, and those completed while measuring. */
  cycles: count,
  measuredCycles: count,
  /** TLS handshakes completed, and how many resumed a session; the same while measuring. 0 in older results. */
  tlsHandshakes: count.default(0),
  tlsResumed: count.default(0),
  measuredTlsHandshakes: count.default(0),
  measuredTlsResumed: count.default(0),
  /** --reconnect: reopen attempts after a drop, those that established again, those that failed. 0 in older results. */
  reconnectAttempts: count.default(0),
  reconnected: count.default(0),
  reconnectFailed: count.default(0),
  /** Sessions opened on a bare libuv TCP handle (workers/tcp-link.ts); the rest on net.Socket. 0 in older results. */
  bareHandleSessions: count.default(0),
  /**
   * Paced, while measuring: sends the pacer got to, and those it got to later than the tolerance
   * (worker-contract/schedule.ts),
   * the generator's own delay. 0 in older results.
   */
  /** Connects in flight when the run stopped, closed by us: neither established nor failed. 0 in older results. */
  abandonedAtStop: count.default(0),
  /**
   * Churn behind its --connect-rate, while measuring: times the next connect waited because --max-connecting
   * connects were already in flight (the target is slow to accept), or because --conns cycles were (too few slots).
   */
  connectHeldInFlight: count.default(0),
  connectHeldByConns: count.default(0),
  pacedSends: count.default(0),
  leftLate: count.default(0),
  /**
   * Open loop, while measuring: sends that came due to open connections, those the pacer got to and those it found
   * no room for (every connection owing 64): what `missed` (measured sends too) is a share of.
   */
  dueSends: count.default(0),
  /**
   * --udp, the whole run: datagrams handed to the kernel, and those that came back verified (each once); of the rest,
   * lost (not back within --echo-timeout of a later one's return, or by the end), and beside them reordered,
   * duplicated, late (back after counted lost) and corrupt (a stamp or body that failed: also lost). 0 over TCP and
   * in older results.
   */
  datagramsSent: count.default(0),
  datagramsReceived: count.default(0),
  datagramsLost: count.default(0),
  datagramsReordered: count.default(0),
  datagramsDuplicated: count.default(0),
  datagramsLate: count.default(0),
  datagramsCorrupt: count.default(0),
  /** --udp: sends skipped because the flow's send buffers were all still queued in the kernel (the generator's). */
  datagramsNotSent: count.default(0),
  /** --udp: flows answered before and silent for longer than the quiet time (a gauge: now). */
  silentFlows: count.default(0),
  /** --udp: socket errors by kind (an ICMP port unreachable turns into ECONNREFUSED on a connected socket). */
  datagramErrors: errorCountsSchema.default({}),
});
export type LoadCounters = z.infer<typeof loadCountersSchema>;

/** What the embedded target saw (plain data, crosses processes). */
export const targetStatsSchema = z.object({
  accepted: count,
  open: z.number().int(),
  peakOpen: count,
  /** Connections whose PROXY header parsed, keyed `v1 PROXY TCP4`, `v2 LOCAL UNSPEC`, ... */
  headers: z.record(z.string(), count),
  /** Connections without a header (accept mode only). */
  noHeader: count,
  /** Connections closed for a bad or missing header, by reason. */
  rejected: z.record(z.string(), count),
  /**
   * Connections the client closed before its header was complete: `before-header` (no byte sent: a TCP health
   * check, an aborted connect), `mid-header` (part of a header). Empty in older results.
   */
  abandoned: z.record(z.string(), count).default({}),
  /** Headers whose CRC32C TLV was present and verified. */
  crcVerified: count,
  tlvs: z.record(z.string(), count),
  distinctSources: count,
  /** Sources not kept because the set was full. */
  sourcesOverflow: count,
  bytesIn: count,
  bytesOut: count,
  socketErrors: z.record(z.string(), count),
  /** serve --tls: handshakes, resumptions, SNI names and ALPN protocols seen, failures by kind (0 / {} in older). */
  tlsHandshakes: count.default(0),
  tlsResumed: count.default(0),
  tlsSni: z.record(z.string(), count).default({}),
  tlsAlpn: z.record(z.string(), count).default({}),
  tlsFailed: z.record(z.string(), count).default({}),
  maxRssBytes: count,
  cpuUserUs: count,
  cpuSystemUs: count,
  /** serve --service-time: what waits to be served now, over every connection (absent without it, and in older). */
  serviceQueue: z.object({ bytes: count, messages: count }).optional(),
});
export type TargetStats = z.infer<typeof targetStatsSchema>;

export const watchedSampleSchema = z.object({ pid: count, cpuPercent: z.number(), rssBytes: count });
export type WatchedSample = z.infer<typeof watchedSampleSchema>;

export const watchRoleSchema = z.enum(['generator', 'target', 'watched']);
export type WatchRole = z.infer<typeof watchRoleSchema>;

export const watchedSummarySchema = z.object({
  pid: count,
  /** generator: a generator child process; target: an embedded target process; watched: --watch-pid. */
  role: watchRoleSchema,
  name: z.string(),
  samples: count,
  cpuPercentMean: nullableNumber,
  cpuPercentMax: nullableNumber,
  maxRssBytes: nullableNumber,
  exited: z.boolean(),
  /** Seconds since sampling began when it was last seen alive, if it exited. */
  exitedAfterS: nullableNumber,
  /**
   * What a unit of the run's work cost this process (witnesses/watched-cost.ts): RSS per held session over the ramp,
   * CPU µs per round trip, per connection and per TLS handshake in the measured phase (null where the mode has
   * none), and the RSS slope over the second half of the measured phase (MiB per hour, least squares; the first
   * half is settling after the ramp) with its fit and the leak verdict; `rssSlopeNote` says why there is no slope
   * (a measured phase under 30 s). Absent in older results.
   */
  cost: z
    .object({
      rssPerSessionBytes: nullableNumber,
      cpuUsPerRoundTrip: nullableNumber,
      cpuUsPerConnection: nullableNumber,
      cpuUsPerHandshake: nullableNumber,
      rssSlopeMiBPerHour: nullableNumber,
      rssSlopeR2: nullableNumber,
      rssSlopeNote: z.string().nullable().optional(),
      leakSuspected: z.boolean(),
    })
    .optional(),
});
export type WatchedSummary = z.infer<typeof watchedSummarySchema>;

export const phaseSchema = z.enum(RUN_PHASES);
export type Phase = z.infer<typeof phaseSchema>;

/** One second of the run: what the progress line shows and the result keeps. */
export const timelineRowSchema = z.object({
  /** Seconds since the load started, at the end of this interval. */
  t: z.number(),
  phase: phaseSchema,
  intervalMs: count,
  open: z.number().int(),
  established: count,
  /** Planned sessions served so far (first echo back; totals.opened at this second). Absent in older results. */
  opened: count.optional(),
  connectFailed: count,
  dropped: count,
  roundTrips: count,
  roundTripsPerSecond: count,
  bytesSentPerSecond: count,
  bytesReceivedPerSecond: count,
  /** Round-trip latency of this interval only (µs); null when nothing completed. */
  p50Us: nullableNumber,
  p99Us: nullableNumber,
  maxUs: nullableNumber,
  /** --udp: datagrams sent, back (first arrivals) and counted lost this second; absent over TCP. */
  datagrams: z.object({ sent: count, received: count, lost: count }).optional(),
  /** The generator process (all threads). */
  cpuPercent: z.number(),
  rssBytes: count,
  /** Watched processes (embedded target, --watch-pid) still alive this second. */
  watched: z.array(watchedSampleSchema),
  /** Each witness's figures this second (documents/witness-documents.ts): scrape, kernel, machine, udp. */
  ...WITNESS_SAMPLES,
});
export type TimelineRow = z.infer<typeof timelineRowSchema>;

/** A result relative to the machine's hardware profile: ours / best (see calibration/ratios.ts). */
export const calibrationRatiosSchema = z.object({
  profileFile: z.string(),
  profileHost: z.string(),
  profileCreatedAt: z.string(),
  echoP50VsTcpRrP50: nullableNumber,
  roundTripsPerSecondVsTcpRr: nullableNumber,
  connectP50VsTcpCrrP50: nullableNumber,
  streamVsIperf3: nullableNumber,
  churnVsTcpCrr: nullableNumber,
  warnings: z.array(z.string()),
});
export type CalibrationRatios = z.infer<typeof calibrationRatiosSchema>;

export const proxyVersionSchema = z.enum(PROXY_VERSIONS);
export const proxyDescriptionSchema = z.object({
  version: proxyVersionSchema,
  command: z.enum(PROXY_COMMANDS),
  src: z.string(),
  dst: z.string(),
  tlvs: z.array(z.string()),
});
export type ProxyDescription = z.infer<typeof proxyDescriptionSchema>;

/** Sent vs seen source addresses, compared as `addr:port` multisets. */
export const proxyVerificationSchema = z.object({
  ok: z.boolean(),
  /** Where the backend's view came from: `embedded` or the control URL. */
  source: z.string(),
  /**
   * exact: key by key; digest: either side saw more distinct sources than it keeps, so the multisets were compared
   * by an order-independent digest (missing/unexpected then give the count difference). Absent in older results.
   */
  method: z.enum(['exact', 'digest']).optional(),
  sent: count,
  seen: count,
  matched: count,
  /** Claimed by a header but never seen by the backend. */
  missing: count,
  /** Seen by the backend but never claimed (e.g. the ingress's own address when it does not forward PROXY). */
  unexpected: count,
  examplesMissing: z.array(z.string()),
  examplesUnexpected: z.array(z.string()),
  /** Set when the backend could not be asked. */
  error: z.string().nullable(),
});
export type ProxyVerification = z.infer<typeof proxyVerificationSchema>;

export const loadModeSchema = z.enum(LOAD_MODES);
export const directionSchema = z.enum(STREAM_DIRECTIONS);
export const closeStyleSchema = z.enum(CLOSE_STYLES);
const endpointSchema = z.object({ host: z.string(), port: z.number().int().min(0).max(65535) });

/** TLS over every session (--tls): what the client offers and how it verifies. */
export const tlsClientConfigSchema = z.object({
  sni: z.string().nullable(),
  alpn: z.array(z.string()),
  /** PEM file the target's certificate is verified with; null: the system's CAs (or `embedded`'s own). */
  caFile: z.string().nullable(),
  insecure: z.boolean(),
  minVersion: z.string().nullable(),
  maxVersion: z.string().nullable(),
  ciphers: z.string().nullable(),
  resume: z.boolean(),
});
export type TlsClientConfig = z.infer<typeof tlsClientConfigSchema>;

/** A run's resolved settings as recorded (the PROXY plan described in words). */
export const resultConfigSchema = z.object({
  /** tcp, or udp (--udp: flows and datagrams). Absent in older results: tcp. */
  transport: z.enum(TRANSPORTS).optional(),
  mode: loadModeSchema,
  ratePerSecond: z.number().min(0),
  direction: directionSchema,
  pingIntervalMs: count,
  closeStyle: closeStyleSchema,
  churnEcho: z.boolean(),
  /** --reconnect: sessions the target dropped were reopened. Absent in older results. */
  reconnect: z.boolean().optional(),
  /**
   * --shard I/N: this run is shard `index` of `count`; `conns` (and the rates) are this shard's share of
   * `totalConns`. Absent or null for a whole run.
   */
  shard: z
    .object({ index: count, count: z.number().int().min(1), totalConns: count })
    .nullable()
    .optional(),
  /** --start-at: the wall-clock time the load was to start (ISO 8601). Absent or null without it. */
  startAt: z.string().nullable().optional(),
  echoTimeoutMs: count,
  /** Absent in results written before the graceful drain existed. */
  drainTimeoutMs: count.optional(),
  /** Absent in results written before TLS existed; null without --tls. */
  tls: tlsClientConfigSchema.nullable().optional(),
  sourceIps: z.array(z.string()),
  processes: count,
  scenario: z.string(),
  target: endpointSchema.nullable(),
  conns: count,
  proxy: proxyDescriptionSchema,
  verifyProxy: z.union([z.literal('embedded'), z.object({ url: z.string() }), z.null()]),
  durationMs: count,
  warmupMs: count,
  connectRate: z.number().min(0),
  maxConnecting: count,
  connectTimeoutMs: count,
  rampTimeoutMs: count,
  /** With the default ramp timeout: the ramp ends early when no connection makes progress for this long (ms). */
  rampStallMs: count.nullable().optional(),
  sizeBytes: count,
  workers: count,
  seed: count,
  out: z.string().nullable(),
  resultsDir: z.string(),
  watchPids: z.array(count),
  /** --scrape URLs and --scrape-metric patterns (absent in older results). */
  scrape: z.object({ urls: z.array(z.string()), metrics: z.array(z.string()) }).optional(),
  calibration: z.object({ file: z.string(), required: z.boolean() }),
  calibrateFirst: z.boolean(),
});
export type ResultConfig = z.infer<typeof resultConfigSchema>;

export const modeStatsSchema = z.object({
  mode: loadModeSchema,
  openLoop: z
    .object({
      intendedPerSecond: z.number(),
      late: count,
      missed: count,
      /** How late the generator's 1 ms pacer ticks ran (µs): its own lag, not the target's. */
      schedulerLagUs: latencySummarySchema,
      /** Measured sends the pacer handled, those it sent later than lateToleranceMs (absent in older results). */
      pacedSends: count.optional(),
      leftLate: count.optional(),
      /** Measured sends that came due to open connections: `missed` is a share of these (absent in older results). */
      dueSends: count.optional(),
      lateToleranceMs: z.number().optional(),
      /** The generator itself fell behind its schedule (worker-contract/schedule.ts). */
      generatorBehind: z.boolean(),
    })
    .nullable(),
  integrity: integrityCountersSchema.extend({ enabled: z.boolean(), bytesLostAtClose: count }),
  stream: z
    .object({
      direction: directionSchema,
      /** Per-connection throughput in the measured phase, bytes/s (both directions added). */
      perConnectionBytesPerSecond: z.object({ min: count, median: count, max: count, connections: count }),
      /** Connections that moved no byte in the whole measured phase (errors); absent in older results. */
      stalled: z.object({ count, examples: z.array(count) }).optional(),
    })
    .nullable(),
  churn: z
    .object({
      cycles: count,
      cyclesPerSecond: count,
      closeStyle: closeStyleSchema,
      /** --connect-rate asked (0: as fast as it goes), and who set the limit when it was not reached (absent: old). */
      askedPerSecond: z.number().min(0).optional(),
      limit: z.enum(['target', 'setup', 'generator']).nullable().optional(),
    })
    .nullable(),
  hold: z.object({ pingIntervalMs: count, held: z.number().int(), target: count }).nullable(),
});
export type ModeStats = z.infer<typeof modeStatsSchema>;

export const runStatusSchema = z.enum(RUN_STATUSES as [RunStatus, ...RunStatus[]]);
export type { RunStatus };

export const runResultSchema = z
  .object({
    schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
    tool: toolSchema,
    scenario: z.string(),
    status: runStatusSchema,
    exitCode: count,
    /** Set when workers died during the run: the figures cover only the survivors. Absent in older results. */
    partial: z
      .object({
        lostWorkers: z.array(
          z.object({
            worker: count,
            pid: count,
            conns: count,
            establishedAtLastSnapshot: count,
            reason: z.string(),
          }),
        ),
        lostConnections: count,
        /** lostConnections / planned connections, 0..1. */
        lostShare: z.number().min(0).max(1),
      })
      .nullable()
      .optional(),
    git: gitInfoSchema.nullable(),
    /**
     * `l4stress merge`: the shard results this one was made from, each with its machine and start. Counts,
     * histograms and throughput are exact sums and merges; timeline latencies per second are the worst shard's.
     */
    mergedFrom: z
      .array(
        z.object({
          index: count,
          file: z.string(),
          host: z.string(),
          conns: count,
          startedAt: z.string(),
          startLateByMs: count.nullable(),
          status: runStatusSchema,
        }),
      )
      .optional(),
    command: z.array(z.string()),
    config: resultConfigSchema,
    seed: count,
    startedAt: z.string(),
    endedAt: z.string(),
    phases: z.object({
      rampMs: count,
      warmupMs: count,
      measuredMs: count,
      rampTimedOut: z.boolean(),
      /** How long the graceful stop waited for what was in flight (the slowest worker); absent in older results. */
      drainMs: count.optional(),
      drainTimedOut: z.boolean().optional(),
      /** --start-at: how late the load started after the asked wall-clock time; absent or null without it. */
      startLateByMs: count.nullable().optional(),
    }),
    target: z.object({
      kind: z.enum(TARGET_KINDS),
      host: z.string(),
      port: z.number().int(),
      stats: targetStatsSchema.nullable(),
    }),
    connections: z.object({
      target: count,
      attempted: count,
      established: count,
      peak: count,
      failed: z.object({ total: count, byKind: errorCountsSchema }),
      dropped: z.object({ total: count, byKind: errorCountsSchema }),
      /** Connects in flight at the stop, closed by us: attempted = established + failed + this. Absent in older. */
      abandonedAtStop: count.optional(),
      /** Established but never served (long-lived modes: first echo never back; totals.unserved). Absent in older. */
      unserved: count.optional(),
      /** --reconnect: sessions reopened after a drop (attempts, established again, failed attempts); absent without. */
      reconnects: z.object({ attempted: count, established: count, failed: count }).nullable().optional(),
    }),
    /**
     * roundTripUs: echo round trips (hold: pings) in the measured phase; paced runs measure from the intended send
     * time (coordinated omission corrected), serviceUs from the actual send. connectUs: every connect.
     */
    latency: z.object({
      roundTripUs: latencySummarySchema,
      serviceUs: latencySummarySchema.nullable(),
      connectUs: latencySummarySchema,
      /** From TCP connected to TLS established, every session (--tls); absent without TLS. */
      tlsHandshakeUs: latencySummarySchema.nullable().optional(),
    }),
    /** --tls: handshakes in all and per second of the measured phase, full and resumed; absent without TLS. */
    tls: z
      .object({
        handshakes: count,
        resumed: count,
        fullPerSecond: count,
        resumedPerSecond: count,
      })
      .nullable()
      .optional(),
    /** Measured phase only. */
    throughput: z.object({
      roundTrips: count,
      roundTripsPerSecond: count,
      bytesSentPerSecond: count,
      bytesReceivedPerSecond: count,
    }),
    modeStats: modeStatsSchema,
    /** --udp: datagrams sent and back, loss, reordering, duplicates, silent flows, jitter (documents/datagrams.ts). */
    datagrams: datagramsSectionSchema.nullable().optional(),
    proxy: proxyDescriptionSchema.extend({
      headersSent: count,
      headerBytes: count,
      headerSizes: z.record(z.string(), count),
      /** Mean time to build one header, µs (null without headers). */
      headerBuildUsPerConnection: nullableNumber,
      verify: proxyVerificationSchema.nullable(),
    }),
    /** Whole-run counters, ramp and warm-up included. */
    totals: loadCountersSchema,
    resources: z.object({
      generator: z.object({
        maxRssBytes: count,
        cpuPercentMean: z.number(),
        cpuPercentMax: z.number(),
        cpuUserMs: count,
        cpuSystemMs: count,
        processes: count,
        /** Generator processes' RSS summed, heaps collected: before any connection, and after the ramp. */
        baselineRssBytes: count,
        rampedRssBytes: count,
        /** (ramped - baseline) / established connections; null when none was established. */
        memoryPerConnectionBytes: z.number().int().nullable(),
      }),
      target: z.object({ pid: count, maxRssBytes: count, cpuUserMs: count, cpuSystemMs: count }).nullable(),
      watched: z.array(watchedSummarySchema),
    }),
    calibration: calibrationRatiosSchema.nullable(),
    /** Each witness's section (documents/witness-documents.ts): scrape, kernel, machine, udp. */
    ...WITNESS_SECTIONS,
    environment: environmentSchema,
    timeline: z.array(timelineRowSchema),
    /** Encoded HDR histograms (compressed base64, µs), so results can be merged and re-reported later. */
    histograms: z.object({
      roundTripUs: z.string(),
      /** Paced runs: round trips from the actual send (absent otherwise and in older results). */
      serviceUs: z.string().optional(),
      connectUs: z.string(),
      tlsHandshakeUs: z.string().optional(),
    }),
    /** --threshold: each rule's verdict on this run (absent without thresholds). */
    thresholds: z.array(thresholdVerdictSchema).optional(),
    warnings: z.array(z.string()),
  })
  .meta({ title: 'l4stress run result', description: 'One run of l4stress: settings, counters, latency, resources.' });
export type RunResult = z.infer<typeof runResultSchema>;
