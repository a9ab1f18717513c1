/**
 * TLS over every session against real TLS servers on loopback: the embedded target out of the box, `serve --tls`
 * with its own certificate, resumption, and handshake failures counted by kind (never thrown).
 */

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsErrorKind } from '../../src/instruments/errors.js';
import type { TargetStats } from '../../src/serve/stats.js';
import { tempDir } from '../helpers/cli.js';
import { certificateFiles, startServe } from '../helpers/processes.js';
import { runForResult } from '../helpers/schema.js';

const dir = tempDir();

const run = (args: string[]): ReturnType<typeof runForResult> => runForResult(dir, args);

describe('--tls against the embedded target', () => {
  it('works out of the box with PROXY v2: every session over TLS, handshake latency reported', async () => {
    const { code, stdout, result } = await run(['--conns', '100', '--tls', '--proxy', 'v2', '--duration', '1s']);
    expect(code).toBe(0);
    expect(result.connections.established).toBe(100);
    expect(result.tls).toMatchObject({ handshakes: 100, resumed: 0 });
    expect(result.latency.tlsHandshakeUs!.count).toBe(100);
    expect(result.target.stats!.tlsHandshakes).toBe(100);
    expect(result.target.stats!.headers['v2 PROXY TCP4']).toBe(100);
    expect(result.modeStats.integrity.bytesLostAtClose).toBe(0);
    expect(stdout).toMatch(/^tls handshake +100 /m);
  });

  it('churn counts full handshakes without --tls-resume and resumed ones with it', async () => {
    const base = ['--mode', 'connect', '--conns', '10', '--tls', '--duration', '1s', '--warmup', '200ms'];
    const full = await run(base);
    expect(full.code).toBe(0);
    // Every attempt is accounted for: established, failed or still handshaking at the stop (19 of 24 runs lost 1-4).
    for (let i = 0; i < 3; i++) {
      const c = (i === 0 ? full : await run(['--mode', 'connect', '-c', '5', '--tls', '-d', '1s'])).result.connections;
      expect(c.attempted).toBe(c.established + c.failed.total + c.abandonedAtStop!);
    }
    expect(full.result.tls!.resumed).toBe(0);
    expect(full.result.tls!.fullPerSecond).toBeGreaterThan(0);
    const resumed = await run([...base, '--tls-resume']);
    expect(resumed.code).toBe(0);
    // The first connection to each target has nothing to resume; nearly all the rest do.
    expect(resumed.result.tls!.resumed).toBeGreaterThan(0.8 * resumed.result.tls!.handshakes);
    expect(resumed.result.tls!.resumedPerSecond).toBeGreaterThan(0);
    expect(resumed.result.target.stats!.tlsResumed).toBe(resumed.result.tls!.resumed);
  });
});

describe('serve --tls as an external target', () => {
  let backend: Awaited<ReturnType<typeof startServe>>;
  const { cert, key } = certificateFiles('ingress.test');
  beforeAll(async () => {
    backend = await startServe(['--quiet', '--tls', '--cert', cert, '--key', key]);
  });
  afterAll(async () => {
    await backend.stop();
  });
  const target = (): string => `127.0.0.1:${backend.port}`;

  it('verifies against --tls-ca with --sni, and the server sees that SNI and the first ALPN offered', async () => {
    await fetch(`${backend.controlUrl}/reset`, { method: 'POST' });
    const { code, result } = await run([
      '--target',
      target(),
      '--conns',
      '5',
      '--duration',
      '500ms',
      '--tls',
      '--tls-ca',
      cert,
      '--sni',
      'ingress.test',
      '--alpn',
      'h2,http/1.1',
    ]);
    expect(code).toBe(0);
    expect(result.tls!.handshakes).toBe(5);
    const seen = (await (await fetch(`${backend.controlUrl}/stats`)).json()) as TargetStats;
    expect(seen.tlsSni).toEqual({ 'ingress.test': 5 });
    expect(seen.tlsAlpn).toEqual({ h2: 5 });
  });

  it('a certificate that does not verify is counted as TLS_CERTIFICATE per connection, exit 3, no throw', async () => {
    const { code, result } = await run(['--target', target(), '--conns', '5', '--duration', '500ms', '--tls']);
    expect(code).toBe(3);
    expect(result.connections.failed.byKind).toEqual({ TLS_CERTIFICATE: 5 });
  });

  it('a TLS version that cannot be negotiated (TLS 1.1 under OpenSSL 3) is TLS_PROTOCOL_VERSION', async () => {
    const { result } = await run([
      '--target',
      target(),
      '--conns',
      '3',
      '--duration',
      '300ms',
      '--tls',
      '--tls-insecure',
      '--tls-max',
      'TLSv1.1',
    ]);
    expect(Object.keys(result.connections.failed.byKind)).toEqual(['TLS_PROTOCOL_VERSION']);
  });
});

describe('a handshake that never completes', () => {
  it('is TLS_TIMEOUT after --connect-timeout, counted per connection', async () => {
    const mute = net.createServer((socket) => socket.pause());
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const port = (mute.address() as net.AddressInfo).port;
      const { code, result } = await run([
        '--target',
        `127.0.0.1:${port}`,
        '--conns',
        '3',
        '--duration',
        '300ms',
        '--tls',
        '--connect-timeout',
        '300ms',
        '--ramp-timeout',
        '5s',
      ]);
      expect(code).toBe(3);
      expect(result.connections.failed.byKind).toEqual({ TLS_TIMEOUT: 3 });
    } finally {
      mute.close();
    }
  });
});

describe('TLS error kinds', () => {
  it.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS_CERTIFICATE'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS_CERTIFICATE'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS_CERTIFICATE'],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'TLS_PROTOCOL_VERSION'],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'TLS_PROTOCOL_VERSION'],
    ['ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'TLS_PROTOCOL_VERSION'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'TLS_ALERT'],
    ['ECONNRESET', 'ECONNRESET'],
    ['ERR_SSL_SOMETHING_NEW', 'TLS_OTHER'],
  ])('%s is %s', (code, kind) => {
    expect(tlsErrorKind(code)).toBe(kind);
  });
});
