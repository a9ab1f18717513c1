/**
 * The target's control endpoint (`l4stress serve --control-port`): a small HTTP server so a generator elsewhere can
 * ask what this backend saw. GET /stats, GET /sources (the claimed-source tally), POST /reset.
 *
 * It can reset the window --verify-proxy reads, so it defends itself: it listens on --control-host (loopback unless
 * told), checks a bearer token when one is set (required beyond loopback), and refuses what a browser would send
 * on a web page's behalf: any request with an Origin header (cross-origin fetch, form posts) and any Host that is
 * not an IP address or localhost (DNS rebinding).
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { SourceTallyDoc } from '../proxy/source-tally.js';

/** What the endpoint asks of a target, TCP's (echo-server.ts) or UDP's (udp-server.ts): its figures as JSON. */
export interface ControlledTarget {
  stats(): object;
  sources(): SourceTallyDoc;
  reset(): void;
}

export async function startControlServer(
  server: ControlledTarget,
  host: string,
  port: number,
  token: string | null = null,
): Promise<{ port: number; close(): Promise<void> }> {
  const expected = token === null ? null : Buffer.from(`Bearer ${token}`);
  const control = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.origin !== undefined) return reply(403, { error: 'cross-origin requests are refused' });
    if (!hostIsAddress(req.headers.host)) return reply(403, { error: 'Host must be an IP address or localhost' });
    if (expected && !sameSecret(req.headers.authorization, expected))
      return reply(401, { error: 'a valid `Authorization: Bearer <token>` is required' });
    if (req.method === 'GET' && req.url === '/stats') reply(200, server.stats());
    else if (req.method === 'GET' && req.url === '/sources') reply(200, server.sources());
    else if (req.method === 'POST' && req.url === '/reset') {
      server.reset();
      reply(200, { reset: true });
    } else reply(404, { error: 'use GET /stats, GET /sources or POST /reset' });
  });
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(port, host, () => resolve());
  });
  return {
    port: (control.address() as { port: number }).port,
    close: () =>
      new Promise((resolve) => {
        control.closeAllConnections();
        control.close(() => resolve());
      }),
  };
}

/** `127.0.0.1:9001`, `[::1]:9001`, `localhost:9001`: a name other than localhost could be rebound to us. */
function hostIsAddress(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || net.isIP(name) !== 0;
}

function sameSecret(given: string | undefined, expected: Buffer): boolean {
  if (given === undefined) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}
