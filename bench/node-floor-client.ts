/**
 * Node's floor for closed-loop echo: the least work a Node client can do per round trip on the same bare libuv
 * handles l4stress uses (core/tcp-bindings.ts) — read, write the same message back, count. No clock, no
 * histogram, no integrity check, one event loop. What it reaches beside the native C client, in the same run,
 * bounds what any Node load engine can reach; l4stress's distance to it is our own work per message.
 *
 * Usage: node node-floor-client.js host port conns seconds — prints {"roundTripsPerSecond": n, "established": n}.
 */
import { type HandleRequest, type TcpHandle, tcpBindings, writeToHandle } from '../src/core/tcp-bindings.js';

const [host, portText, connsText, secondsText] = process.argv.slice(2);
const port = Number(portText);
const conns = Number(connsText);
const seconds = Number(secondsText);
const WARMUP_MS = 1000;
const b = tcpBindings();
if (!b || !(port > 0) || !(conns > 0) || !(seconds > 0)) {
  process.stderr.write('usage: node-floor-client host port conns seconds (needs the bare-handle bindings)\n');
  process.exit(2);
}
const bindings = b;
const message = Buffer.alloc(64, 7);
const receive = Buffer.allocUnsafe(64 * 1024);
const handles: TcpHandle[] = [];
let established = 0;
let counted = 0;
let counting = false;

function noop(this: HandleRequest): void {}

function echo(handle: TcpHandle): void {
  writeToHandle(bindings, handle, message, null, noop);
}

function onRead(this: TcpHandle): void {
  if (bindings.state[bindings.readBytes] <= 0) return;
  if (counting) counted++;
  echo(this);
}

function onConnect(this: HandleRequest, status: number): void {
  const handle = this.owner as TcpHandle;
  this.owner = null;
  if (status !== 0) return;
  established++;
  handle.setNoDelay(true);
  handle.useUserBuffer(receive);
  handle.readStart();
  echo(handle);
}

for (let i = 0; i < conns; i++) {
  const handle = bindings.newSocket();
  handle.onread = onRead;
  handles.push(handle);
  const req = bindings.newConnect();
  req.oncomplete = onConnect;
  req.owner = handle;
  handle.connect(req, host, port);
}

setTimeout(() => {
  counting = true;
  const start = performance.now();
  setTimeout(() => {
    const elapsedS = (performance.now() - start) / 1000;
    process.stdout.write(`${JSON.stringify({ roundTripsPerSecond: Math.round(counted / elapsedS), established })}\n`);
    process.exit(0);
  }, seconds * 1000);
}, WARMUP_MS);
