/** What the embedded target saw, reported to the generator at the end of a run (plain data, crosses processes). */
export interface TargetStats {
  accepted: number;
  open: number;
  peakOpen: number;
  /** Connections whose PROXY header parsed, keyed `v1 PROXY TCP4`, `v2 LOCAL UNSPEC`, ... */
  headers: Record<string, number>;
  /** Connections without a header (accept mode only). */
  noHeader: number;
  /** Connections closed for a bad or missing header, by reason. */
  rejected: Record<string, number>;
  /** Headers whose CRC32C TLV was present and verified. */
  crcVerified: number;
  /** TLVs seen, by name. */
  tlvs: Record<string, number>;
  /** Distinct PROXY source addresses (address:port) seen. */
  distinctSources: number;
  /** Sources not kept because the set was full (2,000,000 entries). */
  sourcesOverflow: number;
  bytesIn: number;
  bytesOut: number;
  /** Socket errors on accepted connections, by errno code. */
  socketErrors: Record<string, number>;
  /** The target process's own resource use. */
  maxRssBytes: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

export function emptyTargetStats(): TargetStats {
  return {
    accepted: 0, open: 0, peakOpen: 0, headers: {}, noHeader: 0, rejected: {}, crcVerified: 0, tlvs: {},
    distinctSources: 0, sourcesOverflow: 0, bytesIn: 0, bytesOut: 0, socketErrors: {}, maxRssBytes: 0, cpuUserUs: 0, cpuSystemUs: 0,
  };
}

export function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}
