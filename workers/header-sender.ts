/**
 * Writes a session's PROXY header: builds it for the connection id (address pools depend on the id and the seed
 * only), with the first message in the same buffer when there is one, and records its size and build time.
 *
 * Hot path (once per session, a ramp's every connect): on a bare handle the header is written into one reused
 * buffer, since a write the kernel takes at once keeps nothing; only a write left queued takes the buffer along, and
 * the next header gets a new one. The claimed source is spelled out only when --verify-proxy collects it.
 */
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ProxyHeaderWriter } from '../src/proxy/header.js';
import type { Endpoint, WorkerPlan } from '../src/worker-contract/plan.js';
import type { Wire } from './mode.js';
import type { Recorder } from './recorder.js';
import { TcpLink } from './tcp-link.js';

/** Stands in for an endpoint the header does not use. */
const NO_ENDPOINT = { address: '0.0.0.0', port: 0 };

export class HeaderSender {
  private readonly headers: ProxyHeaderWriter;
  private readonly needsLocal: boolean;
  private readonly needsRemote: boolean;
  /** Targets given as an address: their own remote address, no getpeername needed. */
  private readonly addressTargets: Map<Endpoint, { address: string; port: number }>;
  /** Header and first message are written here; `view` is its first `viewLength` bytes. */
  private scratch: Buffer | null = null;
  private view: Buffer | null = null;
  private viewLength = -1;

  constructor(
    private readonly plan: WorkerPlan,
    private readonly recorder: Recorder,
  ) {
    this.headers = new ProxyHeaderWriter(plan.proxy, plan.runSeed);
    const { src, dst } = plan.proxy;
    this.needsLocal = src.kind === 'socket' || (src.kind === 'fixed' && src.port === null);
    this.needsRemote = dst.kind === 'socket' || (dst.kind === 'fixed' && dst.port === null);
    this.addressTargets = new Map(
      plan.targets.filter((t) => isIP(t.host) !== 0).map((t) => [t, { address: t.host, port: t.port }]),
    );
  }

  /** Writes the header for connection `id`, followed by `first` in the same write. */
  send(id: number, socket: Wire, target: Endpoint, first: Buffer): void {
    const t = performance.now();
    const link = socket instanceof TcpLink ? socket : null;
    // getsockname / getpeername are system calls: ask only when the header claims the socket's own endpoints (and a
    // target given as an IP is its own remote address).
    const local = !this.needsLocal
      ? NO_ENDPOINT
      : link
        ? link.endpoint(false)
        : { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    const remote = !this.needsRemote
      ? NO_ENDPOINT
      : (this.addressTargets.get(target) ??
        (link
          ? link.endpoint(true)
          : { address: socket.remoteAddress ?? target.host, port: socket.remotePort ?? target.port }));
    const size = this.headers.maxHeaderBytes + first.length;
    let scratch = this.scratch;
    if (scratch === null || scratch.length < size) {
      scratch = Buffer.allocUnsafe(Math.max(size, 256));
      this.scratch = scratch;
      this.viewLength = -1;
    }
    const headerLength = this.headers.write(scratch, id, local, remote, first);
    const length = headerLength + first.length;
    if (length !== this.viewLength) {
      this.view = scratch.subarray(0, length);
      this.viewLength = length;
    }
    const claimed = this.plan.collectSources ? this.headers.claimedSource(id, local, remote) : null;
    this.recorder.header(headerLength, performance.now() - t, claimed, this.plan.collectSources);
    const view = this.view!;
    if (link === null) {
      socket.write(view);
      // A net.Socket may keep the bytes queued: the next header gets a buffer of its own.
      this.scratch = null;
    } else if (!link.write(view)) {
      // Left in libuv's queue (or not written at all): the write request holds these bytes now.
      this.scratch = null;
    }
  }
}
