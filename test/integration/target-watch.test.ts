/**
 * A target on loopback is watched without --watch-pid (run/target-watch.ts): its process(es) found by the socket
 * they listen on, against real peers started here — `l4stress serve`, HAProxy, and nginx with a master and two
 * workers that share the listening socket — for a run and a find; the result and the text name the pid(s) and how.
 * An explicit --watch-pid wins; --watch-target off turns it off.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FindDocument } from '../../src/documents/find.js';
import { childPids, runCli, tempDir } from '../helpers/cli.js';
import {
  eventually,
  freePort,
  HAPROXY_BASE,
  type RunningProcess,
  startHaproxy,
  startServe,
  waitForPort,
} from '../helpers/processes.js';
import { findValidator, runForResult } from '../helpers/schema.js';

const dir = tempDir();
let running: RunningProcess[] = [];
let pids: number[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop()));
  for (const pid of pids) if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGTERM');
  running = [];
  pids = [];
});

const RUN = ['--conns', '10', '--duration', '1s', '--warmup', '0s', '--quiet'];

describe('a loopback target watched by its listening socket', { timeout: 120_000 }, () => {
  it('l4stress serve: its pid, in the result, the summary and the watched processes; off and --watch-pid', async () => {
    const serve = await startServe(['--quiet']);
    running.push(serve);
    const target = ['--target', `127.0.0.1:${serve.port}`];
    const run = await runForResult(dir, [...target, ...RUN.filter((a) => a !== '--quiet')]);
    expect(run.code, run.stderr).toBe(0);
    const watched = run.result.target.watched;
    expect(watched).toMatchObject({ by: 'socket', processes: [{ pid: serve.child.pid, name: 'node' }] });
    expect(watched?.how).toMatch(/listens on TCP 127\.0\.0\.1:\d+ \(\/proc\/net\/tcp, tcp6 inode -> \/proc\/PID\/fd\)/);
    expect(run.result.config.watchPids).toEqual([serve.child.pid]);
    expect(run.result.resources.watched).toEqual([
      expect.objectContaining({ pid: serve.child.pid, role: 'watched', exited: false }),
    ]);
    expect(run.stdout).toContain(
      `target       127.0.0.1:${serve.port} watched: pid ${serve.child.pid} (node), holding`,
    );

    const off = await runForResult(dir, [...target, ...RUN, '--watch-target', 'off']);
    expect(off.result.target.watched).toMatchObject({ by: 'off', processes: [] });
    expect(off.result.resources.watched).toEqual([]);

    const asked = await runForResult(dir, [...target, ...RUN, '--watch-pid', String(process.pid)]);
    expect(asked.result.target.watched).toMatchObject({ by: 'watch-pid', processes: [{ pid: process.pid }] });
    expect(asked.result.config.watchPids).toEqual([process.pid]);
  });

  it('HAProxy, for every probe of a find: its pid in the document, a line at the start and at the end', async () => {
    const backend = await startServe(['--quiet']);
    running.push(backend);
    const front = await freePort();
    const cfg = [
      HAPROXY_BASE,
      ...['frontend fe', `  bind 127.0.0.1:${front}`, '  default_backend be'],
      ...['backend be', `  server s1 127.0.0.1:${backend.port}`, ''],
    ].join('\n');
    const haproxy = await startHaproxy(cfg, front);
    running.push(haproxy);
    const file = path.join(dir, 'find-haproxy.json');
    const run = await runCli(
      [
        ...['find', '--vary', 'conns', '--slo', 'opened==target', '--from', '10', '--to', '20'],
        ...['--warmup', '0s', '--window', '1s', '--target', `127.0.0.1:${front}`, '--out', file],
      ],
      { timeoutMs: 110_000 },
    );
    const doc = JSON.parse(readFileSync(file, 'utf8')) as FindDocument;
    expect(findValidator()(doc)).toEqual([]);
    expect(doc.target.watched).toMatchObject({
      by: 'socket',
      processes: [{ pid: haproxy.child.pid, name: 'haproxy' }],
    });
    const line = `target 127.0.0.1:${front} watched: pid ${haproxy.child.pid} (haproxy), holding the socket`;
    expect(run.stderr).toContain(`l4stress: ${line}`);
    expect(run.stdout).toContain(`(${line}`);
    // Every probe watched it: its CPU is in each probe's figures.
    expect(doc.probes.length).toBeGreaterThan(0);
    for (const p of doc.probes) expect(p.cpu.watched.map((w) => w.pid)).toEqual([haproxy.child.pid]);
  });

  it('nginx with a master and two workers: all three hold the listening socket, all three are watched', async () => {
    const backend = await startServe(['--quiet']);
    running.push(backend);
    const front = await freePort();
    const folder = tempDir('l4stress-nginx-');
    const conf = path.join(folder, 'nginx.conf');
    writeFileSync(
      conf,
      [
        'load_module /usr/lib/nginx/modules/ngx_stream_module.so;',
        'daemon off;',
        'worker_processes 2;',
        `pid ${path.join(folder, 'nginx.pid')};`,
        'error_log stderr warn;',
        'events { worker_connections 1024; }',
        `stream { server { listen 127.0.0.1:${front}; proxy_pass 127.0.0.1:${backend.port}; } }`,
      ].join('\n'),
    );
    const master = spawn('nginx', ['-c', conf, '-p', folder], { stdio: 'ignore' });
    pids.push(master.pid!);
    await waitForPort(front);
    expect(await eventually(() => childPids(master.pid!).length === 2)).toBe(true);
    const workers = childPids(master.pid!);
    const run = await runForResult(dir, ['--target', `127.0.0.1:${front}`, ...RUN]);
    expect(run.code, run.stderr).toBe(0);
    const found = run.result.target.watched?.processes.map((p) => p.pid);
    expect(found).toEqual([master.pid!, ...workers].sort((a, b) => a - b));
    expect(run.result.target.watched?.processes.every((p) => p.name === 'nginx')).toBe(true);
    expect(run.result.resources.watched.map((w) => w.pid).sort((a, b) => a - b)).toEqual(found);
  });
});
