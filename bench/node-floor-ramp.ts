/**
 * Node's floor for the session ramp: the least work a Node client can do per session on the same bare libuv
 * handles l4stress uses — at most 512 opening at once, connect, one write of a PROXY v2 header built from the
 * socket's addresses with the first 64-byte message, read its echo — the work the native C client does
 * (native-tools/c/l4echo-client.c, argument `v2`). No counters, no histograms, no timers, one event loop. Its ramp
 * beside the native client's bounds what any Node engine can reach; l4stress's distance to it is our own work.
 *
 * Usage: node node-floor-ramp.js host port conns — prints {"rampMs": n, "established": n}.
 */
import { type HandleRequest, type TcpHandle, tcpBindings, writeToHandle } from '../src/core/tcp-bindings.js';

const MAX_CONNECTING = 512;
const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const [host, portText, connsText] = process.argv.slice(2);
const port = Number(portText);
const conns = Number(connsText);
const b = tcpBindings();
if (!b || !(port > 0) || !(conns > 0)) {
  process.stderr.write('usage: node-floor-ramp host port conns (needs the bare-handle bindings)\n');
  process.exit(2);
}
const bindings = b;
const receive = Buffer.allocUnsafe(64 * 1024);
const handles: TcpHandle[] = [];
const got = new Map<TcpHandle, number>();
let opened = 0;
let connecting = 0;
let established = 0;
const start = performance.now();

function noop(this: HandleRequest): void {}

function ipv4(text: string, into: Buffer, at: number): void {
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) into[at + i] = Number(parts[i]);
}

/** The header from the socket's own addresses and the first message, in one write (as l4stress and the C client). */
function firstWrite(handle: TcpHandle): Buffer {
  const local: { address?: string; port?: number } = {};
  const peer: { address?: string; port?: number } = {};
  handle.getsockname(local);
  handle.getpeername(peer);
  const out = Buffer.alloc(28 + 64, 0x78);
  SIGNATURE.copy(out, 0);
  out[12] = 0x21;
  out[13] = 0x11;
  out.writeUInt16BE(12, 14);
  ipv4(local.address ?? '127.0.0.1', out, 16);
  ipv4(peer.address ?? '127.0.0.1', out, 20);
  out.writeUInt16BE(local.port ?? 0, 24);
  out.writeUInt16BE(peer.port ?? 0, 26);
  return out;
}

function onRead(this: TcpHandle): void {
  const n = bindings.state[bindings.readBytes];
  if (n <= 0) return;
  const total = (got.get(this) ?? 0) + n;
  got.set(this, total);
  if (total < 64 || total - n >= 64) return;
  connecting--;
  established++;
  if (established === conns) {
    process.stdout.write(`${JSON.stringify({ rampMs: Math.round(performance.now() - start), established })}\n`);
    process.exit(0);
  }
  pump();
}

function onConnect(this: HandleRequest, status: number): void {
  const handle = this.owner as TcpHandle;
  this.owner = null;
  if (status !== 0) {
    process.stderr.write(`connect failed: ${status}\n`);
    process.exit(1);
  }
  handle.setNoDelay(true);
  handle.useUserBuffer(receive);
  handle.readStart();
  writeToHandle(bindings, handle, firstWrite(handle), null, noop);
}

function pump(): void {
  while (opened < conns && connecting < MAX_CONNECTING) {
    opened++;
    connecting++;
    const handle = bindings.newSocket();
    handle.onread = onRead;
    handles.push(handle);
    const req = bindings.newConnect();
    req.oncomplete = onConnect;
    req.owner = handle;
    handle.connect(req, host, port);
  }
}

pump();
setTimeout(() => {
  process.stderr.write(`ramp not done after 60 s: ${established} of ${conns}\n`);
  process.exit(1);
}, 60_000).unref();
