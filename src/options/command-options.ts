/**
 * The option tables of the commands that read stored documents or measure the machine: calibrate, compare,
 * baseline save, merge, report, history and summary. Each is only its command's command line (no scenario step,
 * find or library path), read by commander, --help and docs/options.md alike.
 */
import type { OptionTable } from './applies.js';
import { RUN_OPTIONS } from './run-options.js';

export const CALIBRATE_OPTIONS = {
  host: {
    flags: '--host <address>',
    description: 'measure against iperf3 -s and netserver running there (default: loopback, servers started here)',
  },
  iperf3Port: { flags: '--iperf3-port <n>', description: 'iperf3 server port with --host', default: '5201' },
  netperfPort: { flags: '--netperf-port <n>', description: 'netserver port with --host', default: '12865' },
  repeat: { flags: '--repeat <n>', description: 'rounds; the profile keeps median and spread', default: '3' },
  duration: { flags: '-d, --duration <time>', description: 'length of each measurement', default: '3s' },
  size: {
    flags: '-s, --size <bytes>',
    description: "TCP_RR message size besides 1 byte (match your runs' --size)",
    default: '64',
  },
  streams: { flags: '--streams <n>', description: 'parallel iperf3 streams (default: available cores)' },
  out: { flags: '-o, --out <file>', description: 'profile file (default: <results-dir>/profiles/<hostname>.json)' },
  resultsDir: { flags: '--results-dir <dir>', description: 'folder for result files', default: 'results' },
  quiet: { flags: '-q, --quiet', description: 'print only errors' },
  json: { flags: '--json', description: 'print the profile JSON on stdout' },
} as const satisfies OptionTable;

/** The options compare and summary share: how a change is judged (defaults: the scenario run's --allow, ...). */
const JUDGE = {
  allow: {
    flags: '--allow <percent>',
    description: 'variance allowed before a change counts (per metric: 50%,cpu.op=25%)',
    default: RUN_OPTIONS.allow.default,
  },
  gate: {
    flags: '--gate <metrics>',
    description: 'metrics whose regression fails (comma-separated)',
    default: RUN_OPTIONS.gate.default,
  },
  alpha: {
    flags: '--alpha <p>',
    description: 'significance level of the Mann-Whitney test',
    default: RUN_OPTIONS.alpha.default,
  },
  normalize: {
    flags: '--normalize',
    description: "divide latencies by each side's netperf TCP_RR p50 (hardware profiles) before comparing",
  },
} as const satisfies OptionTable;

export const COMPARE_OPTIONS = {
  json: { flags: '--json', description: 'print the comparison as JSON' },
  ...JUDGE,
} as const satisfies OptionTable;

export const BASELINE_SAVE_OPTIONS = {
  dir: { flags: '--dir <dir>', description: 'baselines folder', default: 'results/baselines' },
} as const satisfies OptionTable;

export const MERGE_OPTIONS = {
  out: { flags: '-o, --out <file>', description: 'the merged result file', required: true },
  partial: {
    flags: '--partial',
    description: 'merge even when shards are missing (the result says which, and is marked partial)',
  },
  threshold: {
    flags: '--threshold <expr>',
    description: "a pass/fail rule on the merged run, e.g. 'p99<10ms' (repeatable; exit 5 when one fails)",
    repeatable: true,
  },
} as const satisfies OptionTable;

export const REPORT_OPTIONS = {
  html: {
    flags: '--html <file>',
    description: 'self-contained HTML report (default, beside the first input, when no output is given)',
  },
  md: { flags: '--md <file>', description: 'Markdown summary' },
  hgrm: {
    flags: '--hgrm <dir>',
    description: 'HdrHistogram percentile distributions (.hgrm, ms), one per run and histogram',
  },
  hlog: { flags: '--hlog <file>', description: 'HdrHistogram interval log (.hlog) of every histogram' },
  title: { flags: '--title <text>', description: 'title of the HTML report' },
} as const satisfies OptionTable;

export const HISTORY_OPTIONS = {
  scenario: { flags: '--scenario <name>', description: 'only this scenario' },
  last: { flags: '--last <n>', description: 'only the last n lines', default: '50' },
  resultsDir: { flags: '--results-dir <dir>', description: 'folder for result files', default: 'results' },
  html: {
    flags: '--html <file>',
    description: 'draw the trend (latency, rates, CPU per operation, errors per step) as an HTML page',
  },
} as const satisfies OptionTable;

export const SUMMARY_OPTIONS = {
  baseline: { flags: '--baseline <summary>', description: 'add the verdict against this baseline' },
  out: { flags: '-o, --out <file>', description: 'write to a file instead of stdout' },
  ...JUDGE,
} as const satisfies OptionTable;
