/**
 * The UDP goals (issue 33, point 6), each a ratio to a reference measured in the same run.
 *
 * Echo, one flow, closed loop: l4stress `run --udp --mode echo --conns 1` against `serve --udp` (its own process)
 * vs `sockperf ping-pong` (UDP, the same message size) against a `sockperf server`, in rounds of sockperf,
 * l4stress, Node's floor, sockperf. sockperf's default "latency" is HALF the round trip; it runs with
 * `--full-rtt`, so round trip is compared with round trip. Node's floor (node-floor-udp-client.ts: a bare
 * node:dgram ping-pong against the same serve --udp) says how much of the distance to sockperf, a C client with a C
 * server that blocks in recvfrom, any Node client pays here: both ratios are reported.
 *
 * Stream: l4stress `run --udp --mode stream` at an offered rate and datagram size into `serve --udp --mode sink`
 * vs `iperf3 -u -b <rate> -l <size>` into its own server, in rounds of iperf3, l4stress, iperf3, both with 4 MiB
 * socket buffers: the delivered rate at the same offered rate, and the loss beside it ("at equal loss": a row whose
 * l4stress loss is worse than iperf3's by more than LOSS_SLACK_PERCENT is short, whatever its rate ratio).
 */
import { type Goal, goal, mean } from './goal.js';
import { l4stress } from './run-cli.js';
import { iperf3UdpRound, nodeFloorUdp, sockperfRound, startServeUdp } from './udp-peers.js';

type Log = (line: string) => void;

export const UDP_ECHO = { size: 64, seconds: 3, rounds: 3 };
/** Offered rate and size both sides carry here without loss (2 cores, 4 MiB buffers; docs/performance.md). */
export const UDP_STREAM = { perSecond: 20_000, size: 1200, seconds: 3, rounds: 2, bufferBytes: 4 * 1024 * 1024 };
const LOSS_SLACK_PERCENT = 0.1;

const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const two = (v: number): string => v.toFixed(2);
const fmt = (v: number): string => Math.round(v).toLocaleString('en-US');

interface EchoRound {
  l4stress: { p50Us: number; perSecond: number };
  sockperf: { p50Us: number; perSecond: number };
  floor: { p50Us: number; perSecond: number };
}

/** l4stress's 1-flow closed-loop UDP echo against serve --udp on `port`: its p50 and round trips/s. */
async function l4stressEcho(port: number): Promise<{ p50Us: number; perSecond: number }> {
  const r = await l4stress([
    ...['--udp', '--mode', 'echo', '--conns', '1', '--message-size', String(UDP_ECHO.size)],
    ...['--target', `127.0.0.1:${port}`, '-d', `${UDP_ECHO.seconds}s`, '--warmup', '1s'],
  ]);
  return { p50Us: r.latency.roundTripUs.p50 ?? 0, perSecond: r.throughput.roundTripsPerSecond };
}

async function echoRounds(log: Log): Promise<EchoRound[]> {
  const { size, seconds, rounds } = UDP_ECHO;
  const serve = await startServeUdp(['--proxy', 'none']);
  const out: EchoRound[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      log(`UDP echo, 1 flow, ${size} B, round ${i + 1} of ${rounds}: sockperf, l4stress, Node's floor, sockperf`);
      const a = await sockperfRound(size, seconds);
      const ours = await l4stressEcho(serve.port);
      const floor = await nodeFloorUdp(serve.port, size, seconds);
      const b = await sockperfRound(size, seconds);
      out.push({
        l4stress: ours,
        sockperf: {
          p50Us: mean(a.roundTripUs.p50, b.roundTripUs.p50),
          perSecond: mean(a.roundTripsPerSecond, b.roundTripsPerSecond),
        },
        floor: { p50Us: floor.p50Us, perSecond: floor.roundTripsPerSecond },
      });
    }
  } finally {
    await serve.stop();
  }
  return out;
}

