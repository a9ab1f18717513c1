/**
 * The 10,000-session v2 ramp against Node's floor (bench/node-floor-ramp.ts), round after round, quicker than the
 * native goal group and with as many rounds as asked: each round runs the floor, l4stress, the floor (A-B-A), each
 * on a native server of its own on a fresh port, with the goal's arguments (native-goals.ts RAMP_LOAD), and prints
 * l4stress's ramp over the mean of the two floors; the median ratio at the end. On a shared machine the absolute
 * figures drift; the ratio of interleaved runs is the signal.
 *
 * Usage: node dist/bench/ramp-rounds.js [rounds=5] [conns=10000] [-- extra l4stress arguments]
 * RAMP_OTHER_CLI=/path/to/bin/l4stress.js adds a second l4stress (another build) to each round, after the first.
 */
import { fileURLToPath } from 'node:url';
import { buildNativeReference } from '../native-tools/native-build.js';
import { RAMP_LIKE_THE_FLOOR, RAMP_LOAD } from './native-goals.js';
import { onFreshServer } from './native-server.js';
import { CLI, l4stress, run } from './run-cli.js';

const FLOOR_RAMP = fileURLToPath(new URL('./node-floor-ramp.js', import.meta.url));
const dash = process.argv.indexOf('--');
const positional = process.argv.slice(2, dash >= 0 ? dash : undefined);
const extra = dash >= 0 ? process.argv.slice(dash + 1) : [];
const rounds = Number(positional[0] ?? 5);
const conns = Number(positional[1] ?? 10_000);
const other = process.env.RAMP_OTHER_CLI;
const median = (v: number[]): number => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const native = await buildNativeReference();
if ('unavailable' in native) {
  console.error(native.unavailable);
  process.exit(2);
}

const floor = async (port: number): Promise<number> => {
  const r = await run(process.execPath, [FLOOR_RAMP, '127.0.0.1', String(port), String(conns)], 120_000);
  return (JSON.parse(r.stdout) as { rampMs: number }).rampMs;
};
const ours = (cli: string) => async (port: number) => {
  const load = [...RAMP_LOAD, ...RAMP_LIKE_THE_FLOOR, '-c', String(conns), ...extra];
  const r = await l4stress(['--target', `127.0.0.1:${port}`, ...load], 180_000, cli);
  if (r.connections.established !== conns) throw new Error(`established ${r.connections.established} of ${conns}`);
  return r.phases.rampMs;
};
const measure = async (m: (port: number) => Promise<number>): Promise<[number, number]> => {
  const { result, timeWait } = await onFreshServer(native, m);
  return [result, timeWait];
};

const ratios: number[] = [];
const otherRatios: number[] = [];
for (let i = 0; i < rounds; i++) {
  const [a, twA] = await measure(floor);
  const [l, twL] = await measure(ours(CLI));
  const o = other ? await measure(ours(other)) : null;
  const [b, twB] = await measure(floor);
  const ref = (a + b) / 2;
  ratios.push(l / ref);
  if (o) otherRatios.push(o[0] / ref);
  console.log(
    `round ${i + 1}: floor ${a} ms (tw ${twA}), l4stress ${l} ms (tw ${twL}), ` +
      `${o ? `other ${o[0]} ms (tw ${o[1]}), ` : ''}floor ${b} ms (tw ${twB}): ` +
      `${(l / ref).toFixed(2)}x${o ? `, other ${(o[0] / ref).toFixed(2)}x` : ''}`,
  );
}
const list = (v: number[]): string => v.map((r) => r.toFixed(2)).join(' ');
console.log(`l4stress / floor: median ${median(ratios).toFixed(2)}x (${list(ratios)})`);
if (other) console.log(`other / floor: median ${median(otherRatios).toFixed(2)}x (${list(otherRatios)})`);
