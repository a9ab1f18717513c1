import { describe, expect, it } from 'vitest';
import {
  bodyHash,
  emptyIntegrity,
  markGivenUp,
  type SeqWindow,
  STAMP_BYTES,
  stamp,
  verifyEcho,
} from '../../src/worker-contract/integrity.js';

const SIZE = 64;
const template = Buffer.alloc(SIZE, 0x33);
const hash = bodyHash(template, STAMP_BYTES);
const message = (connId: number, seq: number): Buffer => {
  const b = Buffer.from(template);
  stamp(b, connId, seq, hash);
  return b;
};

function feed(seqs: number[], connId = 7): ReturnType<typeof emptyIntegrity> {
  const win: SeqWindow = { maxSeen: -1, mask: 0, givenUp: 0 };
  const out = emptyIntegrity();
  for (const s of seqs) verifyEcho(message(connId, s), 0, template, connId, hash, win, out);
  return out;
}

describe('echo integrity bookkeeping', () => {
  it('in-order echoes verify clean', () => {
    expect(feed([0, 1, 2, 3, 4])).toEqual({ verified: 5, corrupted: 0, duplicated: 0, outOfOrder: 0, missing: 0 });
  });

  it('a gap is missing; the late arrival turns it into out-of-order', () => {
    expect(feed([0, 1, 3, 4])).toMatchObject({ missing: 1, outOfOrder: 0 });
    expect(feed([0, 1, 3, 2, 4])).toMatchObject({ missing: 0, outOfOrder: 1 });
  });

  it('a repeat is duplicated', () => {
    expect(feed([0, 1, 1, 2])).toMatchObject({ duplicated: 1, missing: 0 });
  });

  it("a flipped body byte, a wrong stamp or another connection's message is corrupted, and not also a gap", () => {
    const win: SeqWindow = { maxSeen: -1, mask: 0, givenUp: 0 };
    const out = emptyIntegrity();
    verifyEcho(message(7, 0), 0, template, 7, hash, win, out);
    const flipped = message(7, 1);
    flipped[40] ^= 1;
    expect(verifyEcho(flipped, 0, template, 7, hash, win, out)).toBe(-1);
    const badStamp = message(7, 2);
    badStamp[5] ^= 1;
    expect(verifyEcho(badStamp, 0, template, 7, hash, win, out)).toBe(-1);
    expect(verifyEcho(message(8, 3), 0, template, 7, hash, win, out)).toBe(-1);
    verifyEcho(message(7, 4), 0, template, 7, hash, win, out);
    expect(out).toEqual({ verified: 2, corrupted: 3, duplicated: 0, outOfOrder: 0, missing: 0 });
  });

  it('a given-up echo counts missing once and stays missing when it arrives late: not out of order', () => {
    const win: SeqWindow = { maxSeen: -1, mask: 0, givenUp: 0 };
    const out = emptyIntegrity();
    verifyEcho(message(7, 0), 0, template, 7, hash, win, out);
    markGivenUp(win, 1, out);
    verifyEcho(message(7, 2), 0, template, 7, hash, win, out);
    expect(out.missing).toBe(1);
    verifyEcho(message(7, 1), 0, template, 7, hash, win, out);
    expect(out).toMatchObject({ missing: 1, outOfOrder: 0, duplicated: 0 });
    // Its second arrival is a duplicate.
    verifyEcho(message(7, 1), 0, template, 7, hash, win, out);
    expect(out).toMatchObject({ missing: 1, outOfOrder: 0, duplicated: 1 });
  });

  it("a queued session's first message, given up and answered at the stop, is missing (issue 30)", () => {
    const win: SeqWindow = { maxSeen: -1, mask: 0, givenUp: 0 };
    const out = emptyIntegrity();
    markGivenUp(win, 0, out);
    verifyEcho(message(7, 0), 0, template, 7, hash, win, out);
    expect(out).toEqual({ verified: 1, corrupted: 0, duplicated: 0, outOfOrder: 0, missing: 1 });
  });

  it('a gap later filled is still out of order after a give-up further on', () => {
    const win: SeqWindow = { maxSeen: -1, mask: 0, givenUp: 0 };
    const out = emptyIntegrity();
    for (const s of [0, 2]) verifyEcho(message(7, s), 0, template, 7, hash, win, out);
    markGivenUp(win, 3, out);
    verifyEcho(message(7, 1), 0, template, 7, hash, win, out);
    expect(out).toMatchObject({ missing: 1, outOfOrder: 1 });
  });

  it.each([
    ['compared in a loop', 64],
    ['compared natively', 1024],
  ])('messages back to back in one read verify where they lie, %s (%i B)', (_how, size) => {
    const body = Buffer.alloc(size, 0x5a);
    const h = bodyHash(body, STAMP_BYTES);
    const reads = Buffer.alloc(3 * size + 5);
    for (let i = 0; i < 3; i++) {
      body.copy(reads, 5 + i * size);
      stamp(reads.subarray(5 + i * size), 9, i, h);
    }
    reads[5 + 2 * size + size - 1] ^= 0x80;
    const win: SeqWindow = { maxSeen: -1, mask: 0, givenUp: 0 };
    const out = emptyIntegrity();
    const seqs = [0, 1, 2].map((i) => verifyEcho(reads, 5 + i * size, body, 9, h, win, out));
    expect(seqs).toEqual([0, 1, -1]);
    expect(out).toEqual({ verified: 2, corrupted: 1, duplicated: 0, outOfOrder: 0, missing: 0 });
  });

  // Echoes lie anywhere in a read (aligned or not, any length): every body byte flipped must be caught, and nothing
  // flagged when none is.
  it.each([
    [64, 0],
    [64, 4],
    [64, 5],
    [67, 0],
    [67, 3],
    [200, 8],
  ])('every flipped body byte is caught (%i B at offset %i)', (size, offset) => {
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 37 + 11) & 0xff;
    const h = bodyHash(body, STAMP_BYTES);
    const read = Buffer.alloc(offset + size);
    const win: SeqWindow = { maxSeen: -1, mask: 0, givenUp: 0 };
    const out = emptyIntegrity();
    for (let flip = STAMP_BYTES - 1; flip < size; flip++) {
      body.copy(read, offset);
      stamp(read.subarray(offset), 9, 0, h);
      if (flip >= STAMP_BYTES) read[offset + flip] ^= 0x01;
      win.maxSeen = -1;
      win.mask = 0;
      expect(verifyEcho(read, offset, body, 9, h, win, out), `byte ${flip}`).toBe(flip >= STAMP_BYTES ? -1 : 0);
    }
    expect(out.corrupted).toBe(size - STAMP_BYTES);
    expect(out.verified).toBe(1);
  });
});
