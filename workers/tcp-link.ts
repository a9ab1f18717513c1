/**
 * A plain TCP session on a bare libuv handle, without net.Socket. A held net.Socket costs ~5 KiB of RSS and each
 * message passes its Readable/Writable machinery (a WriteWrap and a nextTick per write, a timer update per read);
 * a bare handle costs ~1.6 KiB and a write that the kernel takes at once allocates nothing (measured in
 * docs/performance.md). Reads land in the session's shared buffer; the session hears about connect, bytes, the
 * peer's FIN, drain and close through one hooks object shared by all its links, so a link holds no closures.
 *
 * The handle API is Node's own and not public (core/tcp-bindings.ts): when it is missing the session uses
 * net.Socket, as it always does for TLS and for targets given by name. Semantics follow net.Socket with
 * allowHalfOpen off: the peer's FIN is answered with ours, then the handle closes; errors are errno names
 * (ECONNREFUSED, ECONNRESET, ...).
 */
import { isIP } from 'node:net';
import {
  errnoName,
  type HandleRequest,
  shutdownHandle,
  type TcpBindings,
  type TcpHandle,
  UV_EOF,
  writeToHandle,
} from '../src/core/tcp-bindings.js';

/** What a link tells its session; one object per session, the connection passed along. */
export interface LinkHooks<C> {
  connected(owner: C): void;
  bytes(owner: C, nread: number): void;
  /** The peer sent FIN (our FIN follows). */
  ended(owner: C): void;
  /** Queued writes have all reached the kernel. */
  drained(owner: C): void;
  /** The handle is closed; `code` is the error that closed it, if any. */
  closed(owner: C, code: string | undefined): void;
}

/** The address family a link reaches `host` by: 4 or 6, or 0 for a name (net.Socket and its resolver take it). */
export const linkFamily = (host: string): number => isIP(host);

function onRead(this: TcpHandle): void {
  const link = this.owner as TcpLink<unknown>;
  const nread = link.b.state[link.b.readBytes];
  if (nread > 0) link.hooks.bytes(link.owner, nread);
  else if (nread === UV_EOF) link.peerEnded();
  else if (nread < 0) link.fail(errnoName(nread));
}

function onHandleClosed(this: TcpHandle): void {
  const link = this.owner as TcpLink<unknown>;
  link.hooks.closed(link.owner, link.error);
}

function onConnect(this: HandleRequest, status: number): void {
  const link = this.owner as TcpLink<unknown>;
  this.owner = null;
  link.connected(status);
}

function onWriteDone(this: HandleRequest, status: number): void {
  const link = this.owner as TcpLink<unknown>;
  this.owner = null;
  this.buffer = null;
  link.writeDone(status);
}

function onShutdown(this: HandleRequest, status: number): void {
  const link = this.owner as TcpLink<unknown>;
  this.owner = null;
  link.shutdownDone(status);
}

export class TcpLink<C> {
  private readonly handle: TcpHandle;
  private connecting = true;
  private finSent = false;
  private finDone = false;
  private eof = false;
  private closing = false;
  /** @internal the error that closed the link, read by the close callback. */
  error: string | undefined;

  constructor(
    readonly owner: C,
    readonly hooks: LinkHooks<C>,
    readonly b: TcpBindings,
    private readonly receiveBuffer: Buffer,
    host: string,
    port: number,
    v6: boolean,
    localAddress: string | undefined,
  ) {
    const handle = b.newSocket();
    this.handle = handle;
    handle.owner = this;
    handle.onread = onRead;
    let err = 0;
    if (localAddress !== undefined) err = v6 ? handle.bind6(localAddress, 0, 0) : handle.bind(localAddress, 0);
    if (err === 0) {
      const req = b.newConnect();
      req.oncomplete = onConnect;
      req.owner = this;
      err = v6 ? handle.connect6(req, host, port) : handle.connect(req, host, port);
    }
    // Like net.Socket, a connect that cannot start fails on a later tick, never inside the caller.
    if (err !== 0) process.nextTick(() => this.fail(errnoName(err)));
  }

