/**
 * The kernel's UDP counters as a witness, in the generator's network namespace (instruments/udp-snmp.ts reads
 * /proc/net/snmp and snmp6): what InDatagrams, OutDatagrams, NoPorts, InErrors, RcvbufErrors, SndbufErrors,
 * InCsumErrors and MemErrors did over the measured window (IPv4 and IPv6 apart and added up) and each second. It
 * attributes a loss: RcvbufErrors or SndbufErrors that rose are datagrams this host's own socket buffers dropped (a
 * receiver that did not read fast enough, a sender that found no room), not the ingress or the target. Counted for
 * every run, TCP ones too: a run beside a UDP burst on the same host says so. And whose sockets dropped: each UDP
 * socket's own drop count at the window's two ends (instruments/udp-sockets.ts), the generator's apart, which is
 * what find's whose-limit reads (hostBufferDrops). It is over 300 lines on purpose: one witness whole (its sampling,
 * section, merge, metrics, warnings, summary line, table, chart and its view of a find probe), as every witness is
 * one file.
 */
import { formatCount } from '../core/units.js';
import { UDP_COUNTER_NAMES, UDP_COUNTERS, type UdpCounterName } from '../core/vocabulary.js';
import type { ProbeRecord } from '../documents/find.js';
import type { RunResult } from '../documents/result.js';
import type { UdpCountersDoc, UdpSample, UdpSection } from '../documents/udp.js';
import { readUdpSnmp, type UdpSnmpReading, type UdpSource, udpSnmpDelta } from '../instruments/udp-snmp.js';
import { readUdpSocketTable, socketInodes, type UdpSocketTable, udpSocketDrops } from '../instruments/udp-sockets.js';
import {
  type LabelledRun,
  live,
  type MetricDef,
  type ProbeColumn,
  type Witness,
  type WitnessChart,
  type WitnessTable,
} from './witness.js';

/** The readings that bound the window, and whether it was the measured phase. */
export interface UdpWindow {
  measured: boolean;
  from: { reading: UdpSnmpReading; at: number } | null;
  to: { reading: UdpSnmpReading; at: number } | null;
  /** The sockets' own drops at the window's start, and what they dropped by its end (null: not read). */
  socketsFrom?: UdpSocketTable | null;
  sockets?: { all: number; ours: number } | null;
}

/** The counters that are drops on this host, each with what it means in a warning. */
const HOST_DROPS = {
  rcvbufErrors: 'a receive buffer was full, a socket on this host did not read fast enough',
  sndbufErrors: 'a send found no room in its send buffer',
  memErrors: "the kernel's UDP memory (net.ipv4.udp_mem) was exhausted",
} as const satisfies Partial<Record<UdpCounterName, string>>;

const RCVBUF_FIX = " (raise the receiver's SO_RCVBUF, serve --rcvbuf, or net.core.rmem_max)";

const reading = () => ({ reading: readUdpSnmp(), at: performance.now() });

