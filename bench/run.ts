/**
 * `npm run bench`: micro-benchmarks and loopback comparisons, each as a ratio to a reference measured in the
 * same run. Prints a table and writes results/bench-<timestamp>.json. Then the performance goals (goals.ts: against
 * native C peers, netperf, and the memory budget), written to docs/performance.md. `npm run bench -- --goals` runs
 * only the goals; `--goals churn` (a comma list of goals.ts GOAL_GROUPS) only those groups, docs untouched.
 * Bounded: a few minutes in all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { collectEnvironment, gitInfo } from '../src/environment/environment.js';
import { renderTable } from '../src/reporters/table.js';
import { startEmbeddedTarget } from '../src/run/embedded-target.js';
import { cliStartBench } from './cli-start.js';
import { GOAL_GROUPS, performanceGoals } from './goals.js';
import { loopbackBenches } from './loopback.js';
import { headerBenches, histogramBenches } from './micro.js';
import { GOAL_HEADER, goalRows, writePerformanceDoc } from './performance-doc.js';
import { tlsBench } from './tls.js';

const goalsAt = process.argv.indexOf('--goals');
if (goalsAt >= 0) {
  // `--goals churn` or `--goals native,churn`: those groups only (goals.ts GOAL_GROUPS).
  const named = process.argv[goalsAt + 1];
  await goalsOnly(named && !named.startsWith('-') ? named.split(',') : null);
  process.exit(0);
}

/** The goals, all of them or `groups`; only a run of all of them rewrites docs/performance.md, its table whole. */
async function goalsOnly(groups: string[] | null): Promise<void> {
  const unknown = (groups ?? []).filter((g) => !(g in GOAL_GROUPS));
  if (unknown.length > 0) {
    console.error(`--goals: no group ${unknown.join(', ')} (groups: ${Object.keys(GOAL_GROUPS).join(', ')})`);
    process.exit(2);
  }
  const goals = await performanceGoals((l) => console.log(l), groups ?? undefined);
  console.log(`\n${renderTable(goalRows(goals), GOAL_HEADER)}`);
  for (const g of goals.filter((x) => x.note)) console.log(`- ${g.goal}: ${g.note}`);
  if (groups) {
    console.log('not written: docs/performance.md (some groups only; --goals alone runs them all and writes it)');
    return;
  }
  writePerformanceDoc('docs/performance.md', goals, await collectEnvironment(), gitInfo()?.sha ?? null);
  console.log('written: docs/performance.md');
}

const micro = [...histogramBenches(), ...headerBenches()];
console.log(
  renderTable(
    micro.map((m) => [
      m.name,
      m.nsPerOp.toFixed(1),
      m.reference,
      m.referenceNsPerOp.toFixed(1),
      `${m.ratio.toFixed(2)}x`,
    ]),
    ['micro-benchmark', 'ns/op', 'reference', 'ref ns/op', 'ratio'],
  ),
);

const target = await startEmbeddedTarget('accept');
let loop: Awaited<ReturnType<typeof loopbackBenches>>;
try {
  loop = await loopbackBenches({ host: target.host, port: target.port });
} finally {
  await target.stop();
}
const mem = loop.memory;
console.log(
  `\nmemory, ${mem.conns} held connections, RSS after GC: l4stress ${mem.l4stressBytesPerConnection} ` +
    `B/connection vs bare Node sockets ` +
    `${mem.referenceBytesPerConnection} B/connection: ratio ${mem.ratio}`,
);
const e = loop.echo;
console.log(
  `\necho, ${e.conns} connections, one event loop each: l4stress ${e.l4stressRoundTripsPerSecond} rt/s ` +
    `(p50 ${e.l4stressP50Us} µs, p99 ${e.l4stressP99Us} µs) vs minimal Node client ` +
    `${e.referenceRoundTripsPerSecond} rt/s: ratio ${e.ratio}`,
);
console.log(
  `\n${renderTable(
    loop.proxy.map((p) => [
      p.variant,
      String(p.headerBytes),
      String(p.rampMs),
      String(p.connectionsPerSecond),
      `${p.ratioToNone}x`,
      String(p.connectP50Us ?? '-'),
      String(p.connectP99Us ?? '-'),
      String(p.headerBuildUs ?? '-'),
    ]),
    [
      '5,000 conns, proxy',
      'header B',
      'ramp ms',
      'conns/s',
      'vs none',
      'connect p50 µs',
      'p99 µs',
      'build µs (in run)',
    ],
  )}`,
);

const tls = await tlsBench();
console.log(
  `\nTLS handshakes/s, one connection at a time, same serve --tls: full l4stress ${tls.full.l4stressPerSecond} vs ` +
    `openssl s_time ${tls.full.opensslPerSecond} (ratio ${tls.full.ratio}); resumed l4stress ` +
    `${tls.resumed.l4stressPerSecond} (${Math.round(tls.resumed.l4stressResumedShare * 100)}% resumed) vs ` +
    `openssl s_time -reuse ${tls.resumed.opensslPerSecond} (ratio ${tls.resumed.ratio})`,
);

const start = cliStartBench();
console.log(
  `\nCLI start, CPU per run (median of ${start.rounds} interleaved rounds): node -e 0 ${start.referenceMs} ms; ` +
    `l4stress --version ${start.versionMs} ms (ratio ${start.versionRatio}); ` +
    `--help ${start.helpMs} ms (ratio ${start.helpRatio})`,
);

const file = path.join('results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync('results', { recursive: true });
const record = { git: gitInfo(), environment: await collectEnvironment(), micro, loopback: loop, tls, cliStart: start };
writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
console.log(`\nwritten: ${file}`);
await goalsOnly(null);
process.exit(0);
