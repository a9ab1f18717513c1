/** The numbers a gate or a comparison looks at, taken from one run's result. */
import type { RunResult } from '../result/types.js';

export interface StepMetrics {
  /** Round-trip latency, µs (open loop: corrected); null without samples. */
  p50: number | null; p90: number | null; p95: number | null; p99: number | null; 'p99.9': number | null; max: number | null; mean: number | null;
  'connect.p50': number | null; 'connect.p95': number | null; 'connect.p99': number | null;
  /** Round trips per second; churn cycles per second; bytes per second both ways. */
  rps: number; cps: number | null; throughput: number;
  /** Failed connects + drops + integrity errors + address-preservation mismatches. */
  errors: number; failed: number; dropped: number;
  established: number; target: number; held: number | null;
}

export type MetricName = keyof StepMetrics;

/** Latencies in µs: the ones a hardware profile can normalize. */
export const LATENCY_METRICS = new Set<MetricName>(['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean', 'connect.p50', 'connect.p95', 'connect.p99']);

/** Lower is better for these; higher is better for the rest. */
export const LOWER_IS_BETTER = new Set<MetricName>(['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean', 'connect.p50', 'connect.p95', 'connect.p99', 'errors', 'failed', 'dropped']);

export function stepMetrics(r: RunResult): StepMetrics {
  const rt = r.latency.roundTripUs;
  const c = r.latency.connectUs;
  const i = r.modeStats.integrity;
  const verifyErrors = r.proxy.verify && !r.proxy.verify.ok ? r.proxy.verify.missing + r.proxy.verify.unexpected : 0;
  return {
    p50: rt.p50, p90: rt.p90, p95: rt.p95, p99: rt.p99, 'p99.9': rt.p999, max: rt.max, mean: rt.mean,
    'connect.p50': c.p50, 'connect.p95': c.p95, 'connect.p99': c.p99,
    rps: r.throughput.roundTripsPerSecond,
    cps: r.modeStats.churn ? r.modeStats.churn.cyclesPerSecond : null,
    throughput: r.throughput.bytesSentPerSecond + r.throughput.bytesReceivedPerSecond,
    errors: r.connections.failed.total + r.connections.dropped.total + i.corrupted + i.duplicated + i.outOfOrder + i.missing +
      (i.bytesLostAtClose > 0 ? 1 : 0) + verifyErrors,
    failed: r.connections.failed.total,
    dropped: r.connections.dropped.total,
    established: r.connections.established,
    target: r.connections.target,
    held: r.modeStats.hold ? r.modeStats.hold.held : null,
  };
}
