/**
 * `history --html`: the trend of scenario runs per step (latency, rate, CPU per operation, errors; UDP steps' loss,
 * datagrams back per second and silent flows) in one page.
 */
import type { HistoryLine } from '../../documents/history.js';
import { METRICS, type MetricName } from '../../gates/metric-table.js';
import { renderHistory } from '../scenario.js';
import { loadChartKit } from './charts.js';
import { esc, figure, page } from './page.js';

const TRENDS: { metric: MetricName; title: string; y: string; scale: number }[] = [
  { metric: 'p95', title: 'p95 latency', y: 'µs', scale: 1 },
  { metric: 'p99', title: 'p99 latency', y: 'µs', scale: 1 },
  { metric: 'rps', title: 'Round trips per second', y: 'per second', scale: 1 },
  { metric: 'cps', title: 'Connections per second (churn)', y: 'per second', scale: 1 },
  { metric: 'throughput.up', title: 'Throughput up (generator to target)', y: 'Gbit/s', scale: 8 / 1e9 },
  { metric: 'throughput.down', title: 'Throughput down (target to generator)', y: 'Gbit/s', scale: 8 / 1e9 },
  { metric: 'cpu.op', title: 'Generator CPU per operation', y: 'µs CPU', scale: 1 },
  { metric: 'target.cpu.op', title: 'Embedded target CPU per operation', y: 'µs CPU', scale: 1 },
  { metric: 'errors', title: 'Errors (worst iteration)', y: 'count', scale: 1 },
  // UDP steps only (a TCP step's lines have none, so no chart is drawn for them).
  { metric: 'loss', title: 'Datagrams lost (UDP)', y: '%', scale: 1 },
  { metric: 'delivered', title: 'Datagrams back per second (UDP)', y: 'per second', scale: 1 },
  { metric: 'silent', title: 'Silent flows (UDP, worst iteration)', y: 'count', scale: 1 },
];

export async function renderHistoryHtml(lines: HistoryLine[], title: string): Promise<string> {
  const kit = await loadChartKit();
  const charts = TRENDS.flatMap((t) => {
    const rows = lines.flatMap((l) => {
      const v = l.metrics?.[t.metric] ?? (t.metric in l ? (l[t.metric as keyof HistoryLine] as number | null) : null);
      return typeof v === 'number' ? [{ date: new Date(l.date), series: l.step, value: v * t.scale }] : [];
    });
    const how = METRICS[t.metric].reduce === 'max' ? 'worst' : 'median';
    const note = `per step; each run's ${how} over its iterations`;
    return rows.length > 0 ? [figure(kit.trend(t.title, note, t.y, rows))] : [];
  });
  return page(title, [...charts, `<h2>Runs</h2><pre>${esc(renderHistory(lines))}</pre>`].join('\n'));
}