export const udpWitness: Witness<'udp', UdpWindow> = {
  key: 'udp',
  subject: 'host',
  live: ({ pidsOf }) => {
    const window: UdpWindow = { measured: false, from: null, to: null, socketsFrom: null, sockets: null };
    let last: UdpSnmpReading | null = null;
    // The generator's own sockets: this process's (its load threads share its descriptors) and its children's.
    const ours = () => socketInodes([process.pid, ...pidsOf('generator')]);
    return live({
      start: () => {
        window.from = reading();
        last = window.from.reading;
      },
      // The measured window: from its first moment to the stopping phase (the drain is not measured). The sockets'
      // drops are read while the flows are still open: at the stop they are closed, and whose they were unknown.
      phase: (p) => {
        if (p === 'measure')
          Object.assign(window, { measured: true, from: reading(), to: null, socketsFrom: readUdpSocketTable() });
        else if (p === 'stopping' && window.measured && !window.to) {
          window.to = reading();
          const from = window.socketsFrom;
          window.sockets = from ? udpSocketDrops(from, readUdpSocketTable(), ours) : null;
        }
      },
      tick: (row) => {
        const now = readUdpSnmp();
        if (last) {
          const sample = sampleOf(total(udpSnmpDelta(last, now)));
          if (Object.keys(sample).length > 0) row.udp = sample;
        }
        last = now;
      },
      stop: () => ({ ...window, to: window.to ?? reading() }),
    });
  },
  section: (w) => buildUdp(w) ?? undefined,
  merge: mergeUdp,
  // Over the window, both families added up (worst iteration); null where the host gave no UDP table.
  metrics: Object.fromEntries(
    UDP_COUNTER_NAMES.map((n): [string, MetricDef] => [
      `udp.${n}`,
      {
        unit: 'count',
        // Traffic (InDatagrams, OutDatagrams) is a figure, its median over iterations; the rest are drops, events.
        ...(n === 'inDatagrams' || n === 'outDatagrams'
          ? { better: 'higher', reduce: 'median' }
          : { better: 'lower', reduce: 'max', events: true }),
        read: (r) => r.udp?.total[n] ?? null,
        whyNull: (r) => whyNull(r.udp, n),
      },
    ]),
  ),
  measurable: () => {
    const now = readUdpSnmp();
    return now.udp.available ? null : `the kernel's UDP counters are unavailable on this host (${now.udp.why})`;
  },
  warnings: (section) => udpWarnings(section),
  summary: (s) => [udpLine(s)],
  table: udpTable,
  charts: (runs) => {
    const chart = udpChart(runs);
    return chart ? [chart] : [];
  },
  // Each probe of a search: the counters that moved during it; the table's column when this host dropped any.
  probe: { figures: (s) => (s ? probeFigure(s) : null), column: hostDropsColumn },
  gauges: [
    {
      name: 'udp_rcvbuf_errors',
      help: 'UDP datagrams dropped for a full receive buffer in the last second (the namespace, IPv4 + IPv6)',
      read: (row) => row.udp?.rcvbufErrors ?? undefined,
    },
    {
      name: 'udp_sndbuf_errors',
      help: 'UDP sends refused for a full send buffer in the last second (the namespace, IPv4 + IPv6)',
      read: (row) => row.udp?.sndbufErrors ?? undefined,
    },
  ],
};

/** IPv4 and IPv6 added up: a family the host lacks adds nothing; null where IPv4's table or its field is missing. */
function total(r: { udp: UdpSource; udp6: UdpSource }): UdpCountersDoc {
  const out = {} as UdpCountersDoc;
  for (const n of UDP_COUNTER_NAMES) {
    const v4 = r.udp.available ? r.udp.counters[n] : null;
    const v6 = r.udp6.available ? r.udp6.counters[n] : 0;
    out[n] = v4 === null ? null : v4 + (v6 ?? 0);
  }
  return out;
}

function sampleOf(counters: UdpCountersDoc): UdpSample {
  return Object.fromEntries(Object.entries(counters).filter(([, v]) => v !== null)) as UdpSample;
}

/** The section: the window's deltas; null without both readings. */
export function buildUdp(w: UdpWindow): UdpSection | null {
  if (!w.from || !w.to) return null;
  const d = udpSnmpDelta(w.from.reading, w.to.reading);
  return {
    window: w.measured ? 'measure' : 'run',
    windowMs: Math.max(0, Math.round(w.to.at - w.from.at)),
    udp: d.udp,
    udp6: d.udp6,
    total: total(d),
    sockets: w.sockets ? { all: w.sockets.all, generator: w.sockets.ours } : null,
  };
}

/** The shards' as one: each host's counters added up (their windows overlap); unavailable where every shard's was. */
export function mergeUdp(shards: (UdpSection | null | undefined)[]): UdpSection | undefined {
  const present = shards.filter((s): s is UdpSection => s != null);
  if (present.length === 0) return undefined;
  const add = (pick: (s: UdpSection) => UdpSource): UdpSource => {
    const known = present.map(pick).filter((s) => s.available);
    if (known.length === 0) return pick(present[0]);
    const counters = {} as UdpCountersDoc;
    for (const n of UDP_COUNTER_NAMES) {
      const vs = known.map((s) => s.counters[n]);
      counters[n] = vs.includes(null) ? null : vs.reduce<number>((a, b) => a + (b ?? 0), 0);
    }
    return { available: true, counters };
  };
  const udp = add((s) => s.udp);
  const udp6 = add((s) => s.udp6);
  return {
    window: present.every((s) => s.window === 'measure') ? 'measure' : 'run',
    windowMs: Math.max(...present.map((s) => s.windowMs)),
    udp,
    udp6,
    total: total({ udp, udp6 }),
  };
}

