/**
 * Every command of the command line, in --help's order: its name, what it does, its arguments and its option table.
 * cli/program.ts builds commander's program from this list in one loop (each command's action is the CLI's own),
 * and cli/options-doc.ts writes docs/options.md from it, so --help and the document are the same tables.
 */
import type { OptionDef, OptionPath, OptionTable } from './applies.js';
import {
  BASELINE_SAVE_OPTIONS,
  CALIBRATE_OPTIONS,
  COMPARE_OPTIONS,
  HISTORY_OPTIONS,
  MERGE_OPTIONS,
  REPORT_OPTIONS,
  SUMMARY_OPTIONS,
} from './command-options.js';
import { FIND_OPTIONS, FIND_RUN_DEFAULTS } from './find-options.js';
import { RUN_OPTIONS, type RunOptionKey } from './run-options.js';
import { SERVE_OPTIONS } from './serve-options.js';

export const COMMAND_NAMES = [
  'run',
  'find',
  'calibrate',
  'compare',
  'baseline save',
  'merge',
  'report',
  'history',
  'summary',
  'serve',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandDef {
  /** `baseline save`: a subcommand of `baseline` (PARENTS says what the parent is). */
  name: CommandName;
  description: string;
  /** Commander arguments: `<file>`, `<files...>`. */
  arguments: readonly { name: string; description: string }[];
  options: OptionTable;
  /**
   * Options of other paths commander takes on this command only for refuseInapplicable to refuse (find: the run
   * options a probe cannot take): not in --help, no defaults.
   */
  refused?: OptionTable;
  isDefault?: boolean;
  /** The path its command line is (options/applies.ts), for commands whose options apply on several. */
  path?: (opts: Record<string, unknown>) => OptionPath;
}

/** Parents of subcommands, with their --help line. */
export const PARENTS: Record<string, string> = { baseline: 'manage baselines' };

const runKeys = Object.keys(RUN_OPTIONS) as RunOptionKey[];
const runRowsWhere = (fits: (def: OptionDef) => boolean): Record<string, OptionDef> =>
  Object.fromEntries(runKeys.filter((k) => fits(RUN_OPTIONS[k])).map((k) => [k, RUN_OPTIONS[k]]));
const onFind = (def: OptionDef): boolean => def.applies?.includes('find') ?? false;

/** find's own options, then every run option a probe takes, with find's defaults (a probe's warm-up, no mode). */
export const FIND_COMMAND_OPTIONS: OptionTable = {
  ...FIND_OPTIONS,
  ...Object.fromEntries(
    Object.entries(runRowsWhere(onFind)).map(([k, def]) => [
      k,
      k in FIND_RUN_DEFAULTS ? { ...def, default: FIND_RUN_DEFAULTS[k as RunOptionKey] } : def,
    ]),
  ),
};

export const COMMANDS: readonly CommandDef[] = [
  {
    name: 'run',
    isDefault: true,
    description:
      'open --conns TCP sessions (UDP flows with --udp) and drive them (--mode echo, stream, connect, hold), ' +
      'or run a --scenario ' +
      '(default command)',
    arguments: [],
    options: RUN_OPTIONS,
    path: (opts) => (opts.scenario === undefined ? 'run' : 'scenario'),
  },
  {
    name: 'find',
    description:
      'search the highest load (--vary rate, conns, cps, tls-handshakes) the target carries within every --slo, ' +
      'and say what gave out first',
    arguments: [],
    options: FIND_COMMAND_OPTIONS,
    refused: runRowsWhere((def) => !onFind(def)),
    path: () => 'find',
  },
  {
    name: 'calibrate',
    description: 'measure this machine with iperf3 and netperf and save its hardware profile',
    arguments: [],
    options: CALIBRATE_OPTIONS,
  },
  {
    name: 'compare',
    description:
      'compare two scenario summaries (or run folders), or two single results: per step and metric, improved / ' +
      'unchanged / regressed (single runs: judged on --allow alone); or two find documents: capacity improved / ' +
      'no change / regressed beyond both brackets (docs/find.md)',
    arguments: [
      { name: '<baseline>', description: 'baseline summary.json (or its folder), a result .json, or a find document' },
      {
        name: '<candidate>',
        description: 'candidate summary.json (or its folder), a result or a find document (same kind)',
      },
    ],
    options: COMPARE_OPTIONS,
  },
  {
    name: 'baseline save',
    description: 'store a scenario summary as the baseline for its scenario (and profile)',
    arguments: [{ name: '<summary>', description: 'summary.json (or its folder)' }],
    options: BASELINE_SAVE_OPTIONS,
  },
  {
    name: 'merge',
    description: 'merge the results of the shards of one run (--shard I/N) into one result',
    arguments: [{ name: '<results...>', description: "every shard's result file" }],
    options: MERGE_OPTIONS,
  },
  {
    name: 'report',
    description: 'write reports of stored results and scenario summaries (HTML with charts, Markdown, .hgrm, .hlog)',
    arguments: [
      {
        name: '<files...>',
        description:
          'result files, summary.json files or scenario run folders; several overlay; or one or two find documents',
      },
    ],
    options: REPORT_OPTIONS,
  },
  {
    name: 'history',
    description: 'print the trend of scenario runs from results/history',
    arguments: [],
    options: HISTORY_OPTIONS,
  },
  {
    name: 'summary',
    description: 'write a short Markdown perf summary of a scenario run (for a release or a CI step summary)',
    arguments: [{ name: '<summary>', description: 'summary.json (or its folder)' }],
    options: SUMMARY_OPTIONS,
  },
  {
    name: 'serve',
    description: 'run the target: accepts PROXY v1/v2 headers, then echoes, sinks or sources (--mode)',
    arguments: [],
    options: SERVE_OPTIONS,
  },
];
