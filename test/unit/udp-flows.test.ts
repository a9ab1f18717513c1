/**
 * The datagram stamp and the per-flow receive tracker, each fault injected by hand: loss (in the window, out of it,
 * at the tail), reordering, duplication, late arrival after loss, and corruption of every field and of the body.
 */
import { describe, expect, it } from 'vitest';
import { ARRIVAL, FlowTracker } from '../../src/udp/flow-tracker.js';
import {
  fillBody,
  stampFlow,
  stampSentMs,
  stampSeq,
  UDP_STAMP_BYTES,
  verifyStamp,
  writeStamp,
} from '../../src/udp/stamp.js';
import { collectionsDuring } from '../helpers/gc-count.js';

describe('the datagram stamp', () => {
  const header = 28; // a PROXY v2 UDP4 header before it, as on the wire
  const length = 100;
  const tx = Buffer.alloc(header + length);
  const hash = fillBody(tx, header, length, 7);

  it('is written in place and read back where it lies', () => {
    writeStamp(tx, header, 3, 41, 1234.5625, length, hash);
    expect(verifyStamp(tx, header, length, tx, header, hash)).toBe('ok');
    expect([stampFlow(tx, header), stampSeq(tx, header), stampSentMs(tx, header)]).toEqual([3, 41, 1234.5625]);
  });

  it('names every corruption: each field, a flipped body bit, truncation, padding, too short', () => {
    writeStamp(tx, header, 3, 41, 1234.5625, length, hash);
    const flipped = (at: number): string => {
      const rx = Buffer.from(tx);
      rx[header + at] ^= 0x10;
      return verifyStamp(rx, header, length, tx, header, hash);
    };
    for (const at of [0, 4, 9, 15, 17, 21]) expect(flipped(at)).toBe('check');
    expect(flipped(UDP_STAMP_BYTES)).toBe('body');
    expect(flipped(length - 1)).toBe('body');
    expect(verifyStamp(tx, header, length - 1, tx, header, hash)).toBe('length');
    const padded = Buffer.concat([tx, Buffer.alloc(1)]);
    expect(verifyStamp(padded, header, length + 1, tx, header, hash)).toBe('length');
    expect(verifyStamp(tx, header, UDP_STAMP_BYTES - 1, tx, header, hash)).toBe('short');
    const otherRun = fillBody(Buffer.alloc(header + length), header, length, 8);
    expect(verifyStamp(tx, header, length, tx, header, otherRun)).toBe('check');
  });

  it('allocates nothing per datagram', async () => {
    // Whole-ms times: a fractional double handed to a call V8 did not inline is boxed (16 B) by the engine, as
    // performance.now()'s own result is; what is measured here is the stamp's own work.
    const collections = await collectionsDuring(3_000_000, (seq) => {
      writeStamp(tx, header, 1, seq, seq, length, hash);
      if (verifyStamp(tx, header, length, tx, header, hash) !== 'ok') throw new Error(`seq ${seq}`);
    });
    expect(collections).toBeLessThanOrEqual(1); // 16 B a call would be 48 MB: several
  });
});

