/**
 * Commander options made from the option tables: every command's flags, and the same parse for tests that check
 * a value given on the command line and in a scenario step reaches the run alike.
 */
import { Command, Option } from 'commander';
import type { OptionDef } from './applies.js';
import { type RawRunOptions, RUN_OPTIONS, type RunOptionKey } from './run-options.js';

/** One row as commander's option; `refused`: taken only to be refused (options/applies.ts), not in --help. */
export function optionFrom(def: OptionDef, refused = false): Option {
  const implied = def.implied === undefined ? '' : ` (default: ${def.implied})`;
  const option = new Option(def.flags, `${def.description}${implied}`);
  if (def.choices && !refused) option.choices(def.choices);
  if (def.default !== undefined && !refused) option.default(def.default);
  if (def.repeatable) option.argParser((v: string, prev: string[] = []) => [...prev, v]);
  if (def.required) option.makeOptionMandatory();
  if (refused) option.hideHelp();
  return option;
}

/** Adds every row of the table to `command`. */
export function addRunOptions(command: Command): Command {
  for (const key of Object.keys(RUN_OPTIONS) as RunOptionKey[]) command.addOption(optionFrom(RUN_OPTIONS[key]));
  return command;
}

/** The raw options commander makes of `args` (run options only, no action): what `l4stress run ARGS` hands over. */
export function parseRunArgs(args: string[]): RawRunOptions {
  const command = addRunOptions(new Command('run')).exitOverride().allowExcessArguments(false);
  command.parse(args, { from: 'user' });
  return command.opts() as RawRunOptions;
}
