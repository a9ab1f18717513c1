/**
 * Entry of a generator process, forked by run/links.ts when a run needs more file descriptors than one process
 * has: it runs the worker plans its parent sends and relays their messages until the parent disconnects.
 */
import { runGeneratorProcess } from '../run/links.js';

runGeneratorProcess().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`l4stress generator: ${err.message}\n`);
    process.exit(3);
  },
);
