/**
 * Entry of an embedded target process, forked by run/embedded-target.ts with its options as one JSON argument.
 * It answers on the IPC channel (listening, stats, sources) and stops when its parent says so or goes away.
 */
import { runServe, type ServeOptions } from '../target/serve-process.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ServeOptions;
runServe(options, () => {}).then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`l4stress target: ${err.message}\n`);
    process.exit(3);
  },
);
