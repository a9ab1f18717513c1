/**
 * UDP's parts measured before they are wired (`npx tsx bench/udp-parts.ts`, about 20 s; `--micro`: the first part
 * only): the per-datagram costs of the stamp, the flow tracker and the header parser in ns (that they allocate
 * nothing is the unit tests' to prove: test/helpers/gc-count.ts), and the UDP target's
 * echo rate on loopback against a bare node:dgram echo server measured in the same run (A-B-A, the same client:
 * one connected socket keeping 32 datagrams in flight). A ratio, because absolute rates drift on a shared machine.
 */
import dgram from 'node:dgram';
import { buildDatagramHeader, type DatagramHeaderSpec } from '../src/proxy/datagram-header.js';
import { DatagramHeaderView, parseDatagramHeader } from '../src/proxy/datagram-parser.js';
import { parseTlvOption } from '../src/proxy/tlv.js';
import { startUdpServer, UDP_SERVER_DEFAULTS } from '../src/serve/udp-server.js';
import { FlowTracker } from '../src/udp/flow-tracker.js';
import { fillBody, verifyStamp, writeStamp } from '../src/udp/stamp.js';

const ROUNDS = 2_000_000;

function timed(label: string, n: number, body: (i: number) => void): void {
  for (let i = 0; i < 50_000; i++) body(i); // warm-up: let the JIT settle
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  const ns = Number(process.hrtime.bigint() - started) / n;
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(7)} ns`);
}

function micro(): void {
  const a = Buffer.alloc(64);
  const b = Buffer.alloc(64);
  timed('reference: copy 64 B (Buffer.copy)', ROUNDS, (i) => {
    a[0] = i;
    a.copy(b, 0, 0, 64);
  });
  for (const size of [64, 1400]) {
    const tx = Buffer.alloc(28 + size);
    const hash = fillBody(tx, 28, size, 7);
    timed(`stamp write + verify, ${size} B`, ROUNDS, (i) => {
      writeStamp(tx, 28, 1, i, i, size, hash);
      if (verifyStamp(tx, 28, size, tx, 28, hash) !== 'ok') throw new Error('stamp');
    });
  }
  const tracker = new FlowTracker(10_000, 64, 1000, 0);
  timed('tracker.receive, 10,000 flows in turn', ROUNDS, (i) => {
    tracker.receive(i % 10_000, Math.floor(i / 10_000), i);
  });
  const lossy = new FlowTracker(10_000, 64, 1000, 0);
  timed('tracker.receive, 1 in 10 reordered or lost', ROUNDS, (i) => {
    const seq = Math.floor(i / 10_000);
    if (seq % 10 !== 3) lossy.receive(i % 10_000, seq % 10 === 5 ? seq - 2 : seq, i);
  });
  const spec: DatagramHeaderSpec = {
    kind: 'v2',
    command: 'proxy',
    source: { address: '192.0.2.1', port: 5000 },
    destination: { address: '127.0.0.1', port: 53 },
    tlvs: [],
    seed: 1,
    flowId: 1,
  };
  const view = new DatagramHeaderView();
  for (const [label, s] of [
    ['parse v2 UDP4', spec],
    ['parse v2 UDP4 + unique-id + CRC32C', { ...spec, tlvs: ['unique-id=auto', 'crc32c'].map(parseTlvOption) }],
    ['parse SPP', { ...spec, kind: 'spp' }],
  ] as const) {
    const d = Buffer.concat([buildDatagramHeader(s as DatagramHeaderSpec), Buffer.alloc(64)]);
    timed(label, ROUNDS, () => {
      if (parseDatagramHeader(d, d.length, 'require', view) !== null) throw new Error(label);
    });
  }
}

/** Datagrams/s echoed to one connected client keeping `window` in flight for `ms`. */
async function echoRate(port: number, payload: Buffer, ms: number, window = 32): Promise<number> {
  const c = dgram.createSocket('udp4');
  await new Promise<void>((r) => c.connect(port, '127.0.0.1', r));
  let back = 0;
  let stop = false;
  c.on('message', () => {
    back++;
    if (!stop) c.send(payload);
  });
  for (let i = 0; i < window; i++) c.send(payload);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  stop = true;
  const rate = back / ((performance.now() - started) / 1000);
  await new Promise<void>((r) => c.close(() => r()));
  return rate;
}

async function bareEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, close: () => new Promise<void>((r) => s.close(() => r())) };
}

async function loopback(): Promise<void> {
  const plain = Buffer.alloc(64, 1);
  const header = buildDatagramHeader({
    kind: 'v2',
    command: 'proxy',
    source: { address: '192.0.2.1', port: 5000 },
    destination: { address: '127.0.0.1', port: 53 },
    tlvs: [parseTlvOption('crc32c')],
    seed: 1,
    flowId: 1,
  });
  const proxied = Buffer.concat([header, plain]);
  for (const [label, proxy, payload] of [
    ['serve --udp echo, no header', 'none', plain],
    ['serve --udp echo, v2 + CRC32C required', 'require', proxied],
  ] as const) {
    const bare = await bareEcho();
    const ours = await startUdpServer({ ...UDP_SERVER_DEFAULTS, host: '127.0.0.1', port: 0, proxy });
    const a1 = await echoRate(bare.port, plain, 3000);
    const b = await echoRate(ours.address.port, payload, 3000);
    const a2 = await echoRate(bare.port, plain, 3000);
    const ref = (a1 + a2) / 2;
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`${label}: ${fmt(b)}/s vs bare dgram echo ${fmt(a1)}, ${fmt(a2)}/s: ${(b / ref).toFixed(2)}x`);
    await bare.close();
    await ours.close();
  }
}

micro();
if (process.argv.includes('--micro')) process.exit(0);
await loopback();
