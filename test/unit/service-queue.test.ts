/**
 * The known-capacity backend's queue: messages counted in whole units, served in turn, never sooner than due; bounded
 * (a line per connection, round robin, full lines held back, blocked and closed lines cost no time).
 */
import { describe, expect, it } from 'vitest';
import { LINE_LIMIT_BYTES, parseServiceTimeUs, ServiceQueue } from '../../src/serve/service-queue.js';

const message = (n = 1): Buffer => Buffer.alloc(64 * n, 0x61);
const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const deadline = performance.now() + ms;
  while (!check() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
};

describe('serve --service-time', () => {
  it('counts whole messages across reads, the rest carried to the next', () => {
    const q = new ServiceQueue(1_000_000, 64);
    const line = q.open(() => {});
    const waiting = (bytes: number) => {
      q.push(line, Buffer.alloc(bytes));
      return line.messages;
    };
    expect(waiting(64)).toBe(1);
    expect(waiting(100)).toBe(2);
    expect(waiting(28)).toBe(3);
    expect(waiting(20)).toBe(3);
    expect(q.totals).toEqual({ bytes: 212, messages: 3 });
    q.stop();
    expect(q.totals).toEqual({ bytes: 0, messages: 0 });
  });

  it('echoes what each timer pass served: a big read goes out message by message, not after its last', async () => {
    const q = new ServiceQueue(2000, 64);
    const got: number[] = [];
    const line = q.open((chunk) => got.push(chunk.length));
    q.push(line, Buffer.alloc(64 * 100));
    await until(() => got.length >= 2);
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got[0] % 64).toBe(0);
    expect(got[0]).toBeLessThan(64 * 100);
    q.stop();
  });

  it('reads a service time in µs', () => {
    expect(parseServiceTimeUs('200us')).toBe(200);
    expect(parseServiceTimeUs('1.5ms')).toBe(1500);
    expect(parseServiceTimeUs('1s')).toBe(1_000_000);
    expect(parseServiceTimeUs('5')).toBeNull();
  });

  it('serves in turn: 50 messages of 2 ms are not all answered within 100 ms, in order', async () => {
    const q = new ServiceQueue(2000, 64);
    const start = performance.now();
    const order: number[] = [];
    const line = q.open((chunk) => order.push(chunk[0]));
    for (let i = 0; i < 50; i++) q.push(line, Buffer.alloc(64, i));
    await until(() => order.length === 50);
    expect(performance.now() - start).toBeGreaterThanOrEqual(99);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(q.totals.bytes).toBe(0);
    q.stop();
  });

  it('a read that completes no message is echoed at once when nothing waits before it, else after', async () => {
    const q = new ServiceQueue(1000, 64);
    const got: number[] = [];
    const line = q.open((chunk) => got.push(chunk.length));
    q.push(line, Buffer.alloc(20));
    expect(got).toEqual([20]);
    q.push(line, Buffer.alloc(50)); // completes the first message (carry 20 + 44), 6 carried
    q.push(line, Buffer.alloc(10)); // none: waits behind the 50
    expect(got).toEqual([20]);
    await until(() => got.length === 3);
    expect(got).toEqual([20, 50, 10]);
    q.stop();
  });

  it('round robin: a fresh line is served after one turn of each busy line, not after their backlog', async () => {
    const q = new ServiceQueue(1000, 64);
    const served = { busy: 0 };
    const busy = [0, 1, 2].map(() => q.open((chunk) => (served.busy += chunk.length / 64)));
    for (const line of busy) for (let i = 0; i < 200; i++) q.push(line, message());
    let busyBeforeFresh = -1;
    const fresh = q.open(() => {
      busyBeforeFresh = served.busy;
    });
    q.push(fresh, message());
    await until(() => busyBeforeFresh >= 0);
    // 600 messages were queued before it; it waits for a turn of each busy line (3: more only where the timer ran
    // late and one pass served several turns), not for 600.
    expect(busyBeforeFresh).toBeGreaterThanOrEqual(3);
    expect(busyBeforeFresh).toBeLessThan(60);
    q.stop();
  });

  it('a full line says so; a closed line is dropped at once and costs no time; a blocked one waits', async () => {
    const q = new ServiceQueue(1000, 64);
    let deadDelivered = 0;
    const dead = q.open(() => deadDelivered++);
    while (!dead.full) q.push(dead, message(16));
    expect(q.totals.bytes).toBeGreaterThanOrEqual(LINE_LIMIT_BYTES);
    q.close(dead);
    expect(q.totals.bytes).toBe(0);
    expect(q.totals.messages).toBe(0);
    q.push(dead, message()); // a late read of a closed connection is ignored
    expect(q.totals.bytes).toBe(0);

    let blockedDelivered = 0;
    const blocked = q.open(() => blockedDelivered++);
    q.push(blocked, message());
    q.block(blocked, true);
    let freshAt = 0;
    const start = performance.now();
    const fresh = q.open(() => {
      freshAt = performance.now();
    });
    q.push(fresh, message());
    await until(() => freshAt > 0);
    // Well under the 1,000+ ms the dead line's messages would have cost (a busy machine's timers can lag).
    expect(freshAt - start).toBeLessThan(500);
    expect(deadDelivered).toBe(0);
    expect(blockedDelivered).toBe(0);
    q.block(blocked, false);
    await until(() => blockedDelivered === 1);
    expect(blockedDelivered).toBe(1);
    expect(q.totals.bytes).toBe(0);
    q.stop();
  });
});
