/**
 * Writes a session's PROXY header: builds it for the connection id (address pools depend on the id and the seed
 * only), with the first message in the same buffer when there is one, and records its size and build time.
 */
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ProxyHeaderWriter } from '../src/proxy/header.js';
import type { Endpoint, WorkerPlan } from '../src/worker-contract/plan.js';
import type { Wire } from './mode.js';
import type { Recorder } from './recorder.js';

/** Stands in for an endpoint the header does not use. */
const NO_ENDPOINT = { address: '0.0.0.0', port: 0 };

export class HeaderSender {
  private readonly headers: ProxyHeaderWriter;
  private readonly needsLocal: boolean;
  private readonly needsRemote: boolean;
  /** Targets given as an address: their own remote address, no getpeername needed. */
  private readonly addressTargets: Set<Endpoint>;

  constructor(
    private readonly plan: WorkerPlan,
    private readonly recorder: Recorder,
  ) {
    this.headers = new ProxyHeaderWriter(plan.proxy, plan.runSeed);
    const { src, dst } = plan.proxy;
    this.needsLocal = src.kind === 'socket' || (src.kind === 'fixed' && src.port === null);
    this.needsRemote = dst.kind === 'socket' || (dst.kind === 'fixed' && dst.port === null);
    this.addressTargets = new Set(plan.targets.filter((t) => isIP(t.host) !== 0));
  }

  /** Writes the header for connection `id`, followed by `first` in the same write. */
  send(id: number, socket: Wire, target: Endpoint, first: Buffer): void {
    const t = performance.now();
    // localAddress / remoteAddress are getsockname / getpeername system calls: ask only when the header claims the
    // socket's own endpoints (and a target given as an IP is its own remote address).
    const local = this.needsLocal ? { address: socket.localAddress ?? '', port: socket.localPort ?? 0 } : NO_ENDPOINT;
    const remote = !this.needsRemote
      ? NO_ENDPOINT
      : this.addressTargets.has(target)
        ? { address: target.host, port: target.port }
        : { address: socket.remoteAddress ?? target.host, port: socket.remotePort ?? target.port };
    const built = this.headers.build(id, local, remote, first);
    this.recorder.header(built.headerLength, performance.now() - t, built.claimedSource, this.plan.collectSources);
    socket.write(built.bytes);
  }
}
