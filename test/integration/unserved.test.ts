/**
 * Sessions an ingress parks behind its connection limit (issue 30): `--mode hold -c 400` through a real HAProxy
 * `maxconn 320` establishes 400 TCP sessions, and HAProxy serves 320; the other 80 wait in its accept queue, never
 * answered. The run must say 320 held and 80 unserved, fail (exit 4) with the warning, show them in the HTML
 * report's errors, and `compare` against a clean run must regress on errors (gated by default) naming unserved.
 * And a queued session HAProxy serves mid-run, once another client frees slots, is served from then on: held.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { freePort, HAPROXY_BASE, startHaproxy, startServe } from '../helpers/processes.js';
import { resultValidator } from '../helpers/schema.js';

const validate = resultValidator();
/** A result as written, checked against the published schema (what compare and report read it with). */
const read = (file: string): RunResult => {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as RunResult;
  expect(validate(doc)).toEqual([]);
  return doc;
};

/** HAProxy with `maxconn 320` on its frontend before an l4stress serve backend; stopped by `stop`. */
async function limitedIngress() {
  const backend = await startServe(['--quiet']);
  const front = await freePort();
  const haproxy = await startHaproxy(
    `${HAPROXY_BASE}
frontend fe
  bind 127.0.0.1:${front} accept-proxy
  maxconn 320
  default_backend be

backend be
  server s1 127.0.0.1:${backend.port}
`,
    front,
  );
  return {
    target: `127.0.0.1:${front}`,
    stop: async () => {
      await haproxy.stop();
      await backend.stop();
    },
  };
}

describe('held means served: HAProxy maxconn 320', { timeout: 180_000 }, () => {
  it('400 sessions: 320 held, 80 unserved, exit 4, the warning; compare with a clean run regresses', async () => {
    const ingress = await limitedIngress();
    const dir = tempDir();
    // The ramp cannot finish (80 first echoes never come back): a fixed --ramp-timeout ends it; the echo timeout
    // gives up the 80 during the measured phase, so they are missing before the stop frees HAProxy's slots.
    const hold = (conns: number, out: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      runCli(
        [
          ...['run', '--mode', 'hold', '-c', String(conns), '--target', ingress.target, '--proxy', 'v2'],
          ...['--ramp-timeout', '3s', '--warmup', '0s', '--duration', '3s', '--echo-timeout', '1s', '--out', out],
        ],
        { timeoutMs: 90_000 },
      );
    try {
      const parked = path.join(dir, 'parked.json');
      const run = await hold(400, parked);
      const r = read(parked);
      expect(run.code, run.stdout).toBe(4);
      expect(r.status).toBe('completed-with-errors');
      expect(r.connections.established).toBe(400);
      expect(r.totals.opened).toBe(320);
      expect(r.connections.unserved).toBe(80);
      expect(r.modeStats.hold?.held).toBe(320);
      // Never answered in time is missing, not reordered (even when HAProxy answers them at our stop).
      expect(r.modeStats.integrity.outOfOrder).toBe(0);
      expect(r.modeStats.integrity.missing).toBe(80);
      expect(r.warnings).toContain(
        '80 sessions were established but never answered: an ingress at its connection limit queues them ' +
          '(HAProxy maxconn, nginx worker_connections); they are not counted as held',
      );
      expect(run.stdout).toMatch(/hold\s+320\/400 sessions held/);
      expect(run.stdout).toMatch(/unserved\s+80 established but never answered/);
      expect(run.stdout).toMatch(/out of order 0, missing 80/);
      // The live line says it too, every second.
      expect(`${run.stderr}${run.stdout}`).toMatch(/held 320\/400 {2}unanswered 80 /);

      const html = path.join(dir, 'parked.html');
      expect((await runCli(['report', parked, '--html', html])).code).toBe(0);
      // The results table: errors (the one total: 80 unserved + 80 missing), drops 0, unserved 80.
      expect(readFileSync(html, 'utf8')).toMatch(/<td>160<\/td><td>0<\/td><td>80<\/td>/);

      const clean = path.join(dir, 'clean.json');
      const base = await hold(300, clean);
      expect(base.code, base.stdout).toBe(0);
      expect(read(clean)).toMatchObject({ connections: { unserved: 0 }, modeStats: { hold: { held: 300 } } });

      const cmp = await runCli(['compare', clean, parked]);
      expect(cmp.code, cmp.stdout + cmp.stderr).toBe(5);
      expect(cmp.stdout).toMatch(/errors\*\s+0\s+160\s+-\s+REGRESSED\s+errors where the baseline had none/);
      expect(cmp.stdout).toMatch(/unserved\s+0\s+80\s+-\s+REGRESSED/);
      expect(cmp.stdout).toMatch(/^verdict: REGRESSED: .*errors.*unserved/m);
      // The other way round: the clean run improves on the parked one.
      const back = await runCli(['compare', parked, clean, '--gate', 'errors']);
      expect(back.stdout).toMatch(/unserved\s+80\s+0\s+0x\s+improved/);
    } finally {
      await ingress.stop();
    }
  });

  it('a queued session HAProxy serves mid-run (another client left) is served from then on: held', async () => {
    const ingress = await limitedIngress();
    const dir = tempDir();
    const args = ['run', '--mode', 'hold', '--target', ingress.target, '--proxy', 'v2', '--warmup', '0s'];
    try {
      // A blocker takes 100 of the 320 slots for 8 s, then leaves.
      const blocker = startCli([...args, '-c', '100', '--duration', '8s', '--out', path.join(dir, 'blocker.json')], {
        timeoutMs: 60_000,
      });
      await new Promise<void>((resolve) => {
        const seen = (d: Buffer | string): void => {
          if (/measure/.test(String(d))) resolve();
        };
        blocker.child.stderr?.on('data', seen);
        blocker.child.stdout?.on('data', seen);
      });
      // 300 sessions: 220 served at once, 80 queued until the blocker leaves, seconds after this run's traffic began
      // and gave their first messages up (--echo-timeout 1s: missing); answered late, they are served from then on:
      // pinged and held.
      const out = path.join(dir, 'late.json');
      const run = await runCli(
        [...args, '-c', '300', '--ramp-timeout', '1s', '--duration', '10s', '--echo-timeout', '1s', '--out', out],
        { timeoutMs: 90_000 },
      );
      expect((await blocker.done).code).toBe(0);
      const r = read(out);
      expect(r.totals.opened, run.stdout).toBe(300);
      expect(r.connections.unserved).toBe(0);
      expect(r.modeStats.hold?.held).toBe(300);
      expect(r.modeStats.integrity).toMatchObject({ missing: 80, outOfOrder: 0 });
      expect(run.code).toBe(4);
    } finally {
      await ingress.stop();
    }
  });
});
