/** find's --expect is read by the threshold grammar (gates/thresholds.ts), not a grammar of its own. */
import { describe, expect, it } from 'vitest';
import { resolveFindConfig } from '../../src/find/find-config.js';
import { FIND_DEFAULTS } from '../../src/options/find-options.js';
import { RUN_DEFAULTS } from '../../src/options/run-options.js';

const gates = (...texts: string[]) =>
  resolveFindConfig(
    { ...RUN_DEFAULTS, ...FIND_DEFAULTS, vary: 'rate', slo: ['p99<5ms'], expect: texts, target: '127.0.0.1:7000' },
    ['vary', 'slo', 'expect', 'target'],
  ).expect;

describe('find --expect', () => {
  it('takes what the threshold grammar takes for capacity: any case, spaces, k and m', () => {
    expect(gates('capacity>=5000', 'Capacity > 2k', 'capacity<=1.5m', 'capacity==7')).toEqual([
      { text: 'capacity>=5000', op: '>=', value: 5000 },
      { text: 'Capacity > 2k', op: '>', value: 2000 },
      { text: 'capacity<=1.5m', op: '<=', value: 1_500_000 },
      { text: 'capacity==7', op: '==', value: 7 },
    ]);
  });

  it.each([
    ['speed>5', /^--expect 'speed>5': not of the form 'capacity>=N'/],
    ['p99<5ms', /^--expect 'p99<5ms': not of the form 'capacity>=N'/],
    ['capacity!=5', /^--expect 'capacity!=5': not of the form/],
    ['capacity>=target', /^--expect 'capacity>=target': not of the form/],
    ['capacity>=5kb', /^--expect 'capacity>=5kb': unit 'kb' does not fit capacity/],
  ])('refuses %s, naming --expect', (text, message) => {
    expect(() => gates(text)).toThrow(message);
  });
});
