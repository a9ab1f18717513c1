/**
 * Echo payloads that prove their own integrity: every message carries its connection id, a sequence number and a
 * check word, followed by a per-run body pattern. The generator stamps a connection's own buffer before each send
 * and verifies every echo where it landed (no copy when it arrived whole, no allocation), counting corrupted,
 * duplicated, out-of-order and missing messages. Messages of STAMP_BYTES or fewer carry no stamp (integrity off).
 */

import type { IntegrityCounters } from '../instruments/counters.js';

/** connId (u32) | seq (u32) | check (u32) */
export const STAMP_BYTES = 12;

/** FNV-1a of the body pattern: computed once, mixed into every check word. */
export function bodyHash(body: Buffer, from: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < body.length; i++) h = Math.imul(h ^ body[i], 0x01000193);
  return h >>> 0;
}

/** The check word of (connection, sequence): a cheap mix, enough to catch a flipped or misrouted stamp. */
export function checkWord(connId: number, seq: number, hash: number): number {
  let h = (hash ^ Math.imul(connId, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ seq ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

export function integrityEnabled(sizeBytes: number): boolean {
  return sizeBytes > STAMP_BYTES;
}

/**
 * Big-endian words by hand: Buffer's readUInt32BE/writeUInt32BE validate their offset through a wrapper that
 * shows in a closed-loop profile; every caller here has checked its bounds already.
 */
function putWord(b: Buffer, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

function word(b: Buffer, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** Writes the stamp into `tx` (whose body, from STAMP_BYTES on, already holds the pattern). */
export function stamp(tx: Buffer, connId: number, seq: number, hash: number): void {
  putWord(tx, 0, connId >>> 0);
  putWord(tx, 4, seq >>> 0);
  putWord(tx, 8, checkWord(connId, seq, hash));
}

/**
 * Per-connection receive bookkeeping: the newest sequence seen and a 32-message window of what arrived and what was
 * given up on (echo timeout).
 */
export interface SeqWindow {
  maxSeen: number;
  /** Bit i set: message maxSeen - i arrived. */
  mask: number;
  /** Bit i set: message maxSeen - i was given up on and has not arrived since. */
  givenUp: number;
}

export function emptyIntegrity(): IntegrityCounters {
  return { verified: 0, corrupted: 0, duplicated: 0, outOfOrder: 0, missing: 0 };
}

/** Bodies up to this size compare in a JS loop: cheaper than a native call with its argument checks. */
const LOOP_COMPARE_BYTES = 256;

function sameBody(buf: Buffer, at: number, template: Buffer): boolean {
  const n = template.length;
  if (n > LOOP_COMPARE_BYTES) return buf.compare(template, STAMP_BYTES, n, at + STAMP_BYTES, at + n) === 0;
  for (let i = STAMP_BYTES; i < n; i++) if (buf[at + i] !== template[i]) return false;
  return true;
}

/**
 * Verifies the complete echo at `buf[at..at + template.length)` against the connection's id, the body pattern in
 * `template`, and the window. Returns its sequence number, or -1 when it is corrupted: then its own number is not
 * trusted, and it is taken to be the next one expected (so one bad message is not also counted as a gap).
 */
export function verifyEcho(
  buf: Buffer,
  at: number,
  template: Buffer,
  connId: number,
  hash: number,
  win: SeqWindow,
  out: IntegrityCounters,
): number {
  const id = word(buf, at);
  const seq = word(buf, at + 4);
  if (id !== connId >>> 0 || word(buf, at + 8) !== checkWord(id, seq, hash) || !sameBody(buf, at, template)) {
    out.corrupted++;
    markArrived(win, win.maxSeen + 1);
    return -1;
  }
  out.verified++;
  countArrival(win, seq, out);
  return seq;
}

/**
 * Records that `seq` (and any unanswered before it) was given up on (echo timeout): counted missing now, and missing
 * it stays: a late arrival is not reordering, nothing after it had arrived (a session an ingress queued, served at
 * the stop).
 */
export function markGivenUp(win: SeqWindow, seq: number, out: IntegrityCounters): void {
  if (seq <= win.maxSeen) return;
  out.missing += seq - win.maxSeen;
  const shift = seq - win.maxSeen;
  win.mask = shift >= 32 ? 0 : (win.mask << shift) >>> 0;
  // Bits 0..shift-1: the messages just given up.
  win.givenUp = shift >= 32 ? 0xffffffff : ((win.givenUp << shift) | ((1 << shift) - 1)) >>> 0;
  win.maxSeen = seq;
}

function markArrived(win: SeqWindow, seq: number): void {
  const shift = seq - win.maxSeen;
  win.mask = shift >= 32 ? 1 : ((win.mask << shift) | 1) >>> 0;
  win.givenUp = shift >= 32 ? 0 : (win.givenUp << shift) >>> 0;
  win.maxSeen = seq;
}

/** Window bookkeeping for a verified `seq`; returns true when it was new and in order. */
function countArrival(win: SeqWindow, seq: number, out: IntegrityCounters): boolean {
  if (seq > win.maxSeen) {
    const gap = seq - win.maxSeen - 1; // maxSeen starts at -1

    out.missing += gap;
    markArrived(win, seq);
    return gap === 0;
  }
  const back = win.maxSeen - seq;
  if (back < 32 && (win.mask & (1 << back)) !== 0) out.duplicated++;
  else if (back < 32 && (win.givenUp & (1 << back)) !== 0) {
    // Given up on, then answered late: still missing (it was not back in time), and a repeat is a duplicate.
    win.givenUp = (win.givenUp & ~(1 << back)) >>> 0;
    win.mask = (win.mask | (1 << back)) >>> 0;
  } else {
    // A message we had counted as missing arrived after a later one.
    out.outOfOrder++;
    if (out.missing > 0) out.missing--;
    if (back < 32) win.mask = (win.mask | (1 << back)) >>> 0;
  }
  return false;
}
