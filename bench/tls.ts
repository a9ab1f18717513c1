/**
 * TLS handshakes per second, full and resumed, of l4stress's churn (--mode connect --tls, one connection at a
 * time) against `openssl s_time` (also one at a time: -new, then -reuse), both against the same `l4stress serve
 * --tls` in the same run. Rates use each child's own wall time (s_time prints whole seconds only).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, isListening } from '../native-tools/ports.js';
import type { RunResult } from '../src/documents/result.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin/l4stress.js');
const SECONDS = 3;

function child(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; wallMs: number }> {
  return new Promise((resolve) => {
    const start = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    p.on('close', (code) => resolve({ code, stdout, wallMs: performance.now() - start }));
  });
}

async function openssl(port: number, reuse: boolean): Promise<number> {
  const r = await child('openssl', [
    's_time',
    '-connect',
    `127.0.0.1:${port}`,
    reuse ? '-reuse' : '-new',
    '-time',
    String(SECONDS),
  ]);
  const m = /(\d+) connections in [\d.]+s;/.exec(r.stdout);
  if (!m) throw new Error(`openssl s_time printed no count:\n${r.stdout}`);
  return Math.round(Number(m[1]) / (r.wallMs / 1000));
}

async function l4stress(
  port: number,
  resume: boolean,
): Promise<{ perSecond: number; resumed: number; handshakes: number }> {
  const out = path.join(os.tmpdir(), `l4stress-bench-tls-${process.pid}-${Date.now()}.json`);
  const args = [
    CLI,
    '--target',
    `127.0.0.1:${port}`,
    '--mode',
    'connect',
    '--tls',
    '--tls-insecure',
    '--conns',
    '1',
    '--workers',
    '1',
    '--duration',
    `${SECONDS}s`,
    '--warmup',
    '500ms',
    '--quiet',
    '--out',
    out,
  ];
  const r = await child(process.execPath, resume ? [...args, '--tls-resume'] : args);
  if (r.code !== 0) throw new Error(`l4stress tls churn exited ${r.code}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  rmSync(out);
  const t = result.tls!;
  return { perSecond: t.fullPerSecond + t.resumedPerSecond, resumed: t.resumed, handshakes: t.handshakes };
}

export interface TlsBench {
  full: { l4stressPerSecond: number; opensslPerSecond: number; ratio: number };
  resumed: { l4stressPerSecond: number; opensslPerSecond: number; ratio: number; l4stressResumedShare: number };
}

export async function tlsBench(): Promise<TlsBench> {
  const port = await freePort();
  const server = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--tls', '--proxy', 'none', '--quiet']);
  try {
    const deadline = Date.now() + 10_000;
    while (!(await isListening(port))) {
      if (Date.now() > deadline) throw new Error('serve --tls did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
    const ofull = await openssl(port, false);
    const lfull = await l4stress(port, false);
    const oreuse = await openssl(port, true);
    const lreuse = await l4stress(port, true);
    return {
      full: { l4stressPerSecond: lfull.perSecond, opensslPerSecond: ofull, ratio: ratio(lfull.perSecond, ofull) },
      resumed: {
        l4stressPerSecond: lreuse.perSecond,
        opensslPerSecond: oreuse,
        ratio: ratio(lreuse.perSecond, oreuse),
        l4stressResumedShare: ratio(lreuse.resumed, lreuse.handshakes),
      },
    };
  } finally {
    server.kill();
  }
}
