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
 * Stream: l4stress `run --udp --mode stream` at an offered rate and datagram size against its embedded target,
 * which reflects every datagram (so l4stress's delivered figure is a round trip's), vs `iperf3 -u -b <rate> -l
 * <size>` one way into its own server, in rounds of iperf3, l4stress, iperf3, 4 MiB socket buffers on both: the
 * delivered rate at the same offered rate, and the loss beside it ("at equal loss": a row whose l4stress loss is
 * worse than iperf3's by more than LOSS_SLACK_PERCENT is short, whatever its rate ratio).
 */
import { type Goal, goal, mean } from './goal.js';
import { l4stress } from './run-cli.js';
import { iperf3UdpRound, nodeFloorUdp, sockperfRound, startServeUdp } from './udp-peers.js';

type Log = (line: string) => void;

export const UDP_ECHO = { size: 64, seconds: 3, rounds: 3 };
/** Offered rate and size both sides carry here without loss (2 cores, 4 MiB buffers; docs/performance.md). */
export const UDP_STREAM = { perSecond: 10_000, size: 1200, seconds: 3, rounds: 3, bufferBytes: 4 * 1024 * 1024 };
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
    ...['--udp', '--mode', 'echo', '--conns', '1', '--size', String(UDP_ECHO.size)],
    ...['--target', `127.0.0.1:${port}`, '-d', `${UDP_ECHO.seconds}s`, '--warmup', '1s'],
  ]);
  return { p50Us: r.latency.roundTripUs.p50 ?? 0, perSecond: r.throughput.roundTripsPerSecond };
}

