/**
 * Commander's program, built in one loop over the command table (options/commands.ts): each command's arguments,
 * its option table, and its action, loaded only when it runs so `--help` and `--version` stay cheap. Before an
 * action runs, an option given where it does not apply is refused by options/applies.ts, as every other path is.
 */
import { Command } from 'commander';
import { printableLines } from '../core/printable.js';
import { toolVersion } from '../core/version.js';
import { refuseInapplicable } from '../options/applies.js';
import { COMMANDS, type CommandDef, type CommandName, PARENTS } from '../options/commands.js';
import { optionFrom } from '../options/run-command-options.js';

type Opts = Record<string, unknown>;
/** A command's action: its arguments, its options as commander parsed them, the keys typed (not defaults). */
export type Action = (args: string[], opts: Opts, given: string[]) => Promise<number>;

// Each action imports its module on first use. Options arrive as commander parsed them (strings as typed).
// biome-ignore lint/suspicious/noExplicitAny: commander hands over untyped options; each command's raw type says.
type Any = any;
export const ACTIONS: Record<CommandName, Action> = {
  run: async (_args, opts, given) => (await import('./run-command.js')).runCommand(opts as Any, given as Any[], argv()),
  find: async (_args, opts, given) =>
    (await import('./find-command.js')).findCommand(opts as Any, given as Any[], argv()),
  calibrate: async (_args, opts) => (await import('./calibrate-command.js')).calibrateCommand(opts as Any),
  compare: async ([base, cand], opts, given) =>
    (await import('./scenario-commands.js')).compareCommand(base, cand, {
      ...(opts as Any),
      gateGiven: given.includes('gate'),
    }),
  'baseline save': async ([file], opts) =>
    (await import('./scenario-commands.js')).baselineSaveCommand(file, opts.dir as string),
  merge: async ([files], opts) => (await import('./merge-command.js')).mergeCommand(files as Any, opts as Any),
  report: async ([files], opts) => (await import('./report-command.js')).reportCommand(files as Any, opts as Any),
  history: async (_args, opts) =>
    (await import('./scenario-commands.js')).historyCommand(
      opts.resultsDir as string,
      opts.scenario as string | undefined,
      opts.last as string,
      opts.html as string | undefined,
    ),
  summary: async ([file], opts) => (await import('./scenario-commands.js')).summaryCommand(file, opts as Any),
  serve: async (_args, opts) => (await import('./serve-command.js')).serveCommand(opts as Any),
};

const argv = (): string[] => process.argv.slice(2);

/** The program: one command per row of the command table; `setExit` receives each action's exit code. */
export function buildProgram(setExit: (code: number) => void, actions: Record<CommandName, Action> = ACTIONS): Command {
  const program = new Command('l4stress')
    .description(
      'Stress L4 ingress, TCP and UDP: many long-lived sessions and flows, PROXY protocol v1/v2 (v2/SPP on ' +
        'datagrams), HDR tail latency.',
    )
    .version(toolVersion(), '-V, --version')
    .showHelpAfterError('(l4stress run --help lists the run options; l4stress --help the commands)')
    .addHelpText('after', '\nRun options (the default command): l4stress run --help')
    .exitOverride()
    .configureOutput({
      // Commander quotes what the user typed (`--vary $'\e[2J'`): its errors go through the one escaper too.
      writeErr: (str) => process.stderr.write(printableLines(str)),
      outputError: (str, write) => write(str.startsWith('error:') ? `l4stress: ${str.slice(7)}` : str),
    });
  const parents = new Map<string, Command>();
  for (const def of COMMANDS) {
    const [first, sub] = def.name.split(' ');
    let parent = program;
    if (sub !== undefined) {
      if (!parents.has(first)) parents.set(first, program.command(first).description(PARENTS[first]));
      parent = parents.get(first)!;
    }
    const command = withOptions(parent.command(sub ?? first, { isDefault: def.isDefault }), def);
    command.action(async (...params: unknown[]) => {
      const opts = params.at(-2) as Opts;
      const given = refusedOrGiven(def, params.at(-1) as Command);
      setExit(await actions[def.name](params.slice(0, -2) as string[], opts, given));
    });
  }
  return program;
}

/** A command's description, arguments and options from its row of the command table. */
export function withOptions(command: Command, def: CommandDef): Command {
  command.description(def.description);
  for (const a of def.arguments) command.argument(a.name, a.description);
  for (const row of Object.values(def.options)) command.addOption(optionFrom(row));
  for (const row of Object.values(def.refused ?? {})) command.addOption(optionFrom(row, true));
  return command;
}

/**
 * After parsing: the options typed on the command line (not defaults), once an option given where it does not
 * apply is refused (options/applies.ts, one line, exit 2).
 */
export function refusedOrGiven(def: CommandDef, cmd: Command): string[] {
  const keys = [...Object.keys(def.options), ...Object.keys(def.refused ?? {})];
  const given = keys.filter((k) => cmd.getOptionValueSource(k) === 'cli');
  if (def.path) refuseInapplicable({ ...def.options, ...def.refused }, given, { path: def.path(cmd.opts()) });
  return given;
}
