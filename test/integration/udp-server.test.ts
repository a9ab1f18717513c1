/**
 * The UDP target on loopback with a plain node:dgram client: echo exact (udp4 and udp6), sink and source, PROXY v2
 * and SPP headers checked and stripped before the echo, refusals counted and never answered (and the target still
 * serving after them), the bounded service queue dropping and counting when full, socket buffer sizes as asked.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDatagramHeader, type DatagramHeaderSpec } from '../../src/proxy/datagram-header.js';
import { parseTlvOption } from '../../src/proxy/tlv.js';
import {
  startUdpServer,
  UDP_SERVER_DEFAULTS,
  type UdpServer,
  type UdpServerOptions,
} from '../../src/serve/udp-server.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function serve(over: Partial<UdpServerOptions>): Promise<UdpServer> {
  const server = await startUdpServer({ ...UDP_SERVER_DEFAULTS, host: '127.0.0.1', port: 0, ...over });
  open.push(server);
  return server;
}

/** A connected client that keeps what comes back. */
async function client(server: UdpServer) {
  const socket = dgram.createSocket(server.address.family);
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.connect(server.address.port, server.address.host, r));
  open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
  const until = async (check: () => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  };
  return { socket, got, until, send: (b: Buffer) => socket.send(b) };
}

const header = (over: Partial<DatagramHeaderSpec>) =>
  buildDatagramHeader({
    kind: 'v2',
    command: 'proxy',
    source: { address: '203.0.113.9', port: 4000 },
    destination: { address: '127.0.0.1', port: 53 },
    tlvs: [],
    seed: 1,
    flowId: 1,
    ...over,
  });