async function echoRounds(log: Log, rounds: number): Promise<EchoRound[]> {
  const { size, seconds } = UDP_ECHO;
  const serve = await startServeUdp(['--proxy', 'none']);
  const out: EchoRound[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      log(`UDP echo, 1 flow, ${size} B, round ${i + 1} of ${rounds}: sockperf, l4stress, Node's floor, sockperf`);
      const a = await sockperfRound(size, seconds, log);
      const ours = await l4stressEcho(serve.port);
      const floor = await nodeFloorUdp(serve.port, size, seconds);
      const b = await sockperfRound(size, seconds, log);
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

/** The round whose ratio `ours / reference` is the median of the rounds'; the ratios of all, for the note. */
export function medianRound<R>(rounds: R[], ours: (r: R) => number, reference: (r: R) => number) {
  const ratio = (r: R): number => ours(r) / reference(r);
  const round = rounds.find((r) => ratio(r) === median(rounds.map(ratio)))!;
  const ratios = rounds.map((r) => two(ratio(r))).join(', ');
  return { round, l4stress: ours(round), reference: reference(round), ratios };
}

/**
 * The echo rows: p50 and round trips/s against sockperf, and the same against Node's floor; each row reports its
 * own median round (a closed loop's rate and its p50 do not move together on a busy machine: the rate follows the
 * tail).
 */
export async function udpEchoGoals(log: Log, n = UDP_ECHO.rounds): Promise<Goal[]> {
  const rounds = await echoRounds(log, n);
  const list = (f: (r: EchoRound) => number): string => rounds.map((r) => two(f(r))).join(', ');
  const common = `median of ${rounds.length} rounds of sockperf, l4stress, Node's floor, sockperf; ${UDP_ECHO.size} B`;
  const sock = 'sockperf ping-pong --full-rtt, UDP, same size';
  const floor = 'a bare node:dgram ping-pong, same serve --udp';
  const p50 = medianRound(
    rounds,
    (r) => r.l4stress.p50Us,
    (r) => r.sockperf.p50Us,
  );
  const rate = medianRound(
    rounds,
    (r) => r.l4stress.perSecond,
    (r) => r.sockperf.perSecond,
  );
  const floorP50 = medianRound(
    rounds,
    (r) => r.l4stress.p50Us,
    (r) => r.floor.p50Us,
  );
  const floorRate = medianRound(
    rounds,
    (r) => r.l4stress.perSecond,
    (r) => r.floor.perSecond,
  );
  return [
    goal({
      goal: 'UDP p50, 1 flow echo (round trip)',
      l4stress: p50.l4stress,
      reference: p50.reference,
      referenceName: sock,
      unit: 'µs',
      want: { op: '<=', ratio: 1.1 },
      note:
        `${common}; round trip against round trip (sockperf's default "latency" is half of it); ratios ` +
        `${p50.ratios}; Node's floor (bench/node-floor-udp-client.ts against the same serve --udp) read p50 ` +
        `${list((r) => r.floor.p50Us / r.sockperf.p50Us)}x sockperf's`,
    }),
    goal({
      goal: 'UDP round trips/s, 1 flow echo',
      l4stress: rate.l4stress,
      reference: Math.round(rate.reference),
      referenceName: sock,
      unit: 'rt/s',
      want: { op: '>=', ratio: 0.9 },
      note:
        `${common}; ratios ${rate.ratios}; Node's floor ` +
        `${list((r) => r.floor.perSecond / r.sockperf.perSecond)}x sockperf's`,
    }),
    goal({
      goal: "UDP p50, 1 flow echo: l4stress against Node's floor",
      l4stress: floorP50.l4stress,
      reference: floorP50.reference,
      referenceName: floor,
      unit: 'µs',
      want: { op: '<=', ratio: 1.1 },
      note: `the same rounds; ratios ${floorP50.ratios}`,
    }),
    goal({
      goal: "UDP round trips/s, 1 flow echo: l4stress against Node's floor",
      l4stress: floorRate.l4stress,
      reference: floorRate.reference,
      referenceName: floor,
      unit: 'rt/s',
      want: { op: '>=', ratio: 0.9 },
      note: `the same rounds; ratios ${floorRate.ratios}`,
    }),
  ];
}

interface StreamFigures {
  deliveredPerSecond: number;
  lostPercent: number;
}

type OurStream = StreamFigures & { runLostPercent: number; oneWayPercent: number | null };

/** One stream round: l4stress between two iperf3 -u runs (their mean). */
export interface StreamRound {
  ours: OurStream;
  iperf3: StreamFigures;
}

/**
 * l4stress's stream against its embedded target (serve --udp, its own process), which reflects each datagram:
 * delivered is what came back in the measured window per second, a round trip, so the stricter figure beside
 * iperf3's one way. Loss in the measured window (sent then and not back), where the delivered rate is measured
 * and so where the two are compared, and the run's (the datagrams section's lossRatio, warm-up included).
 * `oneWayPercent`: the target's own count of what reached it over what was sent, the figure iperf3's server gives.
 */
async function l4stressStream(): Promise<OurStream> {
  const { perSecond, size, seconds } = UDP_STREAM;
  const r = await l4stress([
    ...['--udp', '--mode', 'stream', '--conns', '1', '--rate', String(perSecond), '--size', String(size)],
    ...['-d', `${seconds}s`, '--warmup', '1s'],
  ]);
  const d = r.datagrams;
  if (!d) throw new Error('l4stress --udp --mode stream: no datagrams section in its result');
  const m = d.measured;
  return {
    deliveredPerSecond: m.receivedPerSecond,
    lostPercent: m.sent > 0 ? (100 * Math.max(0, m.sent - m.received)) / m.sent : 0,
    runLostPercent: (d.lossRatio ?? 0) * 100,
    oneWayPercent: d.target && d.sent > 0 ? (100 * d.target.datagramsIn) / d.sent : null,
  };
}

/** The stream row: delivered datagrams/s at the same offered rate and size as iperf3 -u, at equal loss. */
export async function udpStreamGoals(log: Log, n = UDP_STREAM.rounds): Promise<Goal[]> {
  const { perSecond, size, seconds, bufferBytes } = UDP_STREAM;
  const offered = `${fmt(perSecond)} datagrams/s of ${fmt(size)} B (${fmt((perSecond * size * 8) / 1e6)} Mbit/s)`;
  const rounds: StreamRound[] = [];
  for (let i = 0; i < n; i++) {
    log(`UDP stream, ${offered}, round ${i + 1} of ${n}: iperf3 -u, l4stress, iperf3 -u`);
    const a = await iperf3UdpRound(perSecond, size, seconds, bufferBytes, log);
    const ours = await l4stressStream();
    const b = await iperf3UdpRound(perSecond, size, seconds, bufferBytes, log);
    const iperf3 = {
      deliveredPerSecond: mean(a.deliveredPerSecond, b.deliveredPerSecond),
      lostPercent: mean(a.lostPercent, b.lostPercent),
    };
    rounds.push({ ours, iperf3 });
  }
  return [streamGoal(rounds, offered)];
}

/**
 * The stream row from its rounds: the round with the median delivered ratio; short, whatever its ratio, when that
 * round's l4stress loss (measured window) is more than LOSS_SLACK_PERCENT points above iperf3's.
 */
export function streamGoal(rounds: StreamRound[], offered: string): Goal {
  const chosen = medianRound(
    rounds,
    (r) => r.ours.deliveredPerSecond,
    (r) => r.iperf3.deliveredPerSecond,
  );
  const pct = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}%`);
  const losses = rounds.map(
    (r) => `${pct(r.ours.lostPercent)} (run ${pct(r.ours.runLostPercent)}) vs ${pct(r.iperf3.lostPercent)}`,
  );
  const g = goal({
    goal: `UDP stream delivered, ${offered} offered`,
    l4stress: chosen.l4stress,
    reference: chosen.reference,
    referenceName: 'iperf3 -u -b -l, same rate and size',
    unit: 'datagrams/s',
    want: { op: '>=', ratio: 0.8 },
    note:
      `median of ${rounds.length} rounds of iperf3, l4stress, iperf3 (ratios ${chosen.ratios}); ` +
      `loss l4stress (round trip, measured window; whole run) vs iperf3 (one way): ${losses.join('; ')}; ` +
      `l4stress's datagrams reaching its target: ${rounds.map((r) => pct(r.ours.oneWayPercent)).join(', ')}; ` +
      'l4stress reflects each datagram off its embedded target (4 MiB buffers), iperf3 -w 4M sends one way',
  });
  const unequal = chosen.round.ours.lostPercent > chosen.round.iperf3.lostPercent + LOSS_SLACK_PERCENT;
  return unequal ? { ...g, verdict: 'short', note: `${g.note}; loss not equal: short` } : g;
}
