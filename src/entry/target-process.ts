/**
 * Entry of an embedded target process, forked by run/embedded-target.ts. Its options arrive as the first IPC
 * message (they may hold a private key, which the command line would show to other users); it then answers on the
 * channel (listening, stats, sources) and stops when its parent says so or goes away.
 */
import { ExitCode } from '../core/errors.js';
import { type ParentToTarget, runServe } from '../serve/serve-process.js';

process.once('message', (msg: ParentToTarget) => {
  if (msg.type !== 'options') return;
  runServe(msg.options, () => {}).then(
    () => process.exit(ExitCode.ok),
    (err: Error) => {
      process.stderr.write(`l4stress target: ${err.message}\n`);
      process.exit(ExitCode.couldNotRun);
    },
  );
});
