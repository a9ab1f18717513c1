/**
 * The stamp every generated datagram carries right after its header (if any): flow id, sequence number, send time,
 * the datagram's own length and a check word, then the run's body pattern. Written in place into the flow's
 * preallocated send buffer (no allocation per datagram) and verified where the answer landed: a stamp whose check
 * word, length or body disagrees is corrupt (a flipped bit, a truncated or padded datagram, another flow's bytes)
 * and its flow and sequence are not trusted. The check word is the TCP stamp's mix (worker-contract/integrity.ts)
 * over the flow, the sequence and the body's hash, with the send time and the length mixed in.
 */
import type { StampFault } from '../core/vocabulary.js';
import { bodyHash, checkWord } from '../worker-contract/integrity.js';

export type { StampFault };
export { bodyHash };

/** flow (u32) | seq (u32) | sent ms (f64) | length (u32) | check (u32) */
export const UDP_STAMP_BYTES = 24;
/** The largest UDP payload over IPv4 (65,535 - 20 IP - 8 UDP); IPv6's is 65,527 without jumbograms. */
export const MAX_UDP_PAYLOAD = 65_507;

/** A verified stamp, or the fault found (a closed set: STAMP_FAULTS). */
export type StampVerdict = 'ok' | StampFault;

function putWord(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

function word(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** Doubles by hand through one scratch word, big-endian on the wire (Buffer's writeDoubleBE checks its arguments). */
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function putDouble(b: Uint8Array, at: number, v: number): void {
  scratch[0] = v;
  for (let i = 0; i < 8; i++) b[at + i] = scratchBytes[LITTLE_ENDIAN ? 7 - i : i];
}

function double(b: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) scratchBytes[LITTLE_ENDIAN ? 7 - i : i] = b[at + i];
  return scratch[0];
}

/** The check word: the TCP stamp's mix of (flow, seq, body hash), then the time's two halves and the length. */
function udpCheck(b: Uint8Array, at: number, flow: number, seq: number, length: number, hash: number): number {
  let h = checkWord(flow, seq, hash);
  h = Math.imul(h ^ word(b, at + 8), 0x85ebca6b);
  h = Math.imul(h ^ word(b, at + 12) ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ length ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Fills the body pattern of a flow's send buffer once: bytes [at + UDP_STAMP_BYTES, at + length) get the pattern
 * (a run-wide byte sequence) and the hash of that pattern is returned for every stamp.
 */
export function fillBody(tx: Buffer, at: number, length: number, seed: number): number {
  let x = seed >>> 0 || 1;
  for (let i = at + UDP_STAMP_BYTES; i < at + length; i++) {
    // xorshift32: a pattern that is not all one byte, so a shifted or spliced datagram shows.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    tx[i] = x;
  }
  return bodyHash(tx.subarray(at, at + length), UDP_STAMP_BYTES);
}

/** Writes the stamp of (flow, seq) sent at `sentMs` at `tx[at]`, for a stamped part of `length` bytes. */
export function writeStamp(
  tx: Buffer,
  at: number,
  flow: number,
  seq: number,
  sentMs: number,
  length: number,
  hash: number,
) {
  putWord(tx, at, flow >>> 0);
  putWord(tx, at + 4, seq >>> 0);
  putDouble(tx, at + 8, sentMs);
  putWord(tx, at + 16, length >>> 0);
  putWord(tx, at + 20, udpCheck(tx, at, flow >>> 0, seq >>> 0, length >>> 0, hash));
}

/**
 * Checks the stamped part `rx[at, at + length)` against the run's body pattern (`template[tAt, ...)`, the bytes
 * the sender stamped over) and hash. `ok` lets the caller read its flow, seq and send time.
 */
export function verifyStamp(
  rx: Buffer,
  at: number,
  length: number,
  template: Uint8Array,
  tAt: number,
  hash: number,
): StampVerdict {
  if (length < UDP_STAMP_BYTES) return 'short';
  const flow = word(rx, at);
  const seq = word(rx, at + 4);
  const claimed = word(rx, at + 16);
  if (word(rx, at + 20) !== udpCheck(rx, at, flow, seq, claimed, hash)) return 'check';
  if (claimed !== length) return 'length';
  if (tAt + length > template.length) return 'length';
  return sameBody(rx, at, length, template, tAt) ? 'ok' : 'body';
}

/** Bodies up to this size compare in a JS loop: cheaper than a native call with its argument checks. */
const LOOP_COMPARE_BYTES = 256;

function sameBody(rx: Buffer, at: number, length: number, template: Uint8Array, tAt: number): boolean {
  if (length > LOOP_COMPARE_BYTES)
    return rx.compare(template, tAt + UDP_STAMP_BYTES, tAt + length, at + UDP_STAMP_BYTES, at + length) === 0;
  for (let i = UDP_STAMP_BYTES; i < length; i++) if (rx[at + i] !== template[tAt + i]) return false;
  return true;
}

export const stampFlow = (rx: Uint8Array, at: number): number => word(rx, at);
export const stampSeq = (rx: Uint8Array, at: number): number => word(rx, at + 4);
/** The send time the stamp carries (the sender's performance.now(), ms). */
export function stampSentMs(rx: Uint8Array, at: number): number {
  return double(rx, at + 8);
}