describe('the flow tracker', () => {
  const counts = (t: FlowTracker, flow = 0) => t.counts(flow);

  it('in order: all received, nothing else', () => {
    const t = new FlowTracker(2, 8, 100, 0);
    for (let s = 0; s < 50; s++) expect(t.receive(1, s, s)).toBe(ARRIVAL.NEW);
    expect(counts(t, 1)).toEqual({ received: 50, duplicate: 0, reordered: 0, lost: 0, late: 0, corrupt: 0 });
    expect(counts(t, 0).received).toBe(0);
  });

  it('a duplicate is counted as one, not received twice', () => {
    const t = new FlowTracker(1, 8, 100, 0);
    t.receive(0, 0, 0);
    t.receive(0, 1, 0);
    expect(t.receive(0, 1, 0)).toBe(ARRIVAL.DUPLICATE);
    expect(t.receive(0, 0, 0)).toBe(ARRIVAL.DUPLICATE);
    expect(counts(t)).toMatchObject({ received: 2, duplicate: 2, lost: 0 });
  });

  it('reordered within the timeout: received and reordered, not lost', () => {
    const t = new FlowTracker(1, 8, 100, 0);
    t.receive(0, 0, 0);
    expect(t.receive(0, 3, 10)).toBe(ARRIVAL.AFTER_GAP);
    expect(t.pending(0)).toBe(2);
    expect(t.receive(0, 2, 20)).toBe(ARRIVAL.REORDERED);
    expect(t.receive(0, 1, 30)).toBe(ARRIVAL.REORDERED);
    expect(t.sweep(1000)).toBe(0);
    expect(counts(t)).toMatchObject({ received: 4, reordered: 2, lost: 0 });
  });

  it('missing past the timeout is lost; arriving after that it is late and stays lost', () => {
    const t = new FlowTracker(1, 8, 100, 0);
    t.receive(0, 0, 0);
    t.receive(0, 2, 10);
    expect(t.sweep(109)).toBe(0);
    expect(t.sweep(110)).toBe(1);
    expect(t.receive(0, 1, 120)).toBe(ARRIVAL.LATE);
    expect(t.receive(0, 1, 121)).toBe(ARRIVAL.DUPLICATE);
    expect(counts(t)).toMatchObject({ received: 2, lost: 1, late: 1, duplicate: 1, reordered: 0 });
  });

  it('a gap wider than the window is lost at once; what fell out of the window and comes back is late', () => {
    const t = new FlowTracker(1, 8, 100, 0);
    t.receive(0, 0, 0);
    t.receive(0, 20, 1); // 1..19 skipped: 1..12 cannot be tracked (lost now), 13..19 missing
    expect(counts(t).lost).toBe(12);
    expect(t.pending(0)).toBe(7);
    t.receive(0, 24, 2); // pushes 13..16 out of the window unseen
    expect(counts(t).lost).toBe(16);
    expect(t.receive(0, 5, 3)).toBe(ARRIVAL.LATE);
    expect(counts(t)).toMatchObject({ received: 3, lost: 16, late: 1 });
  });

  it('close counts what is still missing and the tail the sender sent after the last arrival', () => {
    const t = new FlowTracker(1, 8, 100, 0);
    t.receive(0, 0, 0);
    t.receive(0, 2, 0);
    expect(t.close(0, 6)).toBe(1 + 3);
    expect(counts(t)).toMatchObject({ received: 2, lost: 4 });
    expect(t.pending(0)).toBe(0);
  });

  it('a flow answered before and quiet since is silent, with the time it went silent', () => {
    const t = new FlowTracker(3, 8, 100, 0);
    t.receive(0, 0, 1000);
    t.receive(1, 0, 1000);
    t.receive(1, 1, 4000);
    expect(t.silentFlows(4500, 2000)).toBe(1);
    expect(t.lastArrivalMs[0]).toBe(1000);
    expect(t.silentFlows(7000, 2000)).toBe(2);
  });

  it('corrupt is counted for the flow the caller names; totals add the flows', () => {
    const t = new FlowTracker(3, 8, 100, 0);
    t.markCorrupt(2);
    t.receive(0, 0, 0);
    t.receive(1, 0, 0);
    t.receive(1, 0, 0);
    expect(t.totals()).toEqual({ received: 2, duplicate: 1, reordered: 0, lost: 0, late: 0, corrupt: 1 });
    expect(t.lastArrivalMs[2]).toBe(-1);
  });

  it('allocates nothing per datagram, reordering and loss included', async () => {
    const t = new FlowTracker(1000, 64, 100, 0);
    const collections = await collectionsDuring(3_000_000, (i) => {
      const flow = i % 1000;
      const seq = Math.floor(i / 1000);
      if (seq % 7 !== 3) t.receive(flow, seq % 5 === 1 ? seq + 1 : seq % 5 === 2 ? seq - 1 : seq, i);
    });
    t.sweep(1e9);
    expect(collections).toBeLessThanOrEqual(1); // 16 B a call would be 48 MB: several
    expect(t.totals().lost).toBeGreaterThan(0);
  });
});

describe('the stamp on the wire', () => {
  it('carries its send time as a big-endian IEEE 754 double at offset 8', () => {
    const tx = Buffer.alloc(40);
    const hash = fillBody(tx, 0, 40, 1);
    writeStamp(tx, 0, 0x01020304, 0x0a0b0c0d, -1.5e-7, 40, hash);
    expect(tx.readDoubleBE(8)).toBe(-1.5e-7);
    expect(tx.subarray(0, 8).toString('hex')).toBe('010203040a0b0c0d');
    expect(tx.readUInt32BE(16)).toBe(40);
  });
});
