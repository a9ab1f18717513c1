/**
 * The UDP engine's per-datagram path without sockets (workers/udp-datagrams.ts): a flow's ring of send buffers
 * stamped in place, the answer verified where it landed and counted; that it allocates nothing per datagram; that a
 * full ring skips the send rather than write over a queued one; and the UDP metrics' threshold grammar.
 */
import { describe, expect, it } from 'vitest';
import { measurable } from '../../src/gates/metric-table.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { buildDatagramHeader } from '../../src/proxy/datagram-header.js';
import { UDP_STAMP_BYTES } from '../../src/udp/stamp.js';
import { Recorder } from '../../workers/recorder.js';
import { DatagramLedger, dueWindow, SEND_RING } from '../../workers/udp-datagrams.js';
import { collectionsDuring } from '../helpers/gc-count.js';

const SIZE = 200;
const header = buildDatagramHeader({
  kind: 'v2',
  command: 'proxy',
  source: { address: '198.18.0.1', port: 4000 },
  destination: { address: '127.0.0.1', port: 53 },
  tlvs: [],
  seed: 1,
  flowId: 7,
});

function ledger(stream = false): { l: DatagramLedger; recorder: Recorder } {
  const recorder = new Recorder(true);
  recorder.startMeasuring();
  const l = new DatagramLedger(2, SIZE, 42, 1000, stream, recorder);
  l.open(0, header);
  l.open(1, Buffer.alloc(0));
  return { l, recorder };
}

/** What an echo target sends back: the datagram without its header (copied, as the kernel would). */
const echoOf = (tx: Buffer, headerLength: number): Buffer => Buffer.from(tx.subarray(headerLength));

describe('the UDP engine per datagram', () => {
  it('stamps each datagram behind the flow header and counts its echo once', () => {
    const { l, recorder } = ledger();
    const c = recorder.counters;
    const a = l.next(0, 7, -1, 10, 0)!;
    expect(a.subarray(0, header.length)).toEqual(header);
    expect(a.length).toBe(header.length + SIZE);
    const echo = echoOf(a, header.length);
    expect(l.receive(0, 7, echo, 11)).toBe(0);
    expect(l.receive(0, 7, echo, 12)).toBe(-1);
    const bad = Buffer.from(echo);
    bad[UDP_STAMP_BYTES + 3] ^= 1;
    expect(l.receive(0, 7, bad, 13)).toBe(-1);
    // Another flow's datagram on this flow's socket is not this flow's: corrupt.
    expect(l.receive(0, 8, echo, 14)).toBe(-1);
    expect([c.datagramsSent, c.datagramsReceived, c.datagramsDuplicated, c.datagramsCorrupt]).toEqual([1, 1, 1, 2]);
    expect(recorder.rtt.totalCount).toBe(1);
  });

  it('never writes over a send still queued: with every ring buffer queued, the send is skipped and counted', () => {
    const { l, recorder } = ledger();
    const sent = Array.from({ length: SEND_RING }, (_, k) => l.next(1, 9, -1, k, k));
    expect(new Set(sent).size).toBe(SEND_RING);
    expect(l.next(1, 9, -1, 5, SEND_RING)).toBeNull();
    expect(recorder.counters.datagramsNotSent).toBe(1);
    // One completed: the oldest buffer is free again, and it is the one used.
    expect(l.next(1, 9, -1, 6, SEND_RING - 1)).toBe(sent[0]);
  });

  it('measures an answer from when it was due while a second of sends is remembered', () => {
    expect([dueWindow(10), dueWindow(1000), dueWindow(1e6)]).toEqual([64, 1000, 4096]);
    const recorder = new Recorder(true);
    recorder.startMeasuring();
    const l = new DatagramLedger(1, SIZE, 42, 1000, false, recorder, dueWindow(500));
    l.open(0, Buffer.alloc(0));
    // 300 sent, the first 50 ms after it was due; it comes back last, 400 ms after it was due (300 sends later:
    // past the tracker's 64, within a second's due times).
    const first = echoOf(l.next(0, 3, 100, 150, 0)!, 0);
    for (let k = 1; k < 300; k++) l.next(0, 3, 150 + k, 150 + k, 0);
    expect(l.receive(0, 3, first, 500)).toBe(0);
    expect(recorder.rtt.maxValue).toBeGreaterThanOrEqual(399_000);
    expect(recorder.service.maxValue).toBeLessThan(351_000);
  });

  it('counts the tail lost at the close and settles', () => {
    const { l, recorder } = ledger();
    for (let k = 0; k < 5; k++) l.next(1, 9, -1, k, 0);
    expect(l.settled()).toBe(false);
    l.closeAll();
    expect(recorder.counters.datagramsLost).toBe(5);
    expect(l.settled()).toBe(true);
  });

  it('allocates nothing per datagram: stamp, send buffer, verify, track, record, jitter', {
    timeout: 90_000,
  }, async () => {
    const { l } = ledger(true);
    // The echo lands in a buffer of its own, as Node hands each datagram over; its stamp is copied in by hand.
    const rx = echoOf(l.next(0, 7, -1, 0, 0)!, header.length);
    // Whole milliseconds: a non-integer double handed to a call V8 did not inline is boxed (16 B, V8's own, as
    // performance.now()'s result is in a run; docs/udp.md), which would hide what our code does.
    let now = 1;
    const collections = await collectionsDuring(500_000, () => {
      now += 1;
      const tx = l.next(0, 7, now, now, 0)!;
      for (let i = 0; i < UDP_STAMP_BYTES; i++) rx[i] = tx[header.length + i];
      if (l.receive(0, 7, rx, now + 1) < 0) throw new Error('echo not counted');
    });
    expect(collections).toBeLessThanOrEqual(1); // 16 B a datagram would be 8 MB: several collections
  });
});

describe('the UDP metrics', () => {
  it("parse as thresholds: loss in percent ('loss<0.1%'), the rest as counts and times", () => {
    expect(parseThreshold('loss<0.1%')).toMatchObject({ metric: 'loss', op: '<', value: 0.1 });
    expect(parseThreshold('loss==0')).toMatchObject({ metric: 'loss', value: 0 });
    expect(() => parseThreshold('loss<0.1')).toThrow(/give the share in percent: 0.1%/);
    expect(parseThreshold('reorder==0')).toMatchObject({ metric: 'reorder', value: 0 });
    expect(parseThreshold('jitter<1ms')).toMatchObject({ metric: 'jitter', value: 1000 });
  });

  it('are measurable over UDP only (jitter in stream mode only)', () => {
    const base = { churnEcho: false, target: null, watchPids: [], scrape: undefined };
    expect(measurable('loss', { ...base, mode: 'echo' })).toMatch(/over UDP only/);
    expect(measurable('loss', { ...base, mode: 'echo', transport: 'udp' })).toBeNull();
    expect(measurable('silent', { ...base, mode: 'hold', transport: 'udp' })).toBeNull();
    expect(measurable('jitter', { ...base, mode: 'echo', transport: 'udp' })).toMatch(/stream/);
    expect(measurable('jitter', { ...base, mode: 'stream', transport: 'udp' })).toBeNull();
  });
});