/** The echo rows: p50 and round trips/s against sockperf, and the same against Node's floor. */
export async function udpEchoGoals(log: Log): Promise<Goal[]> {
  const rounds = await echoRounds(log);
  const p50Ratio = (r: EchoRound): number => r.l4stress.p50Us / r.sockperf.p50Us;
  const chosen = rounds.find((r) => p50Ratio(r) === median(rounds.map(p50Ratio)))!;
  const list = (f: (r: EchoRound) => number): string => rounds.map((r) => two(f(r))).join(', ');
  const floorVsSockperf =
    "Node's floor (a bare node:dgram ping-pong, bench/node-floor-udp-client.ts, same serve --udp) read p50 " +
    `${list((r) => r.floor.p50Us / r.sockperf.p50Us)}x sockperf's`;
  const common = `median of ${rounds.length} rounds of sockperf, l4stress, Node's floor, sockperf; ${UDP_ECHO.size} B`;
  const sock = 'sockperf ping-pong --full-rtt, UDP, same size';
  return [
    goal({
      goal: 'UDP p50, 1 flow echo (round trip)',
      l4stress: chosen.l4stress.p50Us,
      reference: chosen.sockperf.p50Us,
      referenceName: sock,
      unit: 'µs',
      want: { op: '<=', ratio: 1.1 },
      note:
        `${common}; round trip against round trip (sockperf's default "latency" is half of it); ratios ` +
        `${list(p50Ratio)}; ${floorVsSockperf}`,
    }),
    goal({
      goal: 'UDP round trips/s, 1 flow echo',
      l4stress: chosen.l4stress.perSecond,
      reference: Math.round(chosen.sockperf.perSecond),
      referenceName: sock,
      unit: 'rt/s',
      want: { op: '>=', ratio: 0.9 },
      note:
        `${common}; ratios ${list((r) => r.l4stress.perSecond / r.sockperf.perSecond)}; Node's floor ` +
        `${list((r) => r.floor.perSecond / r.sockperf.perSecond)}x sockperf's`,
    }),
    goal({
      goal: "UDP p50, 1 flow echo: l4stress against Node's floor",
      l4stress: chosen.l4stress.p50Us,
      reference: chosen.floor.p50Us,
      referenceName: 'a bare node:dgram ping-pong, same serve --udp',
      unit: 'µs',
      want: { op: '<=', ratio: 1.1 },
      note: `the same rounds; ratios ${list((r) => r.l4stress.p50Us / r.floor.p50Us)}`,
    }),
    goal({
      goal: "UDP round trips/s, 1 flow echo: l4stress against Node's floor",
      l4stress: chosen.l4stress.perSecond,
      reference: chosen.floor.perSecond,
      referenceName: 'a bare node:dgram ping-pong, same serve --udp',
      unit: 'rt/s',
      want: { op: '>=', ratio: 0.9 },
      note: `the same rounds; ratios ${list((r) => r.l4stress.perSecond / r.floor.perSecond)}`,
    }),
  ];
}

interface StreamFigures {
  deliveredPerSecond: number;
  lostPercent: number;
}

/** l4stress's stream into serve --udp --mode sink on `port`: delivered datagrams/s and loss. */
async function l4stressStream(port: number): Promise<StreamFigures> {
  const { perSecond, size, seconds } = UDP_STREAM;
  const r = await l4stress([
    ...['--udp', '--mode', 'stream', '--conns', '1', '--rate', String(perSecond), '--message-size', String(size)],
    ...['--target', `127.0.0.1:${port}`, '-d', `${seconds}s`, '--warmup', '1s'],
  ]);
  const udp = (r as unknown as { udp: { deliveredPerSecond: number; lossPercent: number } }).udp;
  return { deliveredPerSecond: udp.deliveredPerSecond, lostPercent: udp.lossPercent };
}

/** The stream row: delivered datagrams/s at the same offered rate and size as iperf3 -u, at equal loss. */
export async function udpStreamGoals(log: Log): Promise<Goal[]> {
  const { perSecond, size, seconds, rounds: n, bufferBytes } = UDP_STREAM;
  const offered = `${fmt(perSecond)} datagrams/s of ${fmt(size)} B (${fmt((perSecond * size * 8) / 1e6)} Mbit/s)`;
  const serve = await startServeUdp(['--mode', 'sink', '--proxy', 'none', '--rcvbuf', String(bufferBytes)]);
  const rounds: { ours: StreamFigures; iperf3: StreamFigures; ratio: number }[] = [];
  try {
    for (let i = 0; i < n; i++) {
      log(`UDP stream, ${offered}, round ${i + 1} of ${n}: iperf3 -u, l4stress, iperf3 -u`);
      const a = await iperf3UdpRound(perSecond, size, seconds, bufferBytes);
      const ours = await l4stressStream(serve.port);
      const b = await iperf3UdpRound(perSecond, size, seconds, bufferBytes);
      const iperf3 = {
        deliveredPerSecond: mean(a.deliveredPerSecond, b.deliveredPerSecond),
        lostPercent: mean(a.lostPercent, b.lostPercent),
      };
      rounds.push({ ours, iperf3, ratio: ours.deliveredPerSecond / iperf3.deliveredPerSecond });
    }
  } finally {
    await serve.stop();
  }
  const chosen = rounds.find((r) => r.ratio === median(rounds.map((x) => x.ratio)))!;
  const losses = rounds.map((r) => `${r.ours.lostPercent.toFixed(2)}% vs ${r.iperf3.lostPercent.toFixed(2)}%`);
  const g = goal({
    goal: `UDP stream delivered, ${offered} offered`,
    l4stress: chosen.ours.deliveredPerSecond,
    reference: chosen.iperf3.deliveredPerSecond,
    referenceName: 'iperf3 -u -b -l, same rate and size',
    unit: 'datagrams/s',
    want: { op: '>=', ratio: 0.8 },
    note:
      `median of ${n} rounds of iperf3, l4stress, iperf3 (ratios ${rounds.map((r) => two(r.ratio)).join(', ')}); ` +
      `loss l4stress vs iperf3: ${losses.join('; ')}; 4 MiB socket buffers both (iperf3 -w, serve --rcvbuf)`,
  });
  const unequal = chosen.ours.lostPercent > chosen.iperf3.lostPercent + LOSS_SLACK_PERCENT;
  return [unequal ? { ...g, verdict: 'short', note: `${g.note}; loss not equal: short` } : g];
}
