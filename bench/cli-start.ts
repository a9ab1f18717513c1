/**
 * CLI start-up cost: CPU time (user + system) of `l4stress --version` and `l4stress --help` against `node -e 0`,
 * measured in interleaved rounds on the same machine, so a busy neighbour slows reference and candidate alike.
 * Children's CPU comes from bash's `times` builtin (no extra tool needed). Reports each round's ratio's median.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin/l4stress.js');

/** Children's CPU in ms per run of `args`, over `runs` runs in one bash. */
function cpuMsPerRun(args: string[], runs: number): number {
  const script = 'n=$1; shift; for i in $(seq $n); do "$@" >/dev/null 2>&1; done; times';
  const out = execFileSync('bash', ['-c', script, '_', String(runs), ...args], { encoding: 'utf8' });
  const [user, system] = out
    .trim()
    .split('\n')[1]
    .split(/\s+/)
    .map((t) => {
      const m = /(\d+)m([\d.]+)s/.exec(t)!;
      return Number(m[1]) * 60 + Number(m[2]);
    });
  return ((user + system) * 1000) / runs;
}

export interface CliStartBench {
  rounds: number;
  runsPerRound: number;
  referenceMs: number;
  versionMs: number;
  helpMs: number;
  /** Median over rounds of (candidate / reference in that round). */
  versionRatio: number;
  helpRatio: number;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];

export function cliStartBench(rounds = 9, runsPerRound = 6): CliStartBench {
  const node = process.execPath;
  const rows: { ref: number; version: number; help: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const ref = cpuMsPerRun([node, '-e', '0'], runsPerRound);
    const version = cpuMsPerRun([node, CLI, '--version'], runsPerRound);
    const help = cpuMsPerRun([node, CLI, '--help'], runsPerRound);
    rows.push({ ref, version, help });
  }
  const round = (v: number): number => Math.round(v * 100) / 100;
  return {
    rounds,
    runsPerRound,
    referenceMs: round(median(rows.map((x) => x.ref))),
    versionMs: round(median(rows.map((x) => x.version))),
    helpMs: round(median(rows.map((x) => x.help))),
    versionRatio: round(median(rows.map((x) => x.version / x.ref))),
    helpRatio: round(median(rows.map((x) => x.help / x.ref))),
  };
}
