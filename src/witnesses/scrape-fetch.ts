/**
 * One GET of an exporter's metrics within core/scrape-bounds.ts: node:http(s) rather than fetch, because fetch
 * refuses the ports browsers block (6000, 6665-6669, 10080, ...) and URLs with credentials, and reads a body whole.
 * Here the body streams into the caller's reader chunk by chunk; past the byte bound or the deadline the socket is
 * destroyed, so an endless or slow body costs one chunk of memory and at most the deadline. `user:pass@` in the URL
 * is sent as HTTP Basic authentication (as Prometheus does) and never echoed. No redirect is followed.
 */
import http from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { SCRAPE_BOUNDS, ScrapeBoundError } from '../core/scrape-bounds.js';

const ACCEPT = 'application/openmetrics-text;version=1.0.0, text/plain;version=0.0.4;q=0.5';

/**
 * Fetches `url`, feeding the decoded body to `onText`; resolves when the body ended, rejects on any failure (and
 * with `signal`'s reason when it aborts: the run is over).
 */
export function scrapeUrl(url: URL, onText: (text: string) => void, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { accept: ACCEPT, 'accept-encoding': 'identity' };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve();
    };
    const req = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers,
        // One connection per scrape: a body cut at a bound leaves no half-read socket in a shared pool.
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          finish(new Error(`HTTP ${status}`));
          return;
        }
        const decoder = new StringDecoder('utf8');
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          bytes += chunk.length;
          if (bytes > SCRAPE_BOUNDS.bodyBytes) {
            finish(new ScrapeBoundError('bodyBytes'));
            return;
          }
          try {
            onText(decoder.write(chunk));
          } catch (err) {
            finish(err as Error);
            return;
          }
          // One chunk at a time, then the event loop's turn: a fast body must not hold off the second's tick.
          res.pause();
          setImmediate(() => settled || res.resume());
        });
        res.on('end', () => {
          if (settled) return;
          try {
            onText(decoder.end());
            finish();
          } catch (err) {
            finish(err as Error);
          }
        });
        res.on('error', (err) => finish(err));
        // Closed before its end (after 'end' this is a no-op): a body cut short is no scrape.
        res.on('close', () => finish(new Error('the exporter closed the body early')));
      },
    );
    const timer = setTimeout(() => finish(new ScrapeBoundError('timeMs')), SCRAPE_BOUNDS.timeMs);
    const onAbort = (): void => finish(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal.removeEventListener('abort', onAbort));
    req.on('error', (err) => finish(err));
    req.end();
  });
}

/** Why a request failed, in a word: the socket's code (ECONNREFUSED), else the message. */
export function scrapeErrorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}