function whyNull(section: UdpSection | undefined, n: UdpCounterName): string | null {
  if (!section) return 'the result has no UDP counters (an older result, or the run ended before the load began)';
  if (!section.udp.available) return `the kernel's UDP counters were unavailable (${section.udp.why})`;
  return `this kernel's /proc/net/snmp has no Udp ${UDP_COUNTERS[n]} field`;
}

/** Drops on this host, in words, with the counter's kernel name: a loss over that window is partly the host's. */
export function udpWarnings(section: UdpSection | undefined): string[] {
  if (!section) return [];
  const during = section.window === 'measure' ? 'during the measured window' : 'during the run';
  return (Object.keys(HOST_DROPS) as (keyof typeof HOST_DROPS)[]).flatMap((n) => {
    const v = section.total[n];
    if (!v) return [];
    return [
      `this machine's kernel dropped ${v.toLocaleString('en-US')} UDP datagram${v === 1 ? '' : 's'} ${during} ` +
        `(${UDP_COUNTERS[n]}: ${HOST_DROPS[n]}): a UDP loss over this window is partly this host's socket ` +
        `buffers, not the network's or a remote ingress's${n === 'rcvbufErrors' ? RCVBUF_FIX : ''}`,
    ];
  });
}

/**
 * For find's whose-limit (find/probe-verdict.ts): the datagrams this host's socket buffers dropped during a UDP
 * probe that were the generator's loss, in words, or null when there were none. Such a loss is this host's, not the
 * target's, as a generator's saturated CPU is its own limit. With the sockets' own counts (`sockets`), only the
 * generator's sockets' drops count (a target on this host, or another program's burst beside the probe, is not the
 * generator's doing), and the kernel's UDP memory (MemErrors) running out, which is every socket's; without them
 * (an older result, a /proc without the tables), every drop in the namespace counts: never the target's.
 */
export function hostBufferDrops(section: UdpSection | undefined): string | null {
  if (!section?.udp.available) return null;
  const memErrors = section.total.memErrors ?? 0;
  const sockets = section.sockets;
  if (sockets) {
    if (sockets.generator === 0 && memErrors === 0) return null;
    const mine = sockets.generator > 0 ? `the generator's own sockets dropped ${datagrams(sockets.generator)}` : '';
    const memory = memErrors > 0 ? `the kernel's UDP memory ran out ${times(memErrors)} (MemErrors)` : '';
    return (
      `${[mine, memory].filter(Boolean).join(', and ')} during the window: a loss here is this host's, not the ` +
      `target's; ${HOST_FIX}`
    );
  }
  const counted = HOST_DROP_NAMES.flatMap((n) => {
    const v = section.total[n];
    return v ? [{ n, v }] : [];
  });
  if (counted.length === 0) return null;
  const all = counted.reduce((a, c) => a + c.v, 0);
  return (
    `this host's socket buffers dropped ${datagrams(all)} during the window ` +
    `(${counted.map((c) => `${UDP_COUNTERS[c.n]} ${formatCount(c.v)}`).join(', ')}): a loss here is this host's, ` +
    `not the target's; ${HOST_FIX}`
  );
}

const HOST_FIX =
  'give the sockets room (net.core.rmem_max, net.core.wmem_max, serve --rcvbuf) or run the generator on another host';

const datagrams = (n: number): string => `${formatCount(n)} UDP datagram${n === 1 ? '' : 's'}`;
const times = (n: number): string => (n === 1 ? 'once' : `${formatCount(n)} times`);

