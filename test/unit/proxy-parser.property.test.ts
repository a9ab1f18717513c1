/**
 * Property-based tests (fast-check) of the PROXY header parser against the spec: headers from a reference encoder
 * written from doc/proxy-protocol.txt, arbitrary and mutated bytes, any chunking. `npm run fuzz` runs the same
 * properties over a million inputs.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { PROPERTIES } from '../../bench/proxy-properties.js';

describe('PROXY parser properties', () => {
  for (const { name, property } of PROPERTIES) {
    it(name, () => {
      fc.assert(property, { numRuns: 400 });
    });
  }
});
