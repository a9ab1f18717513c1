/**
 * A result relative to the machine: how close the run came to what iperf3/netperf measured on this host.
 * A ratio is `ours / best`: latency ratios above 1 are the cost over the kernel's round trip; throughput
 * ratios below 1 are the share of what the machine can do.
 */
import type { CalibrationRatios } from '../documents/result.js';
import type { LoadMode } from '../worker-contract/traits.js';
import type { HardwareProfile } from './hardware-profile.js';

export type { CalibrationRatios };

export interface RatioInputs {
  mode: LoadMode;
  /** The run exchanged round trips (echo, hold): TCP_RR is its yardstick. */
  roundTrips: boolean;
  streamBitsPerSecond: number;
  cyclesPerSecond: number;
  sizeBytes: number;
  roundTripP50Us: number | null;
  roundTripsPerSecond: number;
  connectP50Us: number | null;
  host: string;
}

export function calibrationRatios(profileFile: string, p: HardwareProfile, r: RatioInputs): CalibrationRatios {
  const rr = p.measurements.tcpRrSize.sizeBytes === r.sizeBytes ? p.measurements.tcpRrSize : p.measurements.tcpRr1;
  const ratio = (a: number | null, b: number): number | null =>
    a === null || b <= 0 ? null : Math.round((a / b) * 100) / 100;
  const warnings: string[] = [];
  if (p.host !== r.host) warnings.push(`the profile was measured on ${p.host}, this run is on ${r.host}`);
  const echo = r.roundTrips;
  if (echo && rr.sizeBytes !== r.sizeBytes)
    warnings.push(`the profile has TCP_RR at ${rr.sizeBytes} B, this run sends ${r.sizeBytes} B`);
  return {
    profileFile,
    profileHost: p.host,
    profileCreatedAt: p.createdAt,
    echoP50VsTcpRrP50: echo ? ratio(r.roundTripP50Us, rr.p50LatencyUs.median) : null,
    roundTripsPerSecondVsTcpRr: echo ? ratio(r.roundTripsPerSecond, rr.transactionsPerSecond.median) : null,
    connectP50VsTcpCrrP50: ratio(r.connectP50Us, p.measurements.tcpCrr.p50LatencyUs.median),
    streamVsIperf3:
      r.mode === 'stream' ? ratio(r.streamBitsPerSecond, p.measurements.iperf3MultiStream.bitsPerSecond.median) : null,
    churnVsTcpCrr:
      r.mode === 'connect' ? ratio(r.cyclesPerSecond, p.measurements.tcpCrr.transactionsPerSecond.median) : null,
    warnings,
  };
}
