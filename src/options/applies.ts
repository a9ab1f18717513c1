/**
 * Where an option applies, and the one refusal of an option given where it does not: the command line (a run, a
 * run with --scenario, find), a scenario step, a scenario find step and the library's run() all call
 * refuseInapplicable with their path, and a load-mode option given in a mode it does nothing in is refused by the
 * same function. Each option's row (options/*-options.ts) says where it applies; nothing else decides it.
 */
import { UsageError } from '../core/errors.js';
import type { LoadMode, Transport } from '../core/vocabulary.js';

/**
 * run: `l4stress run` without --scenario; scenario: `l4stress run --scenario` (a step option given there overrides
 * every step); step: a scenario step's key; find: `l4stress find`; find-step: a scenario step with `find:` (its run
 * options); library: `run()` of `import { run } from 'l4stress'`.
 */
export const OPTION_PATHS = ['run', 'scenario', 'step', 'find', 'find-step', 'library'] as const;
export type OptionPath = (typeof OPTION_PATHS)[number];

/** How the options document and the refusals name each path. */
export const PATH_NAMES: Record<OptionPath, string> = {
  run: 'run',
  scenario: 'run --scenario',
  step: 'scenario step',
  find: 'find',
  'find-step': 'find step',
  library: 'run()',
};

const NOT_HERE: Record<OptionPath, string> = {
  run: 'to a single run',
  scenario: 'with --scenario',
  step: 'in a scenario step',
  find: 'to find',
  'find-step': 'in a find step',
  library: "to the library's run()",
};

/** One row of a command's option table. */
export interface OptionDef {
  /** Commander flags, e.g. `-c, --conns <n>`. */
  flags: string;
  description: string;
  /** Default as typed on the command line; absent = none (or computed, as the description says). */
  default?: string;
  /**
   * The value used when the option is not given, where commander must not fill it in (the option is refused
   * unless another one is given): shown as the default in the options document, read by the code that applies it.
   */
  implied?: string;
  choices?: readonly string[];
  /** May be given several times; values collect into a list. */
  repeatable?: boolean;
  /** Commander's requiredOption. */
  required?: boolean;
  /** Where it applies beyond its own command's command line (run and find options); absent = only there. */
  applies?: readonly OptionPath[];
  /** Why it does not apply on a path, where more can be said than where it goes instead. */
  why?: Partial<Record<OptionPath, string>>;
  /** The load modes it does something in; given with another mode it is refused (never silently ignored). */
  modes?: readonly LoadMode[];
  /** With --udp, the load modes it acts in when they differ from `modes` (--rate also paces a UDP stream). */
  udpModes?: readonly LoadMode[];
  /** Where it means something over one transport only (absent: both); given over the other it is refused. */
  transport?: Transport;
}

export type OptionTable = Readonly<Record<string, OptionDef>>;

/** `--proxy-src` for `-x, --proxy-src <spec>`. */
export function longFlag(def: Pick<OptionDef, 'flags'>): string {
  return /--[a-z0-9-]+/.exec(def.flags)![0];
}

export function appliesOn(def: OptionDef, path: OptionPath): boolean {
  return def.applies?.includes(path) ?? false;
}

/**
 * Refuses the first of `keys` (rows of `table`; other keys are the caller's) that does not apply at `at`: on a path
 * (the command line names the flag, a step and the library the key), or in a load mode. One line, exit 2.
 */
export function refuseInapplicable(
  table: OptionTable,
  keys: Iterable<string>,
  at: { path: OptionPath } | { mode: LoadMode; transport?: Transport },
  prefix = '',
): void {
  for (const key of keys) {
    const def = table[key];
    if (def === undefined) continue;
    if ('mode' in at) {
      const modes = (at.transport === 'udp' ? def.udpModes : undefined) ?? def.modes;
      if (modes && !modes.includes(at.mode))
        throw new UsageError(
          `${prefix}${longFlag(def)}: does nothing with --mode ${at.mode} (it acts in: ${modes.join(', ')})`,
          'leave it off, or pick a mode it acts in',
        );
      continue;
    }
    if (appliesOn(def, at.path)) continue;
    const cli = at.path === 'run' || at.path === 'scenario' || at.path === 'find';
    const where = def.applies?.length ? `it goes with: ${def.applies.map((p) => PATH_NAMES[p]).join(', ')}` : '';
    const why = def.why?.[at.path] ?? where;
    throw new UsageError(
      `${prefix}${cli ? longFlag(def) : key}: does not apply ${NOT_HERE[at.path]}${why && ` (${why})`}`,
    );
  }
}

/**
 * Refuses the first of `given` (rows of `table`) whose row says it means something over the other transport only:
 * `--tls` with `--udp`, `--bitrate` without it. One line, exit 2.
 */
export function refuseOffTransport(table: OptionTable, given: Iterable<string>, transport: Transport): void {
  for (const key of given) {
    const def = table[key];
    if (def?.transport === undefined || def.transport === transport) continue;
    throw new UsageError(
      def.transport === 'udp'
        ? `${longFlag(def)}: goes with --udp`
        : `${longFlag(def)}: does not apply with --udp (TCP only)`,
      'leave it off',
    );
  }
}
