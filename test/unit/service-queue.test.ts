/** The known-capacity backend's queue: messages counted in whole units, served in turn, never sooner than due. */
import { describe, expect, it } from 'vitest';
import { countMessages, parseServiceTimeUs, ServiceQueue } from '../../src/target/service-queue.js';

describe('serve --service-time', () => {
  it('counts whole messages and carries the rest to the next read', () => {
    expect(countMessages(0, 64, 64)).toEqual([1, 0]);
    expect(countMessages(0, 100, 64)).toEqual([1, 36]);
    expect(countMessages(36, 28, 64)).toEqual([1, 0]);
    expect(countMessages(0, 20, 64)).toEqual([0, 20]);
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
    await new Promise<void>((resolve) => {
      for (let i = 0; i < 50; i++)
        q.enqueue(1, () => {
          order.push(i);
          if (i === 49) resolve();
        });
    });
    expect(performance.now() - start).toBeGreaterThanOrEqual(99);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
    q.stop();
  });
});
