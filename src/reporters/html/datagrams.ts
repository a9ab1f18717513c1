/**
 * The report's UDP section (runs with a `datagrams` section, --udp): datagrams sent, back and lost each second; the
 * loss, reordering, duplicates, late and corrupt datagrams; flows answered and gone silent (with the first silent
 * ones); stream's jitter and delivered rate; and beside the loss, what the embedded target and this host's kernel
 * counted, so a reader sees whether the host's own socket buffers dropped what was lost.
 */
import { formatBitsPerSecond, formatCount, formatPercent } from '../../core/units.js';
import type { DatagramsSection } from '../../documents/datagrams.js';
import type { RunResult } from '../../documents/result.js';
import { lossWays } from '../datagrams-summary.js';
import type { Chart, ChartKit } from './charts.js';
import { type LabelledResult, phaseSpans, type TimePoint } from './series.js';

/** The page's own renderers (page.ts), handed in so this file does not import the page that imports it. */
export interface Html {
  table(header: string[], rows: string[][]): string;
  figure(c: Chart): string;
}

interface UdpRun {
  label: string;
  result: RunResult;
  d: DatagramsSection;
}

/** Silent flows named per run in the report (the result keeps up to 20). */
const SILENT_SHOWN = 10;

const n = formatCount;
const share = (d: DatagramsSection): string => (d.lossRatio === null ? '-' : formatPercent(d.lossRatio * 100));
const sumOf = (counts: Record<string, number | undefined>): number =>
  Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);

/** The section's HTML, or nothing when no run went over UDP. */
export function datagramsSection(kit: ChartKit, results: LabelledResult[], h: Html): string[] {
  const runs = results.flatMap(({ label, result }) =>
    result.datagrams ? [{ label, result, d: result.datagrams }] : [],
  );
  if (runs.length === 0) return [];
  const out = [
    '<h2>Datagrams (UDP)</h2>',
    h.table(
      [
        'run',
        'sent',
        'back',
        'lost',
        'loss',
        'reordered',
        'duplicated',
        'late',
        'corrupt',
        'not sent',
        'socket errors',
      ],
      runs.map(({ label, d }) => [
        label,
        n(d.sent),
        n(d.received),
        n(d.lost),
        share(d),
        n(d.reordered),
        n(d.duplicated),
        n(d.late),
        n(d.corrupt),
        n(d.notSent),
        n(sumOf(d.errors)),
      ]),
    ),
    '<p class="window">Whole run: every datagram sent is back or lost by the end (lost: not back within ' +
      '--echo-timeout of a later one, or by the end; late: back after being counted lost, still lost; not sent: ' +
      'the flow&#39;s send buffers were all still queued, the generator&#39;s own limit).</p>',
    h.table(
      ['run', 'flows answered', 'never answered', 'silent at the stop', 'back per second', 'payload', 'jitter'],
      runs.map(({ label, d }) => [
        label,
        `${n(d.flows.answered)}/${n(d.flows.target)}`,
        n(d.flows.neverAnswered),
        n(d.flows.silent),
        `${n(d.measured.receivedPerSecond)}/s`,
        formatBitsPerSecond(d.measured.bitsPerSecond / 8),
        d.jitterMs === null ? '-' : `${d.jitterMs.toFixed(3)} ms`,
      ]),
    ),
    '<p class="window">Rates: measured phase. Silent: answered before, then quiet at the stop for longer than the ' +
      'flow&#39;s quiet time (an ingress that forgot the flow). Jitter (stream): RFC 3550 over the round trip, the ' +
      'mean of the flows&#39; (of the shards&#39; means in a merged run).</p>',
    ...silentFlows(runs, h),
    '<h3>Where the loss happened</h3>',
    h.table(
      ['run', 'lost', 'never reached the target', 'answers never back', 'target in', 'target out'].concat([
        'target dropped',
        'target refused',
        'target send errors',
      ]),
      runs.map(targetBeside),
    ),
    h.table(
      ['run', 'lost', 'host RcvbufErrors', 'host SndbufErrors', 'host InErrors', 'host MemErrors', 'host NoPorts'],
      runs.map(hostBeside),
    ),
    '<p class="window">Target: the embedded serve --udp&#39;s own counts over the whole run (never reached the ' +
      'target: sent but not counted in; answers never back: sent out, never back, corrupt ones aside; dropped: its ' +
      'bounded queue was full; refused: a bad header); - with --target or in a merged run. Host: the ' +
      'kernel&#39;s UDP counters (/proc/net/snmp and snmp6, every socket on this host) over the measured window: ' +
      'RcvbufErrors and SndbufErrors are datagrams this host&#39;s own socket buffers dropped, not the ' +
      'network&#39;s or the ingress&#39;s loss.</p>',
  ];
  const points = runs.flatMap(perSecond);
  if (points.length > 0)
    out.push(
      h.figure(
        kit.timeline(
          'Datagrams per second',
          'sent, back and lost in each second (a loss is counted when it is known: after --echo-timeout)',
          'datagrams per second',
          points,
          phaseSpans(runs[0].result),
        ),
      ),
    );
  return out;
}

