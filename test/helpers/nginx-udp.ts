/**
 * nginx stream `listen ... udp` in front of a UDP backend, with `worker_connections` as a known flow limit: the
 * fixture of the UDP find and flow tests. What the limit is, exactly, in flows (client sessions):
 * - each client flow (a source address and port) is an nginx session, and a UDP session takes two of the worker's
 *   connections: the client side (ngx_event_recvmsg gives each new client address its own connection) and the
 *   upstream socket to the backend (ngx_event_connect_peer);
 * - every listening socket holds one connection of its own for as long as the worker runs: here two, the UDP
 *   listener and the TCP listener beside it that tells when nginx is up (startNginx waits on a TCP port);
 * so `worker_connections N` holds floor((N - 2) / 2) flows. Measured with nginx 1.22 (master_process off, one
 * worker): 64 -> 31, 65 -> 31, 66 -> 32 (test/integration/nginx-udp-flows.test.ts pins it). A datagram of a flow
 * past it finds no free connection: nginx drops it (its log: "N worker_connections are not enough") and the flow is
 * never answered: silent, not slow. As for TCP, where `worker_connections 4096` gave 2,047 sessions.
 *
 * `proxy_timeout` (the session's idle time, from either side) must outlast the ping interval, or a held flow's session
 * ends between pings and its next ping opens a new one. `proxy_responses` is left unset on purpose: with
 * `proxy_responses 1` nginx ends a session as soon as each datagram has its answer, so a flow holds a session only
 * while a ping is in flight and there is no flow table to fill (measured: 40 flows pinged one after another all
 * answered at `worker_connections 64`; pinged at once, the in-flight ones can still fill it); `proxyResponses` sets
 * it for the test that shows that.
 */
import { freePort, type RunningProcess, startNginx } from './processes.js';

/** The listening sockets the fixture's nginx holds a connection for: the UDP listener and the TCP ready one. */
export const NGINX_UDP_LISTENERS = 2;

/** Flows (client sessions) nginx holds at `worker_connections` in this fixture: two connections a session. */
export function nginxUdpFlowLimit(workerConnections: number): number {
  return Math.floor((workerConnections - NGINX_UDP_LISTENERS) / 2);
}

export interface NginxUdp {
  process: RunningProcess;
  /** nginx's UDP port, the target of the flows. */
  port: number;
  /** What `worker_connections` holds, in flows. */
  flowLimit: number;
}

export interface NginxUdpOptions {
  /** The UDP backend's port on 127.0.0.1 (serve --udp). */
  backend: number;
  workerConnections: number;
  /** Idle time after which nginx ends a session (default 10s: over any ping interval the tests use). */
  proxyTimeout?: string;
  /** `proxy_responses`: unset (default) keeps a session for as long as its flow is active. */
  proxyResponses?: number;
}

/** nginx 1.22 stream UDP proxy on a free port in front of `backend`, up when its TCP ready listener answers. */
export async function startNginxUdp(o: NginxUdpOptions): Promise<NginxUdp> {
  const port = await freePort();
  const ready = await freePort();
  const responses = o.proxyResponses === undefined ? '' : `proxy_responses ${o.proxyResponses};`;
  const process = await startNginx(
    `server {
  listen 127.0.0.1:${port} udp;
  proxy_pass 127.0.0.1:${o.backend};
  proxy_timeout ${o.proxyTimeout ?? '10s'};
  ${responses}
}
server { listen 127.0.0.1:${ready}; proxy_pass 127.0.0.1:${o.backend}; }`,
    ready,
    o.workerConnections,
  );
  return { process, port, flowLimit: nginxUdpFlowLimit(o.workerConnections) };
}
