/**
 * Interarrival jitter per flow as RFC 3550 section 6.4.1 defines it, for the UDP stream mode (one way): for
 * consecutive datagrams i and j of a flow, D(i, j) = (Rj - Ri) - (Sj - Si), the difference of their transit times,
 * and J += (|D| - J) / 16. Transit is arrival (receiver's clock) minus the send time the stamp carries (sender's
 * clock): the clocks' offset cancels in D, so no shared clock is needed. As iperf3 -u, in arrival order (a reordered
 * datagram takes its turn when it arrives). Typed arrays indexed by flow: no allocation per datagram.
 */
export class JitterTracker {
  /** Each flow's jitter estimate, ms (0 until its second datagram). */
  readonly jitterMs: Float64Array;
  private readonly lastTransit: Float64Array;
  private readonly seen: Uint8Array;

  constructor(readonly flows: number) {
    this.jitterMs = new Float64Array(flows);
    this.lastTransit = new Float64Array(flows);
    this.seen = new Uint8Array(flows);
  }

  /** A datagram of `flow` sent at `sentMs` (its stamp) arrived at `arrivalMs`. */
  arrive(flow: number, sentMs: number, arrivalMs: number): void {
    const transit = arrivalMs - sentMs;
    if (this.seen[flow] === 0) this.seen[flow] = 1;
    else {
      const d = Math.abs(transit - this.lastTransit[flow]);
      this.jitterMs[flow] += (d - this.jitterMs[flow]) / 16;
    }
    this.lastTransit[flow] = transit;
  }

  /** The mean of the flows' estimates that have one (null when none has two datagrams yet). */
  meanMs(): number | null {
    let sum = 0;
    let n = 0;
    for (let flow = 0; flow < this.flows; flow++) {
      if (this.seen[flow] === 0) continue;
      sum += this.jitterMs[flow];
      n++;
    }
    return n === 0 ? null : sum / n;
  }
}
