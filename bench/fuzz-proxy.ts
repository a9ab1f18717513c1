/**
 * `npm run fuzz [-- N]`: the PROXY parser properties (bench/proxy-properties.ts) over N inputs in all (default
 * 1,000,000), split evenly, with a seed printed so any failure can be replayed. Exits 1 on a counterexample.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { PROPERTIES } from './proxy-properties.js';

const total = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const perProperty = Math.ceil(total / PROPERTIES.length);
console.log(`fuzzing the PROXY parser: ${PROPERTIES.length} properties x ${perProperty} inputs, seed ${seed}`);
let failed = false;
let ran = 0;
for (const { name, property } of PROPERTIES) {
  const t0 = performance.now();
  const details = fc.check(property, { numRuns: perProperty, seed });
  const seconds = (performance.now() - t0) / 1000;
  ran += details.numRuns;
  console.log(`${details.failed ? 'FAIL' : 'ok  '} ${details.numRuns} inputs in ${seconds.toFixed(1)} s: ${name}`);
  if (details.failed) {
    failed = true;
    console.log(`  counterexample: ${fc.stringify(details.counterexample)}`);
    console.log(`  replay: FUZZ_SEED=${seed} npm run fuzz -- ${total} (path ${details.counterexamplePath})`);
  }
}
console.log(`${ran} inputs, ${failed ? 'counterexamples found' : 'no counterexample'}`);
process.exit(failed ? 1 : 0);
