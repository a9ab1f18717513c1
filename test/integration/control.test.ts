/**
 * The serve control endpoint can reset what --verify-proxy reads, so it defends itself: loopback unless told, a
 * bearer token beyond loopback, no browser-borne request (Origin, a rebound Host). Real processes, real HTTP.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { freePort, type RunningProcess, startServe } from '../helpers/processes.js';
import { runForResult } from '../helpers/schema.js';

const TOKEN = 'a-test-token-of-32-characters-ok';
const dir = tempDir();
let running: RunningProcess[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop()));
  running = [];
});

/** One raw HTTP request, so the test controls every header (fetch would not send a forged Host). */
function request(
  url: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('where the control endpoint listens', () => {
  it('on loopback even when the data port listens on every interface', async () => {
    const serve = await startServe(['--quiet', '--host', '0.0.0.0']);
    running.push(serve);
    const port = new URL(serve.controlUrl).port;
    const listening = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
    expect(listening).toContain(`127.0.0.1:${port}`);
    expect(listening).not.toContain(`0.0.0.0:${port}`);
  });

  it('beyond loopback without a token: exit 2, before anything listens', async () => {
    const run = await runCli(['serve', '--port', '0', '--control-port', '0', '--control-host', '0.0.0.0']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /^l4stress: --control-host 0\.0\.0\.0: beyond loopback the control endpoint needs a token/m,
    );
  });

  it.each([
    [['--control-token', TOKEN], /--control-token goes with --control-port/],
    [['--control-port', '0', '--control-token', 'short'], /--control-token: at least 16 characters/],
    [['--control-port', '0', '--control-host', 'example.org'], /--control-host: 'example.org' is not an IP/],
  ])('%s is refused with exit 2', async (args, message) => {
    const run = await runCli(['serve', '--port', '0', ...args]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('who may use it', () => {
  it('with a token: every request needs it, a wrong one is refused', async () => {
    const serve = await startServe(['--quiet', '--control-token', TOKEN]);
    running.push(serve);
    expect((await request(serve.controlUrl, '/stats')).status).toBe(401);
    expect((await request(serve.controlUrl, '/reset', { authorization: `Bearer ${TOKEN}x` }, 'POST')).status).toBe(401);
    expect((await request(serve.controlUrl, '/stats', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('a browser-borne request is refused: any Origin, or a Host that is a name (DNS rebinding)', async () => {
    const serve = await startServe(['--quiet']);
    running.push(serve);
    const origin = await request(serve.controlUrl, '/reset', { origin: 'http://evil.example' }, 'POST');
    expect(origin.status).toBe(403);
    const rebound = await request(serve.controlUrl, '/sources', { host: 'evil.example:80' });
    expect(rebound.status).toBe(403);
    expect(
      (await request(serve.controlUrl, '/stats', { host: `localhost:${new URL(serve.controlUrl).port}` })).status,
    ).toBe(200);
  });

  it('--verify-proxy, token-protected backend: passes with the token in the environment, not without', async () => {
    const serve = await startServe(['--quiet', '--control-token', TOKEN]);
    running.push(serve);
    const args = [
      '--target',
      `127.0.0.1:${serve.port}`,
      '--conns',
      '20',
      '--duration',
      '500ms',
      '--warmup',
      '0s',
      '--proxy',
      'v2',
      '--proxy-src',
      '10.0.0.0/8',
      '--verify-proxy',
      serve.controlUrl,
      '--quiet',
    ];
    process.env.L4STRESS_CONTROL_TOKEN = TOKEN;
    try {
      const ok = await runForResult(dir, args);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.result.proxy.verify).toMatchObject({ ok: true, method: 'exact', sent: 20, matched: 20 });
    } finally {
      delete process.env.L4STRESS_CONTROL_TOKEN;
    }
    // Without the token the reset before the load is refused: stop there, exit 3, the cause on one line.
    const refused = await runCli(args);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(
      /^l4stress: --verify-proxy: the backend's control endpoint did not take the reset .*401/m,
    );
    expect(refused.stderr).toMatch(/hint: set L4STRESS_CONTROL_TOKEN/);
    expect(refused.stderr).not.toMatch(/connections|round trips/);
  });

  it('--verify-proxy at a closed control port: exit 3 before any load', async () => {
    const serve = await startServe(['--quiet']);
    running.push(serve);
    const port = await freePort();
    const closed = await runCli([
      '--target',
      `127.0.0.1:${serve.port}`,
      '--proxy',
      'v2',
      '--verify-proxy',
      `http://127.0.0.1:${port}`,
      '--duration',
      '500ms',
    ]);
    expect(closed.code, closed.stderr).toBe(3);
    expect(closed.stderr).toMatch(/--verify-proxy: .*cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});
