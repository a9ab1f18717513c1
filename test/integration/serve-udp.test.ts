/**
 * `l4stress serve --udp` as a user starts it (the built CLI) with a plain node:dgram client: echo exact, PROXY v2
 * DGRAM and SPP headers checked and stripped, a datagram without one or with a malformed one counted and never
 * answered, --service-time with a full queue dropping and counting, its stats on the control endpoint and at the
 * stop, and bad input (TCP-only options, sizes past a datagram's) refused in one line with exit 2.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildDatagramHeader, type DatagramHeaderSpec } from '../../src/proxy/datagram-header.js';
import { runCli } from '../helpers/cli.js';
import { client, serveUdp, stopUdp } from '../helpers/serve-udp.js';

afterEach(stopUdp);

const header = (kind: DatagramHeaderSpec['kind'], port: number) =>
  buildDatagramHeader({
    kind,
    command: 'proxy',
    source: { address: '203.0.113.9', port },
    destination: { address: '127.0.0.1', port: 53 },
    tlvs: [],
    seed: 1,
    flowId: 1,
  });

describe('serve --udp', () => {
  it('echoes each datagram exactly, up to the largest UDP payload, and says so at the stop', async () => {
    const serve = await serveUdp(['--proxy', 'none']);
    const c = await client(serve.port);
    const sent = [Buffer.from('one'), Buffer.alloc(1400, 7), Buffer.alloc(65_507, 9)];
    for (const b of sent) c.send(b);
    await c.until(() => c.got.length === sent.length);
    expect(c.got.map((b) => b.length).sort((a, b) => a - b)).toEqual([3, 1400, 65_507]);
    expect(Buffer.concat(c.got.sort((a, b) => a.length - b.length))).toEqual(Buffer.concat(sent));
    const s = await serve.stats();
    expect([s.datagramsIn, s.datagramsOut, s.headers.none]).toEqual([3, 3, 3]);
    const printed = await serve.stop();
    expect(printed).toMatch(/l4stress serve: stopped; \{"datagramsIn":3,/);
  });

  it('strips and checks v2 DGRAM and SPP headers; a missing or malformed one is counted, not answered', async () => {
    const serve = await serveUdp(['--proxy', 'require']);
    const c = await client(serve.port);
    c.send(Buffer.concat([header('v2', 4000), Buffer.from('via v2')]));
    c.send(Buffer.concat([header('spp', 4001), Buffer.from('via spp')]));
    await c.until(() => c.got.length === 2);
    expect(c.got.map(String).sort()).toEqual(['via spp', 'via v2']);
    const bad = Buffer.concat([header('v2', 4002), Buffer.from('stream?')]);
    bad[13] = 0x11; // TCP over IPv4: a stream header on a datagram
    c.send(bad);
    c.send(Buffer.from('no header at all'));
    c.send(Buffer.concat([header('v2', 4003), Buffer.from('after')]));
    await c.until(() => c.got.length === 3);
    await new Promise((r) => setTimeout(r, 100)); // nothing more may come back
    expect(c.got.map(String).sort()).toEqual(['after', 'via spp', 'via v2']);
    const s = await serve.stats();
    expect(s.headers).toMatchObject({ v2: 2, spp: 1 });
    expect(s.rejected).toEqual({ 'v2-not-dgram': 1, 'missing-header': 1 });
    expect([s.datagramsIn, s.datagramsOut, s.distinctSources]).toEqual([5, 3, 3]);
    // The claimed sources on the control endpoint, as --verify-proxy reads them; POST /reset starts a new window.
    const sources = (await (await fetch(`${serve.controlUrl}/sources`)).json()) as { counts: Record<string, number> };
    expect(sources.counts).toEqual({ '203.0.113.9:4000': 1, '203.0.113.9:4001': 1, '203.0.113.9:4003': 1 });
    expect((await fetch(`${serve.controlUrl}/reset`, { method: 'POST' })).status).toBe(200);
    expect((await serve.stats()).datagramsIn).toBe(0);
  });

  it('--service-time with a full --queue-limit drops and counts each datagram past it', async () => {
    const serve = await serveUdp(['--proxy', 'none', '--service-time', '20ms', '--queue-limit', '3']);
    const c = await client(serve.port);
    for (let i = 0; i < 40; i++) c.send(Buffer.from(`d${i}`));
    let s = await serve.stats();
    for (let i = 0; i < 100 && (s.datagramsIn < 40 || s.queued > 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
      s = await serve.stats();
    }
    await c.until(() => c.got.length === s.datagramsOut, 1000);
    const dropped = s.dropped['queue-full'] ?? 0;
    expect(s.datagramsIn).toBe(40);
    expect(dropped).toBeGreaterThan(30); // 40 at once: 3 wait, about 1 in service
    expect(dropped + s.datagramsOut).toBe(40);
    expect(c.got.length).toBe(s.datagramsOut);
    expect(s.peakQueued).toBe(3);
  });

  it.each([
    [['--tls'], /^l4stress: --tls: does not apply with --udp \(TCP only\)$/],
    [['--max-sessions', '10'], /^l4stress: --max-sessions: does not apply with --udp/],
    [['--mode', 'source', '--message-size', '65508'], /more than a UDP datagram carries \(at most 65,507\)/],
    [['--message-size', '512'], /--message-size: with --udp, goes with --mode source/],
    [['--queue-limit', '8'], /--queue-limit goes with --service-time/],
    [['--service-time', '1ms', '--queue-limit', '0'], /--queue-limit: 0 is out of range/],
    [['--rcvbuf', 'lots'], /--rcvbuf: 'lots' is not a size/],
  ])('refuses %j with --udp in one line, exit 2', async (args, message) => {
    const r = await runCli(['serve', '--udp', '--port', '0', ...args], { timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });

  it('refuses the UDP-only options without --udp', async () => {
    const r = await runCli(['serve', '--port', '0', '--sndbuf', '1MiB'], { timeoutMs: 15_000 });
    expect([r.code, r.stderr.trim()]).toEqual([2, 'l4stress: --sndbuf goes with --udp']);
  });
});
