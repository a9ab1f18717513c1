/**
 * TLS handshake goals (issue: "TLS at scale"): full handshakes/s of l4stress's churn against `openssl s_time -new`,
 * resumed against `s_time -reuse`, both against the same `openssl s_server` (P-256 certificate) in the same run,
 * A-B-A. s_server is single-threaded and does the costlier half of every handshake, so it sets the rate: l4stress,
 * with a few handshakes in flight, must keep up with OpenSSL's own client, not fall behind it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isListening } from '../native-tools/ports.js';
import type { RunResult } from '../src/documents/result.js';
import { selfSignedCertificate } from '../src/serve/certificate.js';
import { type Goal, goal, mean } from './goal.js';
import { CLI, l4stress, run } from './run-cli.js';

const SECONDS = 3;

async function sTime(port: number, reuse: boolean): Promise<number> {
  const started = performance.now();
  const r = await run(
    'openssl',
    ['s_time', '-connect', `127.0.0.1:${port}`, reuse ? '-reuse' : '-new', '-time', String(SECONDS)],
    30_000,
  );
  const m = /(\d+) connections in [\d.]+s;/.exec(r.stdout);
  if (!m) throw new Error(`openssl s_time printed no count:\n${r.stdout}${r.stderr}`);
  return Math.round(Number(m[1]) / ((performance.now() - started) / 1000));
}

async function churn(port: number, resume: boolean, dir: string): Promise<RunResult['tls']> {
  const out = path.join(dir, `churn-${resume}-${Date.now()}.json`);
  const args = [CLI, '--target', `127.0.0.1:${port}`, '--mode', 'connect', '--tls', '--tls-insecure', '--conns', '4'];
  args.push('--duration', `${SECONDS}s`, '--warmup', '500ms', '--quiet', '--out', out);
  const r = await run(process.execPath, resume ? [...args, '--tls-resume'] : args, 60_000);
  if (r.code !== 0 && r.code !== 4) throw new Error(`l4stress TLS churn exited ${r.code}: ${r.stderr.slice(-300)}`);
  return (JSON.parse(readFileSync(out, 'utf8')) as RunResult).tls;
}

async function startSServer(dir: string): Promise<{ port: number; proc: ChildProcess }> {
  // The tool's own maker: a P-256 key, as the goal asks.
  const pair = selfSignedCertificate();
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  writeFileSync(key, pair.key);
  writeFileSync(cert, pair.cert);
  const port = await freePort();
  const proc = spawn('openssl', ['s_server', '-accept', String(port), '-cert', cert, '-key', key, '-quiet'], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const deadline = Date.now() + 10_000;
  while (!(await isListening(port))) {
    if (Date.now() > deadline) throw new Error('openssl s_server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, proc };
}

export async function tlsHandshakeGoals(log: (line: string) => void): Promise<Goal[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l4stress-bench-tls-'));
  const server = await startSServer(dir);
  try {
    log('TLS handshakes: openssl s_time -new, l4stress churn, s_time -new; then -reuse, --tls-resume, -reuse');
    const fullA = await sTime(server.port, false);
    const full = await churn(server.port, false, dir);
    const fullB = await sTime(server.port, false);
    const reuseA = await sTime(server.port, true);
    const resumed = await churn(server.port, true, dir);
    const reuseB = await sTime(server.port, true);
    return [
      goal({
        goal: 'TLS full handshakes/s, same openssl s_server (P-256)',
        l4stress: full?.fullPerSecond ?? null,
        reference: Math.round(mean(fullA, fullB)),
        referenceName: 'openssl s_time -new',
        unit: '/s',
        want: { op: '>=', ratio: 1 },
        note: `l4stress --mode connect --tls, 4 in flight; s_time one at a time (${fullA}, ${fullB})`,
      }),
      goal({
        goal: 'TLS resumed handshakes/s, same openssl s_server',
        l4stress: resumed ? resumed.resumedPerSecond + resumed.fullPerSecond : null,
        reference: Math.round(mean(reuseA, reuseB)),
        referenceName: 'openssl s_time -reuse',
        unit: '/s',
        want: { op: '>=', ratio: 1 },
        note:
          `--tls-resume: ${resumed ? Math.round((resumed.resumed / Math.max(1, resumed.handshakes)) * 100) : 0}% ` +
          `of handshakes resumed; s_time -reuse (${reuseA}, ${reuseB})`,
      }),
    ];
  } finally {
    server.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 16 KiB per held TLS session, in the generator and in `serve --tls`, RSS after a full GC (TLS 1.3, P-256). */
const TLS_SESSION_BUDGET = 16 * 1024;

export async function tlsMemoryGoals(log: (line: string) => void): Promise<Goal[]> {
  log('memory, 10,000 held TLS sessions (embedded TLS target)');
  const r = await l4stress(['--tls', '--mode', 'hold', '-c', '10000', '-d', '1s', '--warmup', '0s'], 300_000);
  const target = r.resources.watched.filter((w) => w.role === 'target');
  // Each target process's RSS grown over the ramp, over the sessions it holds (witnesses/watched-cost.ts).
  const perTargetSession = target.length
    ? Math.round(target.reduce((n, w) => n + (w.cost?.rssPerSessionBytes ?? 0), 0) / target.length)
    : null;
  return [
    goal({
      goal: 'generator memory per held TLS session, 10,000',
      l4stress: r.resources.generator.memoryPerConnectionBytes,
      reference: TLS_SESSION_BUDGET,
      referenceName: 'the 16 KiB budget',
      unit: 'B',
      want: { op: '<=', ratio: 1 },
      note: `${r.connections.established} established, RSS after a full GC; ramp ${r.phases.rampMs} ms`,
    }),
    goal({
      goal: 'serve --tls memory per held session, 10,000',
      l4stress: perTargetSession,
      reference: TLS_SESSION_BUDGET,
      referenceName: 'the 16 KiB budget',
      unit: 'B',
      want: { op: '<=', ratio: 1 },
      note: `the embedded TLS target's RSS grown over the ramp, per session it holds (${target.length} process)`,
    }),
  ];
}
