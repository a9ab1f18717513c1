/**
 * Entry of a generator process, forked by run/links.ts when a run needs more file descriptors than one process
 * has: it runs the worker plans its parent sends and relays their messages until the parent disconnects.
 */
import { ExitCode } from '../core/errors.js';
import { runGeneratorProcess } from '../run/links.js';

runGeneratorProcess().then(
  () => process.exit(ExitCode.ok),
  (err: Error) => {
    process.stderr.write(`l4stress generator: ${err.message}\n`);
    process.exit(ExitCode.couldNotRun);
  },
);
