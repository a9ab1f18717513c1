/**
 * Node's own TCP handle bindings (`process.binding('tcp_wrap' | 'stream_wrap')`): sockets and listeners without
 * net.Socket's streams, for the generator's sessions (workers/tcp-link.ts) and the embedded target
 * (serve/handle-server.ts). Not a public API: tcpBindings() is null when it is missing or not as expected, and
 * both callers then use node:net. Errors are libuv status codes; errnoName turns them into ECONNRESET and the like.
 */
import { getSystemErrorName } from 'node:util';

/** libuv's UV_EOF, the same on every platform. */
export const UV_EOF = -4095;

export const errnoName = (status: number): string => (status === UV_EOF ? 'EOF' : getSystemErrorName(status));

/** A connect, write or shutdown request; `owner` is the caller's, for the completion callback. */
export interface HandleRequest {
  oncomplete: (this: HandleRequest, status: number) => void;
  owner: unknown;
  handle?: unknown;
  buffer?: Buffer | null;
}

export interface TcpHandle {
  /** The caller's object for this handle (callbacks get the handle as `this`). */
  owner: unknown;
  /** Bytes (or EOF, or an error) in streamBaseState[readBytes]; the data is in the user buffer. */
  onread: (this: TcpHandle) => void;
  /** A listener's accepted connection. */
  onconnection: (this: TcpHandle, status: number, client?: TcpHandle) => void;
  readonly writeQueueSize: number;
  useUserBuffer(buffer: Buffer): void;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  connect(req: HandleRequest, address: string, port: number): number;
  connect6(req: HandleRequest, address: string, port: number): number;
  setNoDelay(on: boolean): number;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: HandleRequest, data: Buffer): number;
  shutdown(req: HandleRequest): number;
  reset(callback: (this: TcpHandle) => void): number;
  close(callback?: (this: TcpHandle) => void): void;
  getsockname(out: { address?: string; port?: number }): number;
  getpeername(out: { address?: string; port?: number }): number;
}

export interface TcpBindings {
  newSocket(): TcpHandle;
  newServer(): TcpHandle;
  newConnect(): HandleRequest;
  newWrite(): HandleRequest;
  newShutdown(): HandleRequest;
  /** streamBaseState: after a read, [readBytes] is nread; after a write, [lastWriteAsync] says it was queued. */
  state: Int32Array;
  readBytes: number;
  lastWriteAsync: number;
}

/** The request for writes the kernel takes at once, shared by every handle of this thread: nothing holds it after. */
let spareWrite: HandleRequest | null = null;

/**
 * Writes `data` to `handle`: 0 when the kernel took all of it (nothing allocated), 1 when the rest waits in libuv's
 * queue (the request keeps `data` alive and runs `oncomplete` with `owner` once written), or a negative libuv status.
 */
export function writeToHandle(
  b: TcpBindings,
  handle: TcpHandle,
  data: Buffer,
  owner: unknown,
  oncomplete: (this: HandleRequest, status: number) => void,
): number {
  const req = spareWrite ?? b.newWrite();
  spareWrite = req;
  const err = handle.writeBuffer(req, data);
  if (err !== 0) return err;
  if (b.state[b.lastWriteAsync] === 0) return 0;
  req.oncomplete = oncomplete;
  req.owner = owner;
  req.buffer = data;
  spareWrite = null;
  return 1;
}

/** FIN after what is queued on `handle`; `oncomplete` runs with `owner` once sent. 0, or a negative libuv status. */
export function shutdownHandle(
  b: TcpBindings,
  handle: TcpHandle,
  owner: unknown,
  oncomplete: (this: HandleRequest, status: number) => void,
): number {
  const req = b.newShutdown();
  req.oncomplete = oncomplete;
  req.owner = owner;
  req.handle = handle;
  return handle.shutdown(req);
}

const METHODS = ['useUserBuffer', 'writeBuffer', 'shutdown', 'reset', 'readStart', 'connect6', 'bind6', 'listen'];

let cached: TcpBindings | null | undefined;

/** The bindings, or null when this Node does not offer them as expected. */
export function tcpBindings(): TcpBindings | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = binding('tcp_wrap') as {
      TCP: new (type: number) => TcpHandle;
      TCPConnectWrap: new () => HandleRequest;
      constants: { SOCKET: number; SERVER: number };
    };
    const stream = binding('stream_wrap') as {
      WriteWrap: new () => HandleRequest;
      ShutdownWrap: new () => HandleRequest;
      streamBaseState: Int32Array;
      kReadBytesOrError: number;
      kLastWriteWasAsync: number;
    };
    const probe = new tcp.TCP(tcp.constants.SOCKET);
    const complete = METHODS.every((m) => typeof (probe as unknown as Record<string, unknown>)[m] === 'function');
    probe.close();
    const slots = [stream.kReadBytesOrError, stream.kLastWriteWasAsync];
    if (!complete || !(stream.streamBaseState instanceof Int32Array) || tcp.constants.SERVER === undefined) return null;
    if (!slots.every((k) => Number.isInteger(k))) return null;
    cached = {
      newSocket: () => new tcp.TCP(tcp.constants.SOCKET),
      newServer: () => new tcp.TCP(tcp.constants.SERVER),
      newConnect: () => new tcp.TCPConnectWrap(),
      newWrite: () => new stream.WriteWrap(),
      newShutdown: () => new stream.ShutdownWrap(),
      state: stream.streamBaseState,
      readBytes: stream.kReadBytesOrError,
      lastWriteAsync: stream.kLastWriteWasAsync,
    };
  } catch {
    cached = null;
  }
  return cached;
}
