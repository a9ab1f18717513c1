/**
 * What the UDP target counts (udp-server.ts): datagrams and bytes each way, headers by kind, refusals by reason,
 * drops and send errors by kind, and the distinct peers (real source address and port: the proxy's side of each
 * flow, or the client's without a proxy) and claimed sources (what each header said) it saw. Both distinct counts
 * are bounded (MAX_DISTINCT each, then counted as overflow), and a known peer or IPv4 source costs no allocation:
 * peers are kept by the address string Node already made for the datagram, then by port; IPv4 sources by a number.
 */
import { DATAGRAM_HEADERS, type DatagramHeader, type DatagramHeaderError } from '../core/vocabulary.js';
import { type DatagramHeaderView, endpointText, sourceKey4, sourceKey4Text } from '../proxy/datagram-parser.js';
import { SourceTally, type SourceTallyDoc } from '../proxy/source-tally.js';

/** Distinct peers, and distinct claimed sources, each tracked up to this many. */
export const MAX_DISTINCT = 200_000;

export interface UdpTargetStats {
  /** Every datagram received, refused ones included, and its bytes (header included). */
  datagramsIn: number;
  bytesIn: number;
  /** Answers handed to the socket (one the kernel then refused is also in `sendErrors`), and their bytes. */
  datagramsOut: number;
  bytesOut: number;
  headers: Record<DatagramHeader, number>;
  /** v2 headers whose CRC32C TLV was present and matched. */
  crcVerified: number;
  /** v2 LOCAL headers (health checks: answered, no claimed source). */
  local: number;
  rejected: Partial<Record<DatagramHeaderError, number>>;
  /** Datagrams accepted but not served: `queue-full` (the bounded service queue). */
  dropped: Record<string, number>;
  /** Sends the kernel refused, by errno code (ENOBUFS, EAGAIN, ...). */
  sendErrors: Record<string, number>;
  distinctPeers: number;
  distinctSources: number;
  /** Peers and sources past MAX_DISTINCT (seen, not tracked). */
  overflow: number;
  /** The service queue now and at its fullest (0 without --service-time). */
  queued: number;
  peakQueued: number;
  /** The socket buffer sizes the kernel granted (SO_RCVBUF/SO_SNDBUF as read back: Linux doubles the request). */
  recvBufferBytes: number;
  sendBufferBytes: number;
}

export function emptyUdpStats(): UdpTargetStats {
  const headers = {} as Record<DatagramHeader, number>;
  for (const kind of DATAGRAM_HEADERS) headers[kind] = 0;
  return {
    datagramsIn: 0,
    bytesIn: 0,
    datagramsOut: 0,
    bytesOut: 0,
    headers,
    crcVerified: 0,
    local: 0,
    rejected: {},
    dropped: {},
    sendErrors: {},
    distinctPeers: 0,
    distinctSources: 0,
    overflow: 0,
    queued: 0,
    peakQueued: 0,
    recvBufferBytes: 0,
    sendBufferBytes: 0,
  };
}

/** Distinct peers and claimed sources, bounded. */
export class DistinctEndpoints {
  private readonly peers = new Map<string, Set<number>>();
  private readonly sources4 = new Set<number>();
  private readonly sources6 = new Set<string>();
  peerCount = 0;
  overflow = 0;

  constructor(private readonly max = MAX_DISTINCT) {}

  get sourceCount(): number {
    return this.sources4.size + this.sources6.size;
  }

  peer(address: string, port: number): void {
    let ports = this.peers.get(address);
    if (ports?.has(port)) return;
    if (this.peerCount >= this.max) {
      this.overflow++;
      return;
    }
    if (ports === undefined) {
      ports = new Set();
      this.peers.set(address, ports);
    }
    ports.add(port);
    this.peerCount++;
  }

  /** The source the header in `d` claims (`view` as parsed); nothing for a header without addresses. */
  source(d: Buffer, view: DatagramHeaderView): void {
    if (view.sourceAt < 0) return;
    const key4 = sourceKey4(d, view);
    // IPv6 sources are named by text (an allocation each: rarer, and bounded by the tracked count).
    const key6 = key4 >= 0 ? '' : (endpointText(d, view, 'source') as string);
    if (key4 >= 0 ? this.sources4.has(key4) : this.sources6.has(key6)) return;
    if (this.sourceCount >= this.max) {
      this.overflow++;
      return;
    }
    if (key4 >= 0) this.sources4.add(key4);
    else this.sources6.add(key6);
  }

  /**
   * The claimed sources as a tally of the TCP target's kind, each source once (a flow claims its source on every
   * datagram; the generator will tally each flow's once), so --verify-proxy compares them with proxy/verify.ts.
   * Allocates a string per source: at the end of a run, not per datagram.
   */
  tally(): SourceTallyDoc {
    const tally = new SourceTally();
    for (const key of this.sources4) tally.add(sourceKey4Text(key));
    for (const key of this.sources6) tally.add(key);
    return tally.toDoc();
  }

  clear(): void {
    this.peers.clear();
    this.sources4.clear();
    this.sources6.clear();
    this.peerCount = 0;
    this.overflow = 0;
  }
}
