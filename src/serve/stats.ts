/** What the embedded target counts; the shape is the result document's (documents/result.ts). */
import type { TargetStats } from '../documents/result.js';

export type { TargetStats };

export function emptyTargetStats(): TargetStats {
  return {
    accepted: 0,
    open: 0,
    peakOpen: 0,
    headers: {},
    noHeader: 0,
    rejected: {},
    abandoned: {},
    crcVerified: 0,
    tlvs: {},
    distinctSources: 0,
    sourcesOverflow: 0,
    bytesIn: 0,
    bytesOut: 0,
    socketErrors: {},
    tlsHandshakes: 0,
    tlsResumed: 0,
    tlsSni: {},
    tlsAlpn: {},
    tlsFailed: {},
    maxRssBytes: 0,
    cpuUserUs: 0,
    cpuSystemUs: 0,
  };
}

export function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}
