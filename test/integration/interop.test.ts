import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import type { TargetStats } from '../../src/serve/stats.js';
import { tempDir } from '../helpers/cli.js';
import {
  certificateFiles,
  freePort,
  HAPROXY_BASE,
  type RunningProcess,
  startHaproxy,
  startNginx,
  startServe,
} from '../helpers/processes.js';
import { runForResult } from '../helpers/schema.js';

const dir = tempDir();
let running: RunningProcess[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop()));
  running = [];
});
const stats = async (url: string): Promise<TargetStats> => (await (await fetch(`${url}/stats`)).json()) as TargetStats;

const load = (args: string[]): ReturnType<typeof runForResult> => runForResult(dir, [...args, '--quiet']);

/** 200 sessions, PROXY v2 from a pool, TLS to `ingress.test` verified with `ca`, sources checked at `backend`. */
const loadTls = (front: number, ca: string, backend: string): ReturnType<typeof runForResult> =>
  load([
    '--target',
    `127.0.0.1:${front}`,
    '--conns',
    '200',
    '--proxy',
    'v2',
    '--tls',
    '--tls-ca',
    ca,
    '--sni',
    'ingress.test',
    '--proxy-src',
    '10.0.0.0/8',
    '--verify-proxy',
    backend,
    '--duration',
    '2s',
  ]);

/** Exit 0, every connection established, nothing lost, addresses verified at the backend when asked. */
function expectClean(r: { code: number | null; stderr: string; result: RunResult }, conns: number): void {
  expect(r.code, `${r.stderr}\n${r.result.warnings.join('\n')}`).toBe(0);
  expect(r.result.connections.established).toBe(conns);
  expect(r.result.connections.failed.total + r.result.connections.dropped.total).toBe(0);
  expect(r.result.modeStats.integrity.bytesLostAtClose).toBe(0);
  if (r.result.proxy.verify) expect(r.result.proxy.verify).toMatchObject({ ok: true, missing: 0, unexpected: 0 });
}

describe('nginx stream', () => {
  it('PROXY in front and to the backend, default proxy_half_close: 3 runs, exit 0, zero bytes lost', async () => {
    const backend = await startServe(['--quiet']);
    running.push(backend);
    const front = await freePort();
    running.push(
      await startNginx(
        `log_format pp '$proxy_protocol_addr:$proxy_protocol_port';
server {
  listen 127.0.0.1:${front} proxy_protocol;
  set_real_ip_from 127.0.0.1;
  proxy_pass 127.0.0.1:${backend.port};
  proxy_protocol on;
  access_log $LOG pp;
}`,
        front,
      ),
    );
    for (let i = 0; i < 3; i++) {
      const r = await load([
        '--target',
        `127.0.0.1:${front}`,
        '--conns',
        '200',
        '--proxy',
        'v2',
        '--duration',
        '3s',
        '--proxy-src',
        '10.0.0.0/8',
        '--verify-proxy',
        backend.controlUrl,
      ]);
      expectClean(r, 200);
      expect(r.result.proxy.verify!.matched).toBe(200);
    }
    // nginx's log: one line per session, each the source the header claimed (distinct by construction).
    const logged = running[1].lines();
    expect(logged).toHaveLength(600);
    expect(new Set(logged).size).toBe(600);
    expect(logged.every((l) => l.startsWith('10.'))).toBe(true);
  });

  it('TLS terminated at nginx (listen ssl proxy_protocol): SNI and sources as l4stress sent them', async () => {
    const backend = await startServe(['--quiet']);
    running.push(backend);
    const front = await freePort();
    const { cert, key } = certificateFiles('ingress.test');
    const nginx = await startNginx(
      `log_format tls '$proxy_protocol_addr:$proxy_protocol_port $ssl_server_name $ssl_protocol';
server {
  listen 127.0.0.1:${front} ssl proxy_protocol;
  ssl_certificate ${cert};
  ssl_certificate_key ${key};
  set_real_ip_from 127.0.0.1;
  proxy_pass 127.0.0.1:${backend.port};
  proxy_protocol on;
  access_log $LOG tls;
}`,
      front,
    );
    running.push(nginx);
    const r = await loadTls(front, cert, backend.controlUrl);
    expectClean(r, 200);
    expect(r.result.tls!.handshakes).toBe(200);
    const logged = nginx.lines();
    expect(logged).toHaveLength(200);
    // nginx 1.22 offers TLS 1.2 at most by default (ssl_protocols gained TLSv1.3 in 1.23.4).
    expect(logged.filter((l) => !/^10\.[\d.]+:\d+ ingress\.test TLSv1\.2$/.test(l))).toEqual([]);
    expect(new Set(logged.map((l) => l.split(' ')[0])).size).toBe(200);
  });

  it(
    'TLS passed through by SNI (ssl_preread) to serve --tls: each name reaches its backend, nginx logs ' + 'it',
    async () => {
      const a = certificateFiles('a.test');
      const backendA = await startServe(['--quiet', '--tls', '--cert', a.cert, '--key', a.key]);
      const backendB = await startServe(['--quiet']);
      running.push(backendA, backendB);
      const front = await freePort();
      const nginx = await startNginx(
        `map $ssl_preread_server_name $upstream {
  a.test 127.0.0.1:${backendA.port};
  default 127.0.0.1:${backendB.port};
}
log_format sni '$ssl_preread_server_name $upstream';
server {
  listen 127.0.0.1:${front} proxy_protocol;
  ssl_preread on;
  set_real_ip_from 127.0.0.1;
  proxy_pass $upstream;
  proxy_protocol on;
  access_log $LOG sni;
}`,
        front,
      );
      running.push(nginx);
      const r = await load([
        '--target',
        `127.0.0.1:${front}`,
        '--conns',
        '100',
        '--proxy',
        'v2',
        '--tls',
        '--tls-ca',
        a.cert,
        '--sni',
        'a.test',
        '--proxy-src',
        '10.0.0.0/8',
        '--verify-proxy',
        backendA.controlUrl,
        '--duration',
        '2s',
      ]);
      expectClean(r, 100);
      const seen = await stats(backendA.controlUrl);
      expect(seen.tlsSni).toEqual({ 'a.test': 100 });
      expect(seen.tlsHandshakes).toBe(100);
      expect((await stats(backendB.controlUrl)).accepted).toBe(0);
      expect(nginx.lines()).toEqual(Array(100).fill(`a.test 127.0.0.1:${backendA.port}`));
    },
  );
});