  /** Bytes handed to libuv and not yet to the kernel (net.Socket's writableLength). */
  get writableLength(): number {
    return this.handle.writeQueueSize;
  }

  get localAddress(): string | undefined {
    return this.endpoint(false).address || undefined;
  }

  get localPort(): number | undefined {
    return this.endpoint(false).port || undefined;
  }

  get remoteAddress(): string | undefined {
    return this.endpoint(true).address || undefined;
  }

  get remotePort(): number | undefined {
    return this.endpoint(true).port || undefined;
  }

  /**
   * The socket's own (getsockname) or the peer's (getpeername) address and port in one system call, as the object
   * the binding fills: what a PROXY header is built from. Empty ('' and 0) once closing.
   */
  endpoint(peer: boolean): { address: string; port: number } {
    const out = { address: '', port: 0 };
    if (!this.closing) {
      if (peer) this.handle.getpeername(out);
      else this.handle.getsockname(out);
    }
    return out;
  }

  /** Writes `data`; false when some of it waits in libuv's queue ('drained' follows). */
  write(data: Buffer): boolean {
    if (this.closing || this.finSent || this.connecting) return false;
    const written = writeToHandle(this.b, this.handle, data, this, onWriteDone);
    if (written < 0) this.fail(errnoName(written));
    return written === 0;
  }

  /** FIN after what is queued; the handle closes once the peer's FIN is in too. */
  end(): void {
    if (this.closing || this.finSent) return;
    if (this.connecting) {
      this.destroy();
      return;
    }
    this.finSent = true;
    const err = shutdownHandle(this.b, this.handle, this, onShutdown);
    if (err !== 0) this.fail(errnoName(err));
  }

  destroy(): void {
    if (this.closing) return;
    this.closing = true;
    this.handle.readStop();
    this.handle.close(onHandleClosed);
  }

  /** Closes with RST (SO_LINGER 0): what is unsent is discarded. */
  resetAndDestroy(): void {
    if (this.closing) return;
    if (this.connecting) {
      this.destroy();
      return;
    }
    this.closing = true;
    this.handle.readStop();
    if (this.handle.reset(onHandleClosed) !== 0) this.handle.close(onHandleClosed);
  }

  /** The connect did not finish in time (the session's sweep decides). */
  timedOut(): void {
    if (this.connecting) this.fail('ETIMEDOUT');
  }

  get isConnecting(): boolean {
    return this.connecting && !this.closing;
  }

  /** @internal from the handle callbacks below. */
  connected(status: number): void {
    if (this.closing) return;
    if (status !== 0) {
      this.fail(errnoName(status));
      return;
    }
    this.connecting = false;
    this.handle.setNoDelay(true);
    // The shared buffer is attached once connected, as the target does for accepted handles: a raw client that
    // attached it before connecting aborted with heap corruption in 2 of 12 runs (after connecting: 0 of 12).
    this.handle.useUserBuffer(this.receiveBuffer);
    const err = this.handle.readStart();
    if (err !== 0) {
      this.fail(errnoName(err));
      return;
    }
    this.hooks.connected(this.owner);
  }

  /** @internal */
  peerEnded(): void {
    if (this.eof) return;
    this.eof = true;
    this.hooks.ended(this.owner);
    if (this.finDone) this.destroy();
    else this.end();
  }

  /** @internal */
  writeDone(status: number): void {
    if (status < 0) this.fail(errnoName(status));
    else if (!this.closing && this.handle.writeQueueSize === 0) this.hooks.drained(this.owner);
  }

  /** @internal */
  shutdownDone(status: number): void {
    this.finDone = true;
    if (status < 0) this.fail(errnoName(status));
    else if (this.eof) this.destroy();
  }

  /** @internal */
  fail(code: string): void {
    // After the peer's FIN, our own shutdown or write failing (ENOTCONN, EPIPE) is the echo of that close, not its
    // cause: the drop stays an EOF (nginx at worker_connections once showed 1,195 drops as OTHER this way).
    if (!(this.eof && (code === 'ENOTCONN' || code === 'EPIPE'))) this.error ??= code;
    this.destroy();
  }
}
