/**
 * Whether a hot path allocates: the garbage collections that ran while `op` ran `n` times (after warm-up runs of
 * the same). Synchronous code triggers a collection only by allocating, so a path that allocates nothing runs any
 * number of times without one, while 16 bytes a call over two million calls fills the young generation twice.
 * Only young-generation collections (scavenges) count: those are what short-lived allocations trigger, while a
 * major collection's marking, begun earlier, may finish on an interrupt in any loop. (Heap-used deltas cannot say
 * this either: a collection in the window makes them shrink.)
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';

export async function collectionsDuring(n: number, op: (i: number) => void): Promise<number> {
  await measure(n, op);
  // The fewest of up to three measured runs: on a busy machine V8's optimizing compiler (a background thread) may
  // not have finished with the loop after one warm-up, and unoptimized code boxes its numbers. A path that really
  // allocates per call collects in every run; one that does not reaches 0 or 1 once it is optimized.
  let fewest = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && fewest > 1; attempt++) fewest = Math.min(fewest, await measure(n, op));
  return fewest;
}

/** One measured run, after one as warm-up (the first runs of a loop are interpreted: they box their numbers). */
async function measure(n: number, op: (i: number) => void): Promise<number> {
  for (let i = 0; i < n; i++) op(i);
  // What the warm-up (and the tests before) left for the collector settles first.
  await new Promise((r) => setTimeout(r, 20));
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const minor = (e.detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MINOR;
      if (minor && e.startTime >= from && e.startTime <= to) count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  from = performance.now();
  for (let i = 0; i < n; i++) op(n + i);
  to = performance.now();
  // GC entries are delivered after the fact.
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  return count;
}
