/**
 * The one converter from any source of run options (the library's `run()`, a scenario step, the command line's
 * overrides) to raw options as commander gives them: strings as typed, booleans for flags, lists for repeatable
 * options. Every path into a run goes through here, beside the table, so a YAML `tls: true` and `--tls` reach the
 * run alike (a scenario's `true` once became the string "true" and the option went silently off).
 */
import { UsageError } from '../core/errors.js';
import { refuseInapplicable } from './applies.js';
import { flagOf, type RawRunOptions, RUN_DEFAULTS, RUN_OPTIONS, type RunOptionKey } from './run-options.js';

/** A value as a YAML file, JSON or a JavaScript caller may give it. */
export type OptionValue = string | number | boolean | readonly (string | number)[];

/** A flag takes no value (`--tls`); an option whose value is optional (`--verify-proxy [url]`) takes either. */
export function optionArity(key: RunOptionKey): 'flag' | 'value' | 'flag-or-value' {
  const flags = RUN_OPTIONS[key].flags;
  if (flags.includes('[')) return 'flag-or-value';
  return flags.includes('<') ? 'value' : 'flag';
}

/** One option's value as the command line would hand it over; `where` names the source in errors. */
export function rawValue(key: RunOptionKey, value: OptionValue, where: string): string | boolean | string[] {
  const def = RUN_OPTIONS[key];
  const arity = optionArity(key);
  const name = `${where}${flagOf(key)}`;
  if (def.repeatable) {
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => scalarText(name, v));
  }
  if (Array.isArray(value)) throw new UsageError(`${name}: takes one value, not a list`);
  if (arity === 'flag') {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new UsageError(`${name}: is a switch: give true or false, not '${String(value)}'`);
  }
  if (arity === 'flag-or-value' && (value === true || value === 'true')) return true;
  if (arity === 'flag-or-value' && (value === false || value === 'false')) return false;
  if (typeof value === 'boolean') throw new UsageError(`${name}: takes a value, not ${value}`);
  return scalarText(name, value as string | number);
}

/** Sets every option of `source` on `into`, each through rawValue; unknown keys are the caller's to refuse. */
export function assignRawOptions(
  into: RawRunOptions,
  source: Partial<Record<RunOptionKey, OptionValue | undefined>>,
  where = '',
): RawRunOptions {
  const fields = into as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    fields[key] = rawValue(key as RunOptionKey, value, where);
  }
  return into;
}

function scalarText(name: string, v: string | number | boolean): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new UsageError(`${name}: '${v}' is not a number`);
  if (typeof v === 'boolean') throw new UsageError(`${name}: takes a value, not ${v}`);
  return String(v);
}

/**
 * The raw options of one run() call, each checked as every path is: an unknown key, or one that does not apply to
 * the library (options/applies.ts), rejects with a UsageError before anything runs.
 */
export function libraryRawOptions(options: Partial<Record<string, OptionValue>>): RawRunOptions {
  const raw: RawRunOptions = { ...RUN_DEFAULTS, quiet: true };
  const unknown = Object.keys(options).find((key) => !(key in RUN_OPTIONS));
  if (unknown !== undefined) throw new UsageError(`run(): unknown option '${unknown}'`);
  refuseInapplicable(RUN_OPTIONS, Object.keys(options), { path: 'library' }, 'run(): ');
  return assignRawOptions(raw, options, 'run(): ');
}
