/**
 * The target's control endpoint (`l4stress serve --control-port`): a small HTTP server so a generator elsewhere can
 * ask what this backend saw. GET /stats, GET /sources (claimed source -> count), POST /reset. Loopback by default:
 * it is for the test bench, not the internet.
 */
import http from 'node:http';
import type { EchoServer } from './echo-server.js';

export async function startControlServer(
  server: EchoServer,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const control = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/stats') reply(200, server.stats());
    else if (req.method === 'GET' && req.url === '/sources') reply(200, { sources: server.sources() });
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
