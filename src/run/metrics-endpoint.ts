/**
 * --metrics-port: the run's per-second figures as OpenMetrics (prom-client, its own registry) on
 * http://127.0.0.1:PORT/metrics, so Prometheus and Grafana can watch a long soak while it runs. Loopback only:
 * the figures describe the target, and nothing here needs to be reachable from elsewhere (a scraper on another
 * host goes through an SSH tunnel or a sidecar). Gauges hold the last second; counters the run so far.
 */
import { createServer, type Server } from 'node:http';
import { CouldNotRunError } from '../core/errors.js';
import { RUN_PHASES } from '../core/vocabulary.js';
import type { LoadCounters, TimelineRow } from '../documents/result.js';
import { totalErrors } from '../instruments/errors.js';
import { WITNESSES } from '../witnesses/list.js';

export interface MetricsEndpoint {
  update(row: TimelineRow, totals: LoadCounters): void;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(
  port: number,
  run: { scenario: string; mode: string; conns: number; udp?: boolean },
): Promise<MetricsEndpoint> {
  const prom = await import('prom-client');
  const registry = new prom.Registry<typeof prom.openMetricsContentType>();
  registry.setContentType(prom.openMetricsContentType);
  registry.setDefaultLabels({ scenario: run.scenario, mode: run.mode });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new prom.Gauge({ name: `l4stress_${name}`, help, labelNames, registers: [registry] });
  const open = gauge('open_connections', 'sessions open at the end of the last second');
  const target = gauge('target_connections', 'sessions asked for (--conns)');
  const established = gauge('established_connections', 'sessions established so far');
  const roundTrips = gauge('round_trips_per_second', 'round trips (hold: pings) in the last second');
  const bytes = gauge('bytes_per_second', 'bytes per second in the last second', ['direction']);
  const latency = gauge('round_trip_latency_seconds', 'round-trip latency of the last second', ['quantile']);
  const cpu = gauge('generator_cpu_percent', "the generator's CPU, % of one core");
  const rss = gauge('generator_rss_bytes', "the generator's resident memory");
  const elapsed = gauge('elapsed_seconds', 'seconds since the run started');
  const phase = gauge('phase', '1 for the phase the run is in', ['phase']);
  // Each witness's own (witnesses/list.ts): the kernel's counters, the ingress's scraped series, ...
  const witnessGauges = WITNESSES.flatMap((w) => w.gauges).map((g) => ({
    g,
    gauge: gauge(g.name, g.help, g.label ? [g.label] : []),
  }));
  const counter = (name: string, help: string) =>
    new prom.Counter({ name: `l4stress_${name}`, help, registers: [registry] });
  const failed = counter('connect_failures', 'failed connects');
  const dropped = counter('drops', 'established sessions lost');
  const echoed = counter('round_trips', 'round trips completed (hold: pings)');
  const udp = run.udp ? udpMetrics(counter, gauge) : null;
  target.set(run.conns);
  // Counters only go up: each second adds what the run's totals grew by.
  let seen = { failed: 0, dropped: 0, echoed: 0 };

  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('l4stress: only GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new CouldNotRunError(
          `--metrics-port ${port}: cannot listen on 127.0.0.1 (${e.code ?? e.message})`,
          'pick a free port, or leave --metrics-port out',
        ),
      ),
    );
    server.listen(port, '127.0.0.1', resolve);
  });

  return {
    update(row: TimelineRow, totals: LoadCounters): void {
      open.set(row.open);
      established.set(row.established);
      roundTrips.set(row.roundTripsPerSecond);
      bytes.set({ direction: 'sent' }, row.bytesSentPerSecond);
      bytes.set({ direction: 'received' }, row.bytesReceivedPerSecond);
      if (row.p50Us !== null) latency.set({ quantile: '0.5' }, row.p50Us / 1e6);
      if (row.p99Us !== null) latency.set({ quantile: '0.99' }, row.p99Us / 1e6);
      cpu.set(row.cpuPercent);
      rss.set(row.rssBytes);
      elapsed.set(row.t);
      for (const p of RUN_PHASES) phase.set({ phase: p }, p === row.phase ? 1 : 0);
      for (const { g, gauge } of witnessGauges) {
        const value = g.read(row);
        if (typeof value === 'number') gauge.set(value);
        else for (const [key, v] of Object.entries(value ?? {})) gauge.set({ [g.label ?? 'series']: key }, v);
      }
      const now = {
        failed: totalErrors(totals.connectFailed),
        dropped: totalErrors(totals.dropped),
        echoed: totals.messagesReceived,
      };
      failed.inc(Math.max(0, now.failed - seen.failed));
      dropped.inc(Math.max(0, now.dropped - seen.dropped));
      echoed.inc(Math.max(0, now.echoed - seen.echoed));
      seen = now;
      udp?.(totals);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * --udp: the datagrams so far, each way and lost (counters: each second adds what the totals grew by), and the flows
 * silent now (a gauge). Returns the update of each second.
 */
function udpMetrics(
  counter: (name: string, help: string) => { inc(n: number): void },
  gauge: (name: string, help: string) => { set(n: number): void },
): (totals: LoadCounters) => void {
  const sent = counter('datagrams_sent', 'datagrams sent (--udp)');
  const received = counter('datagrams_received', 'datagrams back verified, each once (--udp)');
  const lost = counter('datagrams_lost', 'datagrams counted lost (--udp)');
  const silent = gauge('silent_flows', 'flows answered before and silent now (--udp)');
  let seen = { sent: 0, received: 0, lost: 0 };
  return (totals) => {
    const now = { sent: totals.datagramsSent, received: totals.datagramsReceived, lost: totals.datagramsLost };
    sent.inc(Math.max(0, now.sent - seen.sent));
    received.inc(Math.max(0, now.received - seen.received));
    lost.inc(Math.max(0, now.lost - seen.lost));
    silent.set(totals.silentFlows);
    seen = now;
  };
}
