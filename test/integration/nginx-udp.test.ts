/**
 * serve --udp behind real nginx stream `listen ... udp` (nginx 1.22, Debian's stream module): plain datagrams from
 * several client flows proxied and echoed exactly, each flow its own nginx session and so its own peer at the
 * target. And what nginx's `proxy_protocol on` does over UDP, pinned: nginx writes no PROXY v2 DGRAM header, it
 * prepends its v1 text header (claiming TCP4) to a session's datagrams, which serve --udp --proxy require refuses
 * as `missing-header`, counted and never answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, type RunningProcess, startNginx } from '../helpers/processes.js';
import { client, serveUdp, stopUdp } from '../helpers/serve-udp.js';

let nginx: RunningProcess | null = null;
afterEach(async () => {
  await nginx?.stop();
  nginx = null;
  await stopUdp();
});

/** nginx in front of `backend` on UDP port `front`; a TCP listener beside it tells when nginx is up. */
async function nginxUdp(front: number, backend: number, extra: string): Promise<void> {
  const ready = await freePort();
  nginx = await startNginx(
    `server {
  listen 127.0.0.1:${front} udp;
  proxy_pass 127.0.0.1:${backend};
  proxy_timeout 5s;
  ${extra}
}
server { listen 127.0.0.1:${ready}; proxy_pass 127.0.0.1:${backend}; }`,
    ready,
  );
}

describe('serve --udp behind nginx stream udp', () => {
  it('plain datagrams from 5 flows: each echoed exactly through nginx, each flow its own peer', async () => {
    const serve = await serveUdp(['--proxy', 'none']);
    const front = await freePort();
    await nginxUdp(front, serve.port, '');
    const flows = await Promise.all(Array.from({ length: 5 }, () => client(front)));
    const sent = flows.map((_, f) => Array.from({ length: 20 }, (_, i) => Buffer.from(`flow ${f} datagram ${i}`)));
    // Paced a little: a burst of 100 on a loaded 2-core machine could overflow a buffer and test that instead.
    for (let i = 0; i < 20; i++) {
      for (const [f, c] of flows.entries()) c.send(sent[f][i]);
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const c of flows) await c.until(() => c.got.length === 20);
    flows.forEach((c, f) => {
      expect(c.got.map(String).sort()).toEqual(sent[f].map(String).sort());
    });
    const s = await serve.stats();
    expect([s.datagramsIn, s.datagramsOut, s.headers.none, s.distinctPeers]).toEqual([100, 100, 100, 5]);
  });

  it('proxy_protocol on sends v1 text (TCP4), not v2 DGRAM: --proxy require refuses and counts it', async () => {
    const serve = await serveUdp(['--proxy', 'require']);
    const front = await freePort();
    await nginxUdp(front, serve.port, 'proxy_protocol on;');
    const c = await client(front);
    c.send(Buffer.from('first'));
    let s = await serve.stats();
    for (let i = 0; i < 100 && s.datagramsIn === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await serve.stats();
    }
    expect(s.datagramsIn).toBe(1);
    expect(s.bytesIn).toBeGreaterThan('PROXY TCP4 '.length + 'first'.length);
    expect(s.rejected).toEqual({ 'missing-header': 1 });
    expect([s.headers.v2, s.headers.spp, s.datagramsOut]).toEqual([0, 0, 0]);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.got).toEqual([]);
  });
});
