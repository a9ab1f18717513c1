#!/usr/bin/env node
/**
 * The l4stress command line, the top floor: nothing imports it. `run` (the default command) drives load, `serve`
 * is the target, the rest read stored documents. cli/program.ts builds the program from the command table, each
 * command loading its module only when it runs, so `--help` and `--version` stay cheap. Every failure the user can
 * act on ends as one line on stderr and a documented exit code (core/errors.ts).
 */
import { CommanderError } from 'commander';
import { ExitCode, L4StressError } from '../core/errors.js';
import { printable, printableLines } from '../core/printable.js';
import { redactCredentials } from '../core/redact.js';
import { buildProgram } from './program.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successful exits; everything else commander rejects is invalid input.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof L4StressError) {
      // Messages quote what the user gave (a file's bytes too): printed escaped, never as raw control characters.
      const hint = err.hint ? `hint: ${printable(redactCredentials(err.hint), 2000, true)}\n` : '';
      process.stderr.write(`l4stress: ${printable(redactCredentials(err.message), 2000, true)}\n${hint}`);
      return err.exitCode;
    }
    const message = redactCredentials((err as Error)?.message ?? String(err));
    process.stderr.write(`l4stress: internal error: ${printable(message, 2000)}\n`);
    if (process.env.L4STRESS_DEBUG) process.stderr.write(`${printableLines((err as Error)?.stack ?? '')}\n`);
    return ExitCode.internal;
  }
}

// A closed pipe on stdout or stderr (`2>&1 | head -1`) is the reader's choice, never a reason to lose a run: what
// would have been printed is dropped, and the result is still written.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });

void main(process.argv).then((code) => {
  process.exitCode = code;
  // Let stdout drain, then leave even if a stray handle (a pool thread, a timer) is still open.
  setImmediate(() => process.exit(code));
});
