/**
 * The capacity search's own edges outside its bisection: a probe the generator's limits refuse before any socket,
 * and how much a conns search may ask of this machine, bounded before anything is spawned.
 */
import { describe, expect, it } from 'vitest';
import { endAsGeneratorLimit } from '../../src/find/run-find.js';
import { CapacitySearch } from '../../src/find/search.js';

describe('a conns probe past the generator fd/port limits', () => {
  it("ends the search as the generator's limit (exit 3), not as a stop by --max-time", () => {
    const search = new CapacitySearch({ from: 100, to: Number.POSITIVE_INFINITY, precision: 0.05, confirm: 2 });
    search.record(true);
    expect(search.proposal()?.load).toBe(200);
    endAsGeneratorLimit(search);
    expect(search.proposal()).toBeNull();
    expect(search.answer()).toMatchObject({ end: 'generator-limit', capacity: 100, atLeast: true });
  });
});
