/**
 * nginx stream UDP's flow limit, the one `find --udp --vary conns` must find (test/helpers/nginx-udp.ts explains the
 * figure): `worker_connections N` holds floor((N - 2) / 2) client flows, each a session of two connections beside the
 * two listeners' own; the flows past it are never answered (silent), round after round, while the held ones keep
 * their sessions. And `proxy_responses 1`, which ends each session at its answer, holds no flow table at all.
 * Plain node:dgram flows against serve --udp, so the figure is nginx's, proved without the load engine; then the
 * engine's view of it (`run --udp --mode hold`): the flows past the limit are counted as never answered, not as
 * latency.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { type NginxUdp, nginxUdpFlowLimit, startNginxUdp } from '../helpers/nginx-udp.js';
import { client, serveUdp, stopUdp } from '../helpers/serve-udp.js';

let nginx: NginxUdp | null = null;
afterEach(async () => {
  await nginx?.process.stop();
  nginx = null;
  await stopUdp();
});

const FLOWS = 40;
const ROUNDS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** FLOWS flows, each pinging once a round: the set of flows answered in each round. */
async function pingRounds(port: number, expected: number): Promise<Set<number>[]> {
  const flows = await Promise.all(Array.from({ length: FLOWS }, () => client(port)));
  const rounds: Set<number>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = flows.map((c) => c.got.length);
    // Paced a little: a burst on a loaded 2-core machine could overflow a buffer and test that instead.
    for (const [f, c] of flows.entries()) {
      c.send(Buffer.from(`flow ${f} round ${round}`));
      if (f % 10 === 9) await sleep(2);
    }
    const answered = () => flows.filter((c, f) => c.got.length > before[f]).length;
    const deadline = Date.now() + 10_000;
    while (answered() < expected && Date.now() < deadline) await sleep(10);
    // Time for a datagram past the limit to come back, were nginx to answer it late rather than never.
    await sleep(300);
    rounds.push(new Set(flows.flatMap((c, f) => (c.got.length > before[f] ? [f] : []))));
  }
  return rounds;
}

describe('nginx stream UDP at its worker_connections limit', () => {
  it.each([
    [64, 31],
    [65, 31],
    [66, 32],
  ])('worker_connections %i holds %i flows: the same ones each round, the rest silent', async (wc, held) => {
    expect(nginxUdpFlowLimit(wc)).toBe(held);
    const serve = await serveUdp(['--proxy', 'none']);
    nginx = await startNginxUdp({ backend: serve.port, workerConnections: wc });
    const rounds = await pingRounds(nginx.port, held);
    expect(rounds.map((r) => r.size)).toEqual(Array(ROUNDS).fill(held));
    expect([...rounds[1]].sort()).toEqual([...rounds[0]].sort());
    expect([...rounds[2]].sort()).toEqual([...rounds[0]].sort());
    const s = await serve.stats();
    // Each held flow one session, one peer at the backend, answered every round; nothing of the rest got through.
    expect([s.distinctPeers, s.datagramsIn, s.datagramsOut]).toEqual([held, held * ROUNDS, held * ROUNDS]);
    expect(nginx.process.stderr()).toMatch(new RegExp(`${wc} worker_connections are not enough`));
  });

  it('proxy_responses 1 ends each session at its answer: 40 flows one after another, all answered', async () => {
    const serve = await serveUdp(['--proxy', 'none']);
    nginx = await startNginxUdp({ backend: serve.port, workerConnections: 64, proxyResponses: 1 });
    const port = nginx.port;
    const flows = await Promise.all(Array.from({ length: FLOWS }, () => client(port)));
    // One at a time, each waiting for its answer: a session ended at its answer frees its two connections, so the
    // 31-flow limit never fills (pinged all at once, the in-flight ones would still fill it).
    for (const [f, c] of flows.entries()) {
      c.send(Buffer.from(`flow ${f}`));
      await c.until(() => c.got.length === 1);
    }
    expect(flows.filter((c) => c.got.length === 1).length).toBe(FLOWS);
    expect((await serve.stats()).distinctPeers).toBe(FLOWS);
  });
});

describe('run --udp through nginx past its flow limit', () => {
  it('40 flows at worker_connections 64: 31 held, 9 never answered, none as a latency sample', async () => {
    const serve = await serveUdp(['--proxy', 'none']);
    nginx = await startNginxUdp({ backend: serve.port, workerConnections: 64 });
    const out = path.join(tempDir(), 'hold.json');
    const run = await runCli(
      [
        ...['--udp', '--mode', 'hold', '--conns', '40', '--target', `127.0.0.1:${nginx.port}`],
        ...['-d', '3s', '--warmup', '1s', '--echo-timeout', '2s', '--out', out],
      ],
      { timeoutMs: 120_000 },
    );
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    // Not served is an error of the run (exit 4), counted per flow.
    expect(run.code).toBe(4);
    expect([r.connections.target, r.totals.opened, r.connections.unserved]).toEqual([40, 31, 9]);
    expect(r.modeStats.hold?.held).toBe(31);
    expect(r.totals.silentFlows).toBe(0);
    // The engine's own figures: never answered, none silent; dropped by nginx, not refused (no ICMP, no ECONNREFUSED).
    expect(r.datagrams?.flows).toMatchObject({ target: 40, answered: 31, neverAnswered: 9, silent: 0 });
    expect(r.datagrams?.errors.ECONNREFUSED ?? 0).toBe(0);
    // A ping nginx never forwarded is no latency sample: every sample is an answer, none waited out the timeout.
    expect(r.latency.roundTripUs.count).toBeGreaterThan(0);
    expect(r.latency.roundTripUs.max!).toBeLessThan(2_000_000);
    expect(r.warnings.join('\n')).toMatch(/9 flows were never answered \(every datagram lost\)/);
    const s = await serve.stats();
    expect(s.distinctPeers).toBe(31);
  });
});
