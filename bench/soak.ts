/**
 * `npm run soak [-- MINUTES]` (default 30; not in CI): proves nothing grows. Thousands of PROXY v2 sessions (3,000)
 * held through `l4stress serve --service-time 1ms` at a fixed open-loop rate, half its capacity (1 / service time a
 * serve process: 500 messages/s), for MINUTES after a 60 s warm-up, by two generator processes; with `--watch-pid`
 * on serve and on this script, and `--scrape` of this script, a tiny exporter that serves serve's own figures
 * (GET /stats on its control port: open sessions, queued bytes and messages, RSS) as Prometheus text. The result
 * (results/soak/) carries the leak verdicts (RSS slope over the measured phase, src/witnesses/watched-cost.ts), which
 * judge the soak: every generator process's and serve's; the exporter's (this script, the soak's own fixture) is
 * printed, not judged. Printed at the end with the errors and the pacer's lateness; exit 0 when no leak is suspected
 * and no error was counted, 1 otherwise (the run's own exit code when it failed). SOAK_CONNS, SOAK_SERVICE_TIME and
 * SOAK_RATE change the shape.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readResult } from '../src/documents/readers.js';
import type { RunResult } from '../src/documents/result.js';
import { resultErrorTotal } from '../src/result/error-total.js';
import { parseServiceTimeUs } from '../src/serve/service-queue.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin/l4stress.js');

const minutes = Number(process.argv[2] ?? 30);
const conns = Number(process.env.SOAK_CONNS ?? 3000);
const serviceTime = process.env.SOAK_SERVICE_TIME ?? '1ms';
const serviceUs = parseServiceTimeUs(serviceTime);
if (!(minutes >= 1 && minutes <= 24 * 60) || !(conns >= 1) || serviceUs === null) {
  console.error('usage: npm run soak -- MINUTES (1..1440); SOAK_CONNS=n, SOAK_SERVICE_TIME=1ms, SOAK_RATE=n/s');
  process.exit(2);
}
// Half the capacity: the queue stays short, so latency and memory are the sessions', not a backlog's.
const rate = process.env.SOAK_RATE ?? String(Math.floor(500_000 / serviceUs));

/** `l4stress serve`, in its own process; resolves with its ports once it listens. */
async function startServe(): Promise<{ child: ChildProcess; port: number; controlPort: number }> {
  const args = [
    CLI,
    'serve',
    '--port',
    '0',
    '--proxy',
    'require',
    '--service-time',
    serviceTime,
    '--control-port',
    '0',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before it listened`)));
  });
  const port = /listening on [^ ]+:(\d+)/.exec(line)?.[1];
  const controlPort = /control on http:\/\/[^ ]+:(\d+)/.exec(line)?.[1];
  if (!port || !controlPort) throw new Error(`serve said: ${line.trim()}`);
  return { child, port: Number(port), controlPort: Number(controlPort) };
}

/** One kept-alive connection to serve's control port: the exporter allocates little between scrapes. */
const AGENT = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** A small JSON body over plain http (no fetch: its connection pool is more than a 1/s scrape needs). */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: AGENT }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err);
          }
        });
      })
      .on('error', reject);
  });
}

/** Serve's /stats as Prometheus text, read afresh on every scrape. */
function startExporter(controlPort: number): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(async (_req, res) => {
    try {
      const s = (await getJson(`http://127.0.0.1:${controlPort}/stats`)) as Record<string, unknown> & {
        serviceQueue?: { bytes: number; messages: number };
      };
      const rows = [
        ['l4stress_serve_open_sessions', 'gauge', s.open],
        ['l4stress_serve_queued_bytes', 'gauge', s.serviceQueue?.bytes ?? 0],
        ['l4stress_serve_queued_messages', 'gauge', s.serviceQueue?.messages ?? 0],
        ['l4stress_serve_max_rss_bytes', 'gauge', s.maxRssBytes],
        ['l4stress_serve_accepted_total', 'counter', s.accepted],
        ['l4stress_serve_bytes_in_total', 'counter', s.bytesIn],
      ];
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(rows.map(([name, type, v]) => `# TYPE ${name} ${type}\n${name} ${Number(v)}\n`).join(''));
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

function runGenerator(args: string[]): Promise<number> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1))));
}

/** The verdicts that judge the soak, printed; true when no leak is suspected and no error was counted. */
function judge(result: RunResult, names: Map<number, string>): boolean {
  const errors = resultErrorTotal(result);
  const open = result.modeStats.openLoop;
  console.log(`\nsoak: ${result.connections.established}/${result.connections.target} sessions, errors ${errors}`);
  if (open)
    console.log(
      `pacer: ${open.intendedPerSecond}/s intended, late ${open.late}, missed ${open.missed}, ` +
        `left late ${open.leftLate ?? '-'} of ${open.pacedSends ?? '-'} (> ${open.lateToleranceMs ?? '-'} ms), ` +
        `tick lag p99 ${open.schedulerLagUs.p99} µs max ${open.schedulerLagUs.max} µs, ` +
        `generator behind: ${open.generatorBehind}`,
    );
  let leaks = 0;
  for (const w of result.resources.watched) {
    const c = w.cost;
    const name = names.get(w.pid) ?? w.role;
    // The exporter is this script, the soak's own fixture: its verdict is printed, not held against l4stress.
    if (c?.leakSuspected && w.pid !== process.pid) leaks++;
    console.log(
      `${name.padEnd(10)} pid ${w.pid}: RSS slope ${c?.rssSlopeMiBPerHour ?? '-'} MiB/h ` +
        `(R² ${c?.rssSlopeR2 ?? '-'}), leak ${c?.leakSuspected ? 'SUSPECTED' : 'not suspected'}`,
    );
  }
  return leaks === 0 && errors === 0;
}

async function main(): Promise<number> {
  const serve = await startServe();
  const exporter = await startExporter(serve.controlPort);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = path.join(ROOT, 'results', 'soak', `soak-${stamp}.json`);
  console.log(
    `soak: ${minutes} min, ${conns} PROXY v2 sessions at ${rate}/s through serve --service-time ${serviceTime} ` +
      `(pid ${serve.child.pid}), exporter pid ${process.pid}; result ${out}`,
  );
  const stop = (): void => {
    serve.child.kill('SIGTERM');
    exporter.server.close();
  };
  process.once('SIGTERM', stop);
  const code = await runGenerator([
    'run',
    ...['--target', `127.0.0.1:${serve.port}`, '--proxy', 'v2', '--mode', 'echo', '--conns', String(conns)],
    ...['--rate', rate, '--connect-rate', '1000', '--warmup', '60s', '--duration', `${minutes}m`],
    ...['--processes', '2', '--workers', '1', '--name', 'soak', '--out', out],
    ...['--watch-pid', String(serve.child.pid), '--watch-pid', String(process.pid)],
    ...['--scrape', `http://127.0.0.1:${exporter.port}/metrics`, '--scrape-metric', 'l4stress_serve_*'],
  ]);
  stop();
  let result: RunResult;
  try {
    result = readResult(out);
  } catch (err) {
    console.error(`soak: no result (run exit ${code}): ${(err as Error).message}`);
    return code || 1;
  }
  const names = new Map([[serve.child.pid!, 'serve']]);
  for (const w of result.resources.watched) if (w.role === 'generator') names.set(w.pid, 'generator');
  names.set(process.pid, 'exporter (this script; not judged)');
  const clean = judge(result, names);
  return code !== 0 ? code : clean ? 0 : 1;
}

process.exit(await main());
