#!/usr/bin/env node
/**
 * The l4stress command line, the top floor: nothing imports it. `run` (the default command) drives load, `serve`
 * is the target, the rest read stored documents. Commands load their modules only when they run, so `--help` and
 * `--version` stay cheap. Every failure the user can act on ends as one line on stderr and a documented exit code
 * (core/errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, L4StressError } from '../core/errors.js';
import { printable, printableLines } from '../core/printable.js';
import { redactCredentials } from '../core/redact.js';
import { toolVersion } from '../core/version.js';
import {
  FIND_OPTIONS,
  FIND_RUN_DEFAULTS,
  type FindOptionKey,
  type RawFindOptions,
  RUN_OPTIONS_NOT_FOR_FIND,
} from '../options/find-options.js';
import { addRunOptions, optionFrom } from '../options/run-command-options.js';
import { type RawRunOptions, RUN_OPTIONS, type RunOptionKey } from '../options/run-options.js';
import { SERVE_OPTIONS } from './serve-options.js';

type SetExit = (code: number) => void;

/**
 * The command table, one block per command in --help's order. Over 100 lines on purpose: it is declarative (names,
 * arguments, options, a lazy import per action), and split up it would read as scattered fragments.
 */
function buildProgram(setExit: SetExit): Command {
  const program = new Command('l4stress')
    .description('Stress TCP (L4) ingress: many long-lived sessions, PROXY protocol v1/v2, HDR tail latency.')
    .version(toolVersion(), '-V, --version')
    .showHelpAfterError('(l4stress run --help lists the run options; l4stress --help the commands)')
    .addHelpText('after', '\nRun options (the default command): l4stress run --help')
    .exitOverride()
    .configureOutput({
      // Commander quotes what the user typed (`--vary $'\e[2J'`): its errors go through the one escaper too.
      writeErr: (str) => process.stderr.write(printableLines(str)),
      outputError: (str, write) => write(str.startsWith('error:') ? `l4stress: ${str.slice(7)}` : str),
    });

  const run = program
    .command('run', { isDefault: true })
    .description(
      'open --conns TCP sessions and drive them (--mode echo, stream, connect, hold), or run a --scenario ' +
        '(default command)',
    );
  addRunOptions(run);
  run.action(async (opts: RawRunOptions, cmd: Command) => {
    const given = (Object.keys(RUN_OPTIONS) as RunOptionKey[]).filter((k) => cmd.getOptionValueSource(k) === 'cli');
    const { runCommand } = await import('./run-command.js');
    setExit(await runCommand(opts, given, process.argv.slice(2)));
  });

  const find = program
    .command('find')
    .description(
      'search the highest load (--vary rate, conns, cps, tls-handshakes) the target carries within every --slo, ' +
        'and say what gave out first',
    );
  for (const key of Object.keys(FIND_OPTIONS) as FindOptionKey[]) find.addOption(optionFrom(FIND_OPTIONS[key]));
  for (const key of Object.keys(RUN_OPTIONS) as RunOptionKey[])
    if (RUN_OPTIONS[key].role !== 'scenario-only' && !RUN_OPTIONS_NOT_FOR_FIND.includes(key))
      find.addOption(
        optionFrom({
          ...RUN_OPTIONS[key],
          default: key in FIND_RUN_DEFAULTS ? FIND_RUN_DEFAULTS[key] : RUN_OPTIONS[key].default,
        }),
      );
  find.action(async (opts: RawRunOptions & RawFindOptions, cmd: Command) => {
    const keys = [...Object.keys(RUN_OPTIONS), ...Object.keys(FIND_OPTIONS)] as (RunOptionKey | FindOptionKey)[];
    const given = keys.filter((k) => cmd.getOptionValueSource(k) === 'cli');
    const { findCommand } = await import('./find-command.js');
    setExit(await findCommand(opts, given, process.argv.slice(2)));
  });

  program
    .command('calibrate')
    .description('measure this machine with iperf3 and netperf and save its hardware profile')
    .option(
      '--host <address>',
      'measure against iperf3 -s and netserver running there (default: loopback, servers started here)',
    )
    .option('--iperf3-port <n>', 'iperf3 server port with --host', '5201')
    .option('--netperf-port <n>', 'netserver port with --host', '12865')
    .option('--repeat <n>', 'rounds; the profile keeps median and spread', '3')
    .option('-d, --duration <time>', 'length of each measurement', '3s')
    .option('-s, --size <bytes>', "TCP_RR message size besides 1 byte (match your runs' --size)", '64')
    .option('--streams <n>', 'parallel iperf3 streams (default: available cores)')
    .option('-o, --out <file>', 'profile file (default: <results-dir>/profiles/<hostname>.json)')
    .option('--results-dir <dir>', 'folder for result files', 'results')
    .option('-q, --quiet', 'print only errors')
    .option('--json', 'print the profile JSON on stdout')
    .action(async (opts) => {
      const { calibrateCommand } = await import('./calibrate-command.js');
      setExit(await calibrateCommand(opts));
    });

  const compareFlags = (c: Command): Command =>
    c
      .option(
        '--allow <percent>',
        'variance allowed before a change counts (per metric: 50%,cpu.op=25%)',
        RUN_OPTIONS.allow.default,
      )
      .option('--gate <metrics>', 'metrics whose regression fails (comma-separated)', RUN_OPTIONS.gate.default)
      .option('--alpha <p>', 'significance level of the Mann-Whitney test', RUN_OPTIONS.alpha.default)
      .option('--normalize', "divide latencies by each side's netperf TCP_RR p50 (hardware profiles) before comparing");

  compareFlags(
    program
      .command('compare')
      .description(
        'compare two scenario summaries (or run folders), or two single results: per step and metric, improved / ' +
          'unchanged / regressed (single runs: judged on --allow alone); or two find documents: capacity improved / ' +
          'no change / regressed beyond both brackets (docs/find.md)',
      )
      .argument('<baseline>', 'baseline summary.json (or its folder), a result .json, or a find document')
      .argument('<candidate>', 'candidate summary.json (or its folder), a result or a find document (same kind)')
      .option('--json', 'print the comparison as JSON'),
  ).action(async (base: string, cand: string, opts, cmd: Command) => {
    const { compareCommand } = await import('./scenario-commands.js');
    setExit(compareCommand(base, cand, { ...opts, gateGiven: cmd.getOptionValueSource('gate') === 'cli' }));
  });

  program
    .command('baseline')
    .description('manage baselines')
    .command('save')
    .description('store a scenario summary as the baseline for its scenario (and profile)')
    .argument('<summary>', 'summary.json (or its folder)')
    .option('--dir <dir>', 'baselines folder', 'results/baselines')
    .action(async (file: string, opts: { dir: string }) => {
      const { baselineSaveCommand } = await import('./scenario-commands.js');
      setExit(baselineSaveCommand(file, opts.dir));
    });

  program
    .command('merge')
    .description('merge the results of the shards of one run (--shard I/N) into one result')
    .argument('<results...>', "every shard's result file")
    .requiredOption('-o, --out <file>', 'the merged result file')
    .option('--partial', 'merge even when shards are missing (the result says which, and is marked partial)')
    .option(
      '--threshold <expr>',
      "a pass/fail rule on the merged run, e.g. 'p99<10ms' (repeatable; exit 5 when one fails)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (files: string[], opts: { out: string; partial?: boolean; threshold?: string[] }) => {
      const { mergeCommand } = await import('./merge-command.js');
      setExit(mergeCommand(files, opts));
    });

  program
    .command('report')
    .description('write reports of stored results and scenario summaries (HTML with charts, Markdown, .hgrm, .hlog)')
    .argument(
      '<files...>',
      'result files, summary.json files or scenario run folders; several overlay; or one or two find documents',
    )
    .option('--html <file>', 'self-contained HTML report (default, beside the first input, when no output is given)')
    .option('--md <file>', 'Markdown summary')
    .option('--hgrm <dir>', 'HdrHistogram percentile distributions (.hgrm, ms), one per run and histogram')
    .option('--hlog <file>', 'HdrHistogram interval log (.hlog) of every histogram')
    .option('--title <text>', 'title of the HTML report')
    .action(async (files: string[], opts) => {
      const { reportCommand } = await import('./report-command.js');
      setExit(await reportCommand(files, opts));
    });

  program
    .command('history')
    .description('print the trend of scenario runs from results/history')
    .option('--scenario <name>', 'only this scenario')
    .option('--last <n>', 'only the last n lines', '50')
    .option('--results-dir <dir>', 'folder for result files', 'results')
    .option('--html <file>', 'draw the trend (latency, rates, CPU per operation, errors per step) as an HTML page')
    .action(async (opts: { scenario?: string; last: string; resultsDir: string; html?: string }) => {
      const { historyCommand } = await import('./scenario-commands.js');
      setExit(await historyCommand(opts.resultsDir, opts.scenario, opts.last, opts.html));
    });

  compareFlags(
    program
      .command('summary')
      .description('write a short Markdown perf summary of a scenario run (for a release or a CI step summary)')
      .argument('<summary>', 'summary.json (or its folder)')
      .option('--baseline <summary>', 'add the verdict against this baseline')
      .option('-o, --out <file>', 'write to a file instead of stdout'),
  ).action(async (file: string, opts) => {
    const { summaryCommand } = await import('./scenario-commands.js');
    setExit(summaryCommand(file, opts));
  });

  const serve = program
    .command('serve')
    .description('run the target: accepts PROXY v1/v2 headers, then echoes, sinks or sources (--mode)');
  for (const def of SERVE_OPTIONS) serve.addOption(optionFrom(def));
  serve.action(async (opts) => {
    const { serveCommand } = await import('./serve-command.js');
    setExit(await serveCommand(opts));
  });
  return program;
}

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