describe('nginx at its worker_connections limit', () => {
  it('closes held sessions: drops of their real kind (EOF), blamed on the target, never the generator', async () => {
    const backend = await startServe(['--quiet']);
    running.push(backend);
    const front = await freePort();
    // 256 connections, two per proxied session (client and upstream): room for about 127 sessions.
    const nginx = await startNginx(
      `server { listen 127.0.0.1:${front}; proxy_pass 127.0.0.1:${backend.port}; }`,
      front,
      256,
    );
    running.push(nginx);
    const { code, result } = await runForResult(dir, [
      ...['--target', `127.0.0.1:${front}`, '--mode', 'hold', '-c', '400', '-d', '1s', '--warmup', '500ms'],
      ...['--watch-pid', String(nginx.child.pid)],
    ]);
    expect(code).toBe(4);
    const dropped = result.connections.dropped;
    expect(dropped.total).toBeGreaterThan(200);
    expect(dropped.byKind.OTHER ?? 0).toBe(0);
    expect(dropped.byKind.EOF ?? 0).toBeGreaterThan(0);
    const warnings = result.warnings.join('\n');
    // The kinds are listed as they first happened: nginx may reset a few before it closes the rest.
    expect(warnings).toMatch(
      /the target ended [\d,]+ established sessions \(.*closed \(EOF\) \d+.*: the target's doing/,
    );
    expect(warnings).not.toMatch(/could not keep the schedule/);
    expect(result.modeStats.openLoop).toMatchObject({ missed: 0, generatorBehind: false });
    // Seen from nginx's side too: its process sampled, with what the sessions it kept cost it, and the kernel's
    // counters in the result (their values are the whole namespace's: kernel.test.ts proves them in one of its own).
    const watched = result.resources.watched.find((w) => w.pid === nginx.child.pid);
    expect(watched?.name).toBe('nginx');
    expect(typeof watched?.cost?.rssPerSessionBytes).toBe('number');
    expect(result.kernel?.counters).toBeTruthy();
  });
});

describe('HAProxy', () => {
  it(
    'TLS terminated at HAProxy (bind accept-proxy ssl crt) with send-proxy-v2 behind: SNI and sources ' + 'agree',
    async () => {
      const backend = await startServe(['--quiet']);
      running.push(backend);
      const front = await freePort();
      const { cert, pem } = certificateFiles('ingress.test');
      const haproxy = await startHaproxy(
        `${HAPROXY_BASE}
frontend fe
  bind 127.0.0.1:${front} accept-proxy ssl crt ${pem}
  log-format "%ci:%cp %[ssl_fc_sni] %[ssl_fc_protocol]"
  default_backend be

backend be
  server s1 127.0.0.1:${backend.port} send-proxy-v2
`,
        front,
      );
      running.push(haproxy);
      const r = await loadTls(front, cert, backend.controlUrl);
      expectClean(r, 200);
      const logged = haproxy.lines();
      expect(logged).toHaveLength(200);
      expect(logged.every((l) => /^10\.[\d.]+:\d+ ingress\.test TLSv1\.3$/.test(l))).toBe(true);
      expect(new Set(logged.map((l) => l.split(' ')[0])).size).toBe(200);
    },
  );
});
