#!/usr/bin/env node
/**
 * The l4stress command line. `run` (the default command) drives load; `serve` is the embedded echo target.
 * Every failure the user can act on ends as one line on stderr and a documented exit code (see errors.ts).
 */
import { Command, CommanderError, Option } from 'commander';
import os from 'node:os';
import { parseDurationMs, parseIntInRange, parseSizeBytes } from '../core/units.js';
import { calibrateAndSave, renderProfile } from '../calibration/save.js';
import { defaultProfilePath } from '../calibration/profile.js';
import { runServe } from '../target/serve-process.js';
import type { ServeMode } from '../target/echo-server.js';
import { runGeneratorProcess } from '../run/links.js';
import { TLV_HELP } from '../proxy/tlv.js';
import type { ProxyMode } from '../proxy/parser.js';
import { toolVersion } from '../core/version.js';
import { ExitCode, L4StressError, UsageError } from '../core/errors.js';
import { RUN_DEFAULTS, resolveRunConfig, type RawRunOptions } from '../config/options.js';
import { runCommand } from '../run/execute.js';
import { baselineSaveCommand, compareCommand, compareOptions, historyCommand, scenarioCommand, summaryCommand, type RawCompareOptions } from './scenario-commands.js';

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('l4stress')
    .description('Stress TCP (L4) ingress: many long-lived sessions, PROXY protocol v1/v2, HDR tail latency.')
    .version(toolVersion(), '-V, --version')
    .showHelpAfterError('(l4stress --help lists the options)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? `l4stress: ${str.slice(7)}` : str) });

  program.command('run', { isDefault: true })
    .description('open --conns TCP sessions and drive them (--mode echo, stream, connect, hold), or run a --scenario (default command)')
    .option('-t, --target <host:port>', 'TCP service to load; without it an embedded echo target starts in its own process')
    .option('-c, --conns <n>', 'concurrent connections, total across workers', RUN_DEFAULTS.conns)
    .addOption(new Option('-p, --proxy <version>', 'PROXY protocol header sent first on every connection').choices(['none', 'v1', 'v2']).default(RUN_DEFAULTS.proxy))
    .option('--proxy-src <spec>', 'source the header claims: socket (the real one), IP[:port], [v6]:port, a CIDR pool (10.0.0.0/8, 2001:db8::/64; one distinct address:port per connection, from --seed), unix:/path (v2), unknown (v1 UNKNOWN / v2 UNSPEC)', RUN_DEFAULTS.proxySrc)
    .option('--proxy-dst <spec>', 'destination the header claims (socket = the target; same forms as --proxy-src)', RUN_DEFAULTS.proxyDst)
    .addOption(new Option('--proxy-command <command>', 'v2 command: proxy, or local (no addresses, as health checks send)').choices(['proxy', 'local']).default(RUN_DEFAULTS.proxyCommand))
    .option('--proxy-tlv <tlv>', `v2 TLV, repeatable: ${TLV_HELP}`, (v: string, prev: string[] = []) => [...prev, v])
    .option('--verify-proxy [url]', 'check that every claimed source arrived at the backend: alone for the embedded target, or the control URL of an `l4stress serve --control-port` behind the ingress')
    .option('-d, --duration <time>', 'measured phase, after ramp-up and warm-up (e.g. 30s, 2m)', RUN_DEFAULTS.duration)
    .option('--warmup <time>', 'traffic excluded from the final statistics (the timeline shows it)', RUN_DEFAULTS.warmup)
    .option('--connect-rate <rate>', 'new connections per second during ramp-up, total (e.g. 2000, 5k/s); 0 = unlimited', RUN_DEFAULTS.connectRate)
    .option('--max-connecting <n>', 'connects in flight at once, total (bounds SYN bursts)', RUN_DEFAULTS.maxConnecting)
    .option('--connect-timeout <time>', 'a connect slower than this fails as ETIMEDOUT', RUN_DEFAULTS.connectTimeout)
    .option('--ramp-timeout <time>', 'stop waiting for the ramp-up after this long (default: from conns and rate, at least 30s)')
    .option('-s, --size <bytes>', 'message size (echo, hold, churn echo; default 64) or write size (stream; default 64KiB), e.g. 512B, 4KiB')
    .addOption(new Option('-m, --mode <mode>', 'echo: request/response on every session (closed loop, or open loop with --rate); stream: continuous bytes (--direction); connect: churn, open -> header -> [echo] -> close; hold: idle sessions pinged every --ping-interval').choices(['echo', 'stream', 'connect', 'hold']).default(RUN_DEFAULTS.mode))
    .option('-r, --rate <rate>', 'echo open loop: total messages per second over all connections, sent at their intended times; latency is measured from those times (coordinated omission corrected)')
    .addOption(new Option('--direction <dir>', 'stream: up (we send, the target sinks), down (the target sends), both').choices(['up', 'down', 'both']).default(RUN_DEFAULTS.direction))
    .option('--ping-interval <time>', 'hold: one echo per connection this often, spread evenly', RUN_DEFAULTS.pingInterval)
    .addOption(new Option('--close <style>', 'how connections close (each cycle in connect mode): fin, or rst (SO_LINGER 0: no TIME_WAIT)').choices(['fin', 'rst']).default(RUN_DEFAULTS.close))
    .option('--churn-echo', 'connect mode: one echo round trip per cycle before closing')
    .option('--echo-timeout <time>', 'an echo not back after this long counts as missing and the session moves on', RUN_DEFAULTS.echoTimeout)
    .option('--source-ips <ips>', 'local addresses to bind, spread over connections: a range 127.0.0.1-127.0.0.16, a list, or a CIDR (more ephemeral ports than one address has)')
    .option('--processes <n>', 'generator processes (default: as many as --conns needs under the fd limit); each runs --workers threads')
    .option('-w, --workers <n>', 'worker threads (default: available cores); connections and rates are split among them')
    .option('--seed <n>', 'seed for every random choice (default: random, recorded in the result)')
    .option('-n, --name <name>', 'scenario name for the result file (default: echo-c<conns>-<proxy>)')
    .option('-o, --out <file>', 'result file (default: <results-dir>/<timestamp>-<name>.json)')
    .option('--results-dir <dir>', 'folder for result files', RUN_DEFAULTS.resultsDir)
    .option('--watch-pid <pid>', 'also sample this process\'s CPU and RSS each second (repeatable; the embedded target is always watched)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--calibration <file>', 'hardware profile to compare with (default: results/profiles/<hostname>.json when it exists)')
    .option('--calibrate', 'run a quick calibration (iperf3, netperf) first and save it as this host\'s profile')
    .option('-q, --quiet', 'no progress and no summary')
    .option('--json', 'print the result JSON on stdout (the summary goes to stderr)')
    .option('--scenario <file>', 'run a scenario file (steps x matrix x iterations, thresholds); other run options then come from the file')
    .option('--profile <name>', 'with --scenario: the profile to use (e.g. ci, full)')
    .option('--iterations <n>', 'with --scenario: override the iterations of every step')
    .option('--baseline <summary>', 'with --scenario: compare with this baseline summary and fail on a regression')
    .option('--allow <percent>', 'with --baseline: the variance allowed before a change counts', '10%')
    .option('--gate <metrics>', 'with --baseline: metrics whose regression fails (comma-separated)', 'p95')
    .option('--alpha <p>', 'with --baseline: significance level of the Mann-Whitney test', '0.05')
    .option('--markdown <file>', 'with --scenario: also write the Markdown perf summary here')
    .action(async (opts: RawRunOptions & { scenario?: string; profile?: string; iterations?: string; baseline?: string; allow: string; gate: string; alpha: string; markdown?: string }) => {
      if (opts.scenario) {
        setExit(await scenarioCommand(opts.scenario, opts.profile ?? null, opts.iterations, opts.baseline, opts.resultsDir, compareOptions(opts), opts.quiet === true, opts.markdown));
        return;
      }
      const config = resolveRunConfig(opts);
      setExit(await runCommand(config, process.argv.slice(2)));
    });

  program.command('calibrate')
    .description('measure this machine with iperf3 and netperf and save its hardware profile')
    .option('--host <address>', 'measure against iperf3 -s and netserver running there (default: loopback, servers started here)')
    .option('--iperf3-port <n>', 'iperf3 server port with --host', '5201')
    .option('--netperf-port <n>', 'netserver port with --host', '12865')
    .option('--repeat <n>', 'rounds; the profile keeps median and spread', '3')
    .option('-d, --duration <time>', 'length of each measurement', '3s')
    .option('-s, --size <bytes>', 'TCP_RR message size besides 1 byte (match your runs\' --size)', '64')
    .option('--streams <n>', 'parallel iperf3 streams (default: available cores)')
    .option('-o, --out <file>', 'profile file (default: <results-dir>/profiles/<hostname>.json)')
    .option('--results-dir <dir>', 'folder for result files', 'results')
    .option('-q, --quiet', 'print only errors')
    .option('--json', 'print the profile JSON on stdout')
    .action(async (opts: { host?: string; iperf3Port: string; netperfPort: string; repeat: string; duration: string; size: string; streams?: string; out?: string; resultsDir: string; quiet?: boolean; json?: boolean }) => {
      const durationMs = parseDurationMs('--duration', opts.duration);
      if (durationMs < 1000) throw new UsageError(`--duration: iperf3 and netperf measure whole seconds; use at least 1s (got '${opts.duration}')`);
      const options = {
        host: opts.host ?? null,
        iperf3Port: parseIntInRange('--iperf3-port', opts.iperf3Port, 1, 65535),
        netperfPort: parseIntInRange('--netperf-port', opts.netperfPort, 1, 65535),
        repeat: parseIntInRange('--repeat', opts.repeat, 1, 20),
        durationS: Math.round(durationMs / 1000),
        sizeBytes: parseSizeBytes('--size', opts.size),
        streams: opts.streams === undefined ? os.availableParallelism() : parseIntInRange('--streams', opts.streams, 1, 128),
        resultsDir: opts.resultsDir,
        log: opts.quiet || opts.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`),
      };
      const { profile, file } = await calibrateAndSave(options, opts.out ?? defaultProfilePath(opts.resultsDir));
      if (opts.json) process.stdout.write(`${JSON.stringify(profile)}\n`);
      else if (!opts.quiet) process.stdout.write(`${renderProfile(profile, file)}\n`);
      setExit(ExitCode.ok);
    });

  const cmpOptions = (c: Command): Command => c
    .option('--allow <percent>', 'variance allowed before a change counts', '10%')
    .option('--gate <metrics>', 'metrics whose regression fails (comma-separated)', 'p95')
    .option('--alpha <p>', 'significance level of the Mann-Whitney test', '0.05')
    .option('--normalize', 'divide latencies by each side\'s netperf TCP_RR p50 (hardware profiles) before comparing');

  cmpOptions(program.command('compare')
    .description('compare two scenario summaries (or run folders): per step and metric, improved / unchanged / regressed from the iterations')
    .argument('<baseline>', 'baseline summary.json (or its folder)')
    .argument('<candidate>', 'candidate summary.json (or its folder)')
    .option('--json', 'print the comparison as JSON'))
    .action((base: string, cand: string, opts: RawCompareOptions & { json?: boolean }) => { setExit(compareCommand(base, cand, compareOptions(opts), opts.json === true)); });

  program.command('baseline')
    .description('manage baselines')
    .command('save')
    .description('store a scenario summary as the baseline for its scenario (and profile)')
    .argument('<summary>', 'summary.json (or its folder)')
    .option('--dir <dir>', 'baselines folder', 'results/baselines')
    .action((file: string, opts: { dir: string }) => { setExit(baselineSaveCommand(file, opts.dir)); });

  program.command('history')
    .description('print the trend of scenario runs from results/history')
    .option('--scenario <name>', 'only this scenario')
    .option('--last <n>', 'only the last n lines', '50')
    .option('--results-dir <dir>', 'folder for result files', 'results')
    .action((opts: { scenario?: string; last: string; resultsDir: string }) => { setExit(historyCommand(opts.resultsDir, opts.scenario, opts.last)); });

  cmpOptions(program.command('summary')
    .description('write a short Markdown perf summary of a scenario run (for a release or a CI step summary)')
    .argument('<summary>', 'summary.json (or its folder)')
    .option('--baseline <summary>', 'add the verdict against this baseline')
    .option('-o, --out <file>', 'write to a file instead of stdout'))
    .action((file: string, opts: RawCompareOptions & { baseline?: string; out?: string }) => { setExit(summaryCommand(file, opts.baseline, opts.out, compareOptions(opts))); });

  // Internal: a generator child process of `run --processes N`; not listed in --help.
  program.command('generate', { hidden: true })
    .action(async () => {
      await runGeneratorProcess();
      setExit(ExitCode.ok);
    });

  program.command('serve')
    .description('run the target: accepts PROXY v1/v2 headers, then echoes, sinks or sources (--mode)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 = any free port)', '7000')
    .addOption(new Option('--proxy <mode>', 'PROXY header: none = never parsed, accept = optional (v1/v2 auto-detected), require = close connections without one').choices(['none', 'accept', 'require']).default('accept'))
    .addOption(new Option('--mode <mode>', 'after the header: echo every byte back, sink (read and discard), or source (send continuously)').choices(['echo', 'sink', 'source']).default('echo'))
    .option('--header-timeout <time>', 'close a connection whose header is incomplete after this long', '5s')
    .option('--backlog <n>', 'listen backlog (capped by net.core.somaxconn)', '4096')
    .option('--control-port <n>', 'HTTP control endpoint on --host: GET /stats, GET /sources, POST /reset (for --verify-proxy)')
    .option('--dump-sources <file>', 'on exit, write every claimed source address with its count, one per line')
    .option('-q, --quiet', 'print nothing')
    .action(async (opts: { host: string; port: string; proxy: ProxyMode; mode: ServeMode; headerTimeout: string; backlog: string; controlPort?: string; dumpSources?: string; quiet?: boolean }) => {
      const options = {
        mode: opts.mode,
        controlPort: opts.controlPort === undefined ? null : parseIntInRange('--control-port', opts.controlPort, 0, 65535),
        dumpSourcesFile: opts.dumpSources ?? null,
        host: opts.host,
        port: parseIntInRange('--port', opts.port, 0, 65535),
        proxy: opts.proxy,
        headerTimeoutMs: parseDurationMs('--header-timeout', opts.headerTimeout),
        backlog: parseIntInRange('--backlog', opts.backlog, 1, 1_000_000),
      };
      try {
        await runServe(options, (line) => { if (!opts.quiet) process.stdout.write(`${line}\n`); });
      } catch (err) {
        throw new L4StressError((err as Error).message, ExitCode.couldNotRun);
      }
      setExit(ExitCode.ok);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => { exitCode = code; });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successful exits; everything else commander rejects is invalid input.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof L4StressError) {
      process.stderr.write(`l4stress: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return err.exitCode;
    }
    process.stderr.write(`l4stress: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    if (process.env.L4STRESS_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return ExitCode.internal;
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
  // Let stdout drain, then leave even if a stray handle (a pool thread, a timer) is still open.
  setImmediate(() => process.exit(code));
});

export { UsageError };
