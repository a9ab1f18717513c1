/**
 * The options of `l4stress find` beside the run options a probe takes (the rows of options/run-options.ts that
 * apply to find): one table, read by commander, --help, the options document, a scenario step's `find:` block and
 * the find config. Values stay strings as typed.
 */

import { UsageError } from '../core/errors.js';
import { FIND_DIMENSIONS } from '../core/vocabulary.js';
import type { OptionDef } from './applies.js';
import type { OptionValue } from './raw-options.js';
import type { RunOptionKey } from './run-options.js';

export interface RawFindOptions {
  vary?: string;
  slo?: string[];
  from?: string;
  to?: string;
  precision: string;
  confirm: string;
  maxTime: string;
  window: string;
  cooldown: string;
  expect?: string[];
}
export type FindOptionKey = keyof RawFindOptions;

/** Find's own options apply on its command line and in a scenario step's `find:` block. */
const FIND = ['find', 'find-step'] as const;

export const FIND_OPTIONS: Record<FindOptionKey, OptionDef> = {
  vary: {
    flags: '--vary <dimension>',
    applies: FIND,
    description:
      'the load that grows: rate (open-loop messages/s over --conns), conns (concurrent sessions), cps (new ' +
      'connections/s) or tls-handshakes (full TLS handshakes/s); with --udp, rate (datagrams/s) or conns (flows held)',
    choices: FIND_DIMENSIONS,
  },
  slo: {
    flags: '--slo <expr>',
    applies: FIND,
    description:
      "what a probe must meet, in the threshold grammar ('p99<20ms', 'errors==0', 'connect.p99<100ms', " +
      "'opened==target', 'loss<0.1%' with --udp); one per --slo, repeatable, all must hold",
    repeatable: true,
  },
  from: {
    flags: '--from <load>',
    description: 'first load (default: rate 1000, conns 100, cps 500, tls 100)',
    applies: FIND,
  },
  to: {
    flags: '--to <load>',
    applies: FIND,
    description:
      'highest load to try (default: none; --max-time bounds the search); conns: clamped to what this machine can ' +
      'hold (fds, ports, memory), said when it is',
  },
  precision: {
    flags: '--precision <percent>',
    applies: FIND,
    description: 'stop bisecting when the highest pass and lowest failure are this close (0-50%)',
    default: '5%',
  },
  confirm: {
    flags: '--confirm <n>',
    applies: FIND,
    description: "probes the answer must pass at its load, the search's own pass included",
    default: '2',
  },
  maxTime: {
    flags: '--max-time <time>',
    applies: FIND,
    description: 'bound on the whole search; stopped by it, the answer is "at least" the highest pass',
    default: '10m',
  },
  window: {
    flags: '--window <time>',
    applies: FIND,
    description: "each probe's measured window, after its --warmup (2s unless given)",
    default: '5s',
  },
  cooldown: {
    flags: '--cooldown <time>',
    applies: FIND,
    description:
      "idle time before each probe after the first. Over UDP, give more than the ingress's session idle timeout " +
      "(nginx proxy_timeout): it keeps a flow's session that long after the flow stops, and the next probe would " +
      "find the last one's flows still in its table",
    default: '0s',
  },
  expect: {
    flags: '--expect <expr>',
    applies: FIND,
    description: "a capacity regression gate, e.g. 'capacity>=5000': exit 5 below it (repeatable)",
    repeatable: true,
  },
};

/** The find default for --warmup, when it is not given (a probe is warm-up + window). */
export const FIND_WARMUP = '2s';

/**
 * Run options whose default differs under find, as --help shows them: the warm-up of a probe, and no --mode (each
 * dimension picks its own: find/dimensions.ts).
 */
export const FIND_RUN_DEFAULTS: Partial<Record<RunOptionKey, string | undefined>> = {
  warmup: FIND_WARMUP,
  mode: undefined,
};

/** The defaults, as commander would fill them in. */
export const FIND_DEFAULTS = Object.fromEntries(
  Object.entries(FIND_OPTIONS).flatMap(([k, d]) => (d.default === undefined ? [] : [[k, d.default]])),
) as Pick<RawFindOptions, 'precision' | 'confirm' | 'maxTime' | 'window' | 'cooldown'>;

/**
 * A scenario step's `find:` block as the command line would hand it over (strings, lists for repeatable options),
 * defaults filled in; `where` names the step in errors.
 */
export function rawFindOptions(values: Partial<Record<FindOptionKey, OptionValue>>, where: string): RawFindOptions {
  const raw: RawFindOptions = { ...FIND_DEFAULTS };
  const fields = raw as unknown as Record<string, string | string[]>;
  for (const [key, value] of Object.entries(values) as [FindOptionKey, OptionValue][]) {
    const name = `${where}find.${key}`;
    if (typeof value === 'boolean') throw new UsageError(`${name}: takes a value, not ${value}`);
    if (FIND_OPTIONS[key].repeatable) fields[key] = (Array.isArray(value) ? value : [value]).map(String);
    else if (Array.isArray(value)) throw new UsageError(`${name}: takes one value, not a list`);
    else fields[key] = String(value);
  }
  return raw;
}