const HOST_DROP_NAMES = Object.keys(HOST_DROPS) as (keyof typeof HOST_DROPS)[];

/**
 * A probe's figure: the counters that moved (an empty object when none did), and what the sockets dropped by their
 * own count, every socket's (`socketDrops`) and the generator's (`generatorDrops`), when read.
 */
function probeFigure(s: UdpSection): Record<string, number> {
  const moved = Object.entries(s.total).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
  const sockets: [string, number][] = s.sockets
    ? [
        ['socketDrops', s.sockets.all],
        ['generatorDrops', s.sockets.generator],
      ]
    : [];
  return Object.fromEntries([...moved, ...sockets]);
}

/** find's probe table: what this host's buffers dropped in each probe (the generator's), when any probe had some. */
function hostDropsColumn(probes: ProbeRecord[]): ProbeColumn | null {
  const drops = (p: ProbeRecord): number | null =>
    p.udp == null ? null : HOST_DROP_NAMES.reduce((a, n) => a + (p.udp?.[n] ?? 0), 0);
  if (!probes.some((p) => (drops(p) ?? 0) > 0)) return null;
  return {
    header: 'host drops',
    cell: (p) => {
      const v = drops(p);
      const ours = p.udp?.generatorDrops;
      return v === null ? '-' : `${formatCount(v)}${ours === undefined ? '' : ` (ours ${formatCount(ours)})`}`;
    },
    note:
      "host drops: UDP datagrams this host's socket buffers dropped during the probe (RcvbufErrors, SndbufErrors, " +
      "MemErrors; ours: by the generator's own sockets): the generator's are this host's loss, not the target's",
  };
}

/** `udp          in 1,234, out 1,230, RcvbufErrors 0, ...` (every counter named, so a 0 is seen as a 0). */
export function udpLine(s: UdpSection): string {
  if (!s.udp.available) return `udp          unavailable (${s.udp.why})`;
  const figures = UDP_COUNTER_NAMES.map((n) => {
    const v = s.total[n];
    return `${UDP_COUNTERS[n]} ${v === null ? '-' : formatCount(v)}`;
  });
  const v6 = s.udp6.available ? 'IPv4 + IPv6' : 'IPv4 only';
  return `udp          ${figures.join(', ')} (${v6}, over the ${s.window === 'measure' ? 'measured window' : 'run'})`;
}

function udpTable(runs: LabelledRun[]): WitnessTable | null {
  const withUdp = runs.filter(({ result }) => result.udp?.udp.available);
  if (withUdp.length === 0) return null;
  return {
    title: 'UDP (kernel)',
    header: ['run', ...UDP_COUNTER_NAMES.map((n) => UDP_COUNTERS[n])],
    rows: withUdp.map(({ label, result }) => [
      label,
      ...UDP_COUNTER_NAMES.map((n) => {
        const v = (result.udp as UdpSection).total[n];
        return v === null ? '-' : formatCount(v);
      }),
    ]),
    note:
      "UDP counters from /proc/net/snmp and snmp6 over the measured window (the host's, every socket's): " +
      "RcvbufErrors and SndbufErrors are datagrams this host's own socket buffers dropped.",
  };
}

/** The drops each second, per run: zero lines are left out unless a run had some. */
function udpChart(runs: LabelledRun[]): WitnessChart | null {
  const shown: UdpCounterName[] = ['rcvbufErrors', 'sndbufErrors', 'inErrors', 'noPorts'];
  const points = runs.flatMap(({ label, result }: { label: string; result: RunResult }) =>
    result.timeline.flatMap((row) =>
      shown.flatMap((n) => {
        const v = row.udp?.[n];
        return v === undefined || v === null
          ? []
          : [{ series: `${label} ${UDP_COUNTERS[n]}`.trim(), t: row.t, value: v }];
      }),
    ),
  );
  if (!points.some((p) => p.value > 0)) return null;
  return {
    title: 'UDP drops on this host',
    note: "each second: the kernel's UDP RcvbufErrors, SndbufErrors, InErrors and NoPorts (every socket on the host)",
    yLabel: 'datagrams per second',
    points,
  };
}