/** The first silent flows of each run, and when each went silent. */
function silentFlows(runs: UdpRun[], h: Html): string[] {
  const rows = runs.flatMap(({ label, d }) =>
    d.flows.silentExamples.length === 0
      ? []
      : [
          [
            label,
            n(d.flows.silent),
            `${n(d.flows.quietMs)} ms`,
            d.flows.silentExamples
              .slice(0, SILENT_SHOWN)
              .map((s) => `flow ${s.flow} at ${s.silentAtS.toFixed(1)} s`)
              .join(', ') + (d.flows.silent > SILENT_SHOWN ? ', …' : ''),
          ],
        ],
  );
  if (rows.length === 0) return [];
  return [
    '<h3>Silent flows</h3>',
    h.table(['run', 'silent', 'quiet for more than', 'first to go silent (seconds from the start)'], rows),
  ];
}

/** The loss beside the embedded target's counts: which way the lost datagrams went missing. */
function targetBeside({ label, d }: UdpRun): string[] {
  const t = d.target;
  if (!t) return [label, `${n(d.lost)} (${share(d)})`, ...Array<string>(7).fill('-')];
  const ways = lossWays(d, t);
  return [
    label,
    `${n(d.lost)} (${share(d)})`,
    n(ways.inbound),
    n(ways.outbound),
    n(t.datagramsIn),
    n(t.datagramsOut),
    n(sumOf(t.dropped)),
    n(sumOf(t.rejected)),
    n(sumOf(t.sendErrors)),
  ];
}

/** The loss beside this host's kernel UDP counters: its own socket buffers' drops. */
function hostBeside({ label, result, d }: UdpRun): string[] {
  const k = result.udp?.udp.available ? result.udp.total : null;
  const kernel = (v: number | null | undefined): string => (k === null || v === null || v === undefined ? '-' : n(v));
  return [
    label,
    `${n(d.lost)} (${share(d)})`,
    kernel(k?.rcvbufErrors),
    kernel(k?.sndbufErrors),
    kernel(k?.inErrors),
    kernel(k?.memErrors),
    kernel(k?.noPorts),
  ];
}

/** Each second's datagrams sent, back and lost (timeline rows of a UDP run carry them). */
export function perSecond({ label, result }: { label: string; result: RunResult }): TimePoint[] {
  const series = (what: string): string => `${label} ${what}`.trim();
  return result.timeline.flatMap((row) =>
    row.datagrams
      ? [
          { series: series('sent'), t: row.t, value: row.datagrams.sent },
          { series: series('back'), t: row.t, value: row.datagrams.received },
          { series: series('lost'), t: row.t, value: row.datagrams.lost },
        ]
      : [],
  );
}
