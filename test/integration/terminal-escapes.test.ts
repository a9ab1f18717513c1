/**
 * No raw terminal escape reaches stdout or stderr from text l4stress did not write: a scraped label, a scrape URL,
 * a watched process's name (/proc/PID/comm can be anything), commander's own errors quoting what was typed, and the
 * tool's error messages. Each path is taken by the built CLI, and each shows the escape as text (`\x1b`), so the
 * test cannot pass by not printing it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli, tempDir } from '../helpers/cli.js';
import { eventually } from '../helpers/processes.js';

const ESC = '\x1b';
const CLEAR = `${ESC}[2J`;
const dir = tempDir();
let server: http.Server;
let port = 0;
let named: ChildProcess;

/** Neither stream holds a raw ESC; the escaped form is what was printed instead. */
function expectNoRawEscape(run: CliRun): void {
  expect(run.stdout.includes(ESC), run.stdout).toBe(false);
  expect(run.stderr.includes(ESC), run.stderr).toBe(false);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      return void res.end();
    }
    res.end(`haproxy_frontend_current_sessions{proxy="${CLEAR}fe"} 1\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  // A process that names itself with a screen-clearing escape (its comm, as --watch-pid reads it).
  named = spawn(process.execPath, [
    '-e',
    `require('fs').writeFileSync('/proc/self/comm', '\\x1b[2Jevil'); setInterval(() => {}, 1000)`,
  ]);
  await eventually(() => {
    try {
      return readFileSync(`/proc/${named.pid}/comm`, 'utf8').startsWith(CLEAR);
    } catch {
      return false;
    }
  });
});

afterAll(async () => {
  named?.kill('SIGKILL');
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

describe('no raw escape reaches the terminal', () => {
  it('a run: the summary (scraped label, watched name), its warnings (scrape URL) and the live line', async () => {
    const run = await runCli([
      ...['--conns', '5', '--duration', '2s', '--warmup', '0s', '--out', path.join(dir, 'run.json')],
      ...['--scrape', `http://127.0.0.1:${port}/metrics`, '--scrape', `http://127.0.0.1:${port}/x${CLEAR}`],
      ...['--watch-pid', String(named.pid)],
    ]);
    expect(run.code, run.stderr).toBe(0);
    expectNoRawEscape(run);
    expect(run.stdout).toContain('haproxy_frontend_current_sessions{proxy="\\x1b[2Jfe"}');
    expect(run.stdout).toContain(`pid ${named.pid} (\\x1b[2Jevil)`);
    expect(run.stdout).toMatch(/scrapes of http:\/\/127\.0\.0\.1:\d+\/x\\x1b\[2J failed/);
    // The live line (stderr, a plain line a second off a terminal) was printed, and escaped like the rest.
    expect(run.stderr).toMatch(/\[\s*\d+s\/\d+s measure/);
  });

  it('find: the probe lines and the answer table name the watched process escaped', async () => {
    const run = await runCli(
      [
        ...['find', '--vary', 'conns', '--from', '5', '--to', '10', '--window', '1s', '--warmup', '0s'],
        ...['--slo', 'p99<5s', '--watch-pid', String(named.pid), '--out', path.join(dir, 'find.json')],
      ],
      { timeoutMs: 90_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expectNoRawEscape(run);
    expect(run.stdout).toContain('\\x1b[2Jevil');
  });

  it.each([
    ["commander's choice error", ['find', '--vary', CLEAR]],
    ["commander's unknown option", [`--${CLEAR}`]],
    ['an error message quoting a value', ['--scrape', `${CLEAR}not a url`, '--duration', '1s']],
  ])('%s: exit 2, one escaped line', async (_, args) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expectNoRawEscape(run);
    expect(run.stderr).toMatch(/^l4stress: .*\\x1b\[2J/);
  });
});