describe('UDP target', () => {
  it.each(['127.0.0.1', '::1'])('echoes each datagram exactly (%s)', async (host) => {
    const server = await serve({ host });
    const c = await client(server);
    const sent = [Buffer.from('a'), Buffer.alloc(1400, 7), Buffer.from('hello, flow'), Buffer.alloc(0)];
    for (const b of sent) c.send(b);
    await c.until(() => c.got.length === sent.length);
    expect(c.got.map((b) => b.toString('hex')).sort()).toEqual(sent.map((b) => b.toString('hex')).sort());
    expect(server.stats()).toMatchObject({ datagramsIn: 4, datagramsOut: 4, bytesIn: 1412, distinctPeers: 1 });
    expect(server.stats().headers.none).toBe(4);
  });

  it('strips PROXY v2 and SPP headers before the echo, counting kinds, CRCs and claimed sources', async () => {
    const server = await serve({ proxy: 'require' });
    const c = await client(server);
    const v2 = header({ tlvs: [parseTlvOption('crc32c')] });
    const spp = header({ kind: 'spp', source: { address: '2001:db8::5', port: 9 } });
    c.send(Buffer.concat([v2, Buffer.from('one')]));
    c.send(Buffer.concat([spp, Buffer.from('two')]));
    c.send(Buffer.concat([header({ command: 'local' }), Buffer.from('health')]));
    await c.until(() => c.got.length === 3);
    expect(c.got.map(String).sort()).toEqual(['health', 'one', 'two']);
    expect(server.stats()).toMatchObject({
      headers: { v2: 2, spp: 1, none: 0 },
      crcVerified: 1,
      local: 1,
      distinctSources: 2,
      rejected: {},
    });
    // Each claimed source once, in the generator's form, for --verify-proxy (proxy/verify.ts).
    expect(server.sources().counts).toEqual({ '203.0.113.9:4000': 1, '[2001:db8::5]:9': 1 });
  });

  it('counts malformed headers and missing ones by reason, answers none of them, and serves on', async () => {
    const server = await serve({ proxy: 'require' });
    const c = await client(server);
    const bad = Buffer.concat([header({ tlvs: [parseTlvOption('crc32c')] }), Buffer.from('x')]);
    bad[34] ^= 1; // the CRC value's last byte (16 fixed + 12 addresses + 3 + 4)
    c.send(bad);
    c.send(header({}).subarray(0, 20));
    c.send(header({ kind: 'spp' }).subarray(0, 30));
    c.send(Buffer.from('no header'));
    c.send(Buffer.concat([header({}), Buffer.from('good')]));
    await c.until(() => server.stats().datagramsIn === 5 && c.got.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.got.map(String)).toEqual(['good']);
    expect(server.stats().rejected).toEqual({
      'v2-bad-crc': 1,
      'v2-truncated': 1,
      'spp-truncated': 1,
      'missing-header': 1,
    });
  });

  it('accept: a datagram without a header is all payload; none: a header is payload too', async () => {
    const accepting = await serve({ proxy: 'accept' });
    const a = await client(accepting);
    a.send(Buffer.from('plain'));
    a.send(Buffer.concat([header({ kind: 'spp' }), Buffer.from('spp')]));
    await a.until(() => a.got.length === 2);
    expect(a.got.map(String).sort()).toEqual(['plain', 'spp']);
    const blind = await serve({ proxy: 'none' });
    const b = await client(blind);
    const withHeader = Buffer.concat([header({}), Buffer.from('x')]);
    b.send(withHeader);
    await b.until(() => b.got.length === 1);
    expect(b.got[0].equals(withHeader)).toBe(true);
  });

  it('sink answers nothing; source answers each datagram with its count of datagrams of its size', async () => {
    const sink = await serve({ mode: 'sink' });
    const s = await client(sink);
    for (let i = 0; i < 10; i++) s.send(Buffer.alloc(100));
    await s.until(() => sink.stats().datagramsIn === 10);
    await new Promise((r) => setTimeout(r, 50));
    expect([s.got.length, sink.stats().bytesIn, sink.stats().datagramsOut]).toEqual([0, 1000, 0]);
    const source = await serve({ mode: 'source', sourceCount: 3, sourceBytes: 512 });
    const d = await client(source);
    d.send(Buffer.from('go'));
    d.send(Buffer.from('go'));
    await d.until(() => d.got.length === 6);
    expect(d.got.map((b) => b.length)).toEqual([512, 512, 512, 512, 512, 512]);
    expect(source.stats()).toMatchObject({ datagramsIn: 2, datagramsOut: 6, bytesOut: 3072 });
  });

  it('a full service queue drops and counts; what it kept is answered, at the service rate', async () => {
    const server = await serve({ serviceTimeUs: 5000, queueLimit: 5 });
    const c = await client(server);
    const started = performance.now();
    for (let i = 0; i < 50; i++) c.send(Buffer.from(`m${i}`));
    await c.until(() => server.stats().datagramsIn === 50);
    await c.until(() => server.stats().queued === 0);
    await new Promise((r) => setTimeout(r, 30));
    const stats = server.stats();
    const dropped = stats.dropped['queue-full'] ?? 0;
    expect(stats.peakQueued).toBe(5);
    expect(dropped).toBeGreaterThan(0);
    expect(c.got.length + dropped).toBe(50);
    expect(stats.datagramsOut).toBe(c.got.length);
    // Each kept datagram took its 5 ms turn: never sooner.
    expect(performance.now() - started).toBeGreaterThanOrEqual(c.got.length * 5 - 1);
  });

  it('sets the socket buffers asked for (the kernel grants at least that, up to its caps)', async () => {
    const server = await serve({ recvBufferBytes: 65_536, sendBufferBytes: 32_768 });
    const { recvBufferBytes, sendBufferBytes } = server.stats();
    expect(recvBufferBytes).toBeGreaterThanOrEqual(65_536);
    expect(sendBufferBytes).toBeGreaterThanOrEqual(32_768);
    const small = await serve({ recvBufferBytes: 4096 });
    expect(small.stats().recvBufferBytes).toBeLessThan(recvBufferBytes);
  });

  it('a port already bound is refused at start, as an error, not a hang', async () => {
    const taken = await serve({});
    await expect(serve({ port: taken.address.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('reset starts a fresh window', async () => {
    const server = await serve({});
    const c = await client(server);
    c.send(Buffer.from('x'));
    await c.until(() => c.got.length === 1);
    server.reset();
    expect(server.stats()).toMatchObject({ datagramsIn: 0, distinctPeers: 0, headers: { none: 0 } });
  });
});
