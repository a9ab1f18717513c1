/**
 * Starts `l4stress serve` in child processes for runs without --target. Separate processes because file
 * descriptors are per process: 10,000 client plus 10,000 server sockets do not fit under one 20,000 limit, and
 * past one process's limit the target itself runs as several processes, each on its own port.
 */

import { type ChildProcess, fork } from 'node:child_process';
import { CouldNotRunError } from '../core/errors.js';
import { siblingEntry } from '../core/modules.js';
import type { ProxyMode } from '../proxy/parser.js';
import { mergeTallies, type SourceTallyDoc } from '../proxy/source-tally.js';
import type { CertificatePair } from '../serve/certificate.js';
import type { ServeMode } from '../serve/echo-server.js';
import {
  type ParentToTarget,
  SERVE_DEFAULTS,
  type ServeOptions,
  type TargetToParent,
  type UdpServeSettings,
  type UdpTargetStats,
} from '../serve/serve-process.js';
import { emptyTargetStats, type TargetStats } from '../serve/stats.js';

export interface EmbeddedTarget {
  /** Every process's address: connection id -> targets[id % length]. */
  targets: { host: string; port: number }[];
  host: string;
  port: number;
  pids: number[];
  pid: number;
  /** Sum of what every target process saw; null if none answers (or for a UDP target: udpStats). */
  stats(timeoutMs?: number): Promise<TargetStats | null>;
  /** A UDP target's figures (serve --udp); null if it does not answer, or for a TCP target. */
  udpStats(timeoutMs?: number): Promise<UdpTargetStats | null>;
  /** Claimed sources seen since start or the last reset, across processes; null if one does not answer. */
  sources(timeoutMs?: number): Promise<SourceTallyDoc | null>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

interface Child {
  child: ChildProcess;
  host: string;
  port: number;
  pid: number;
}

/**
 * `tls`: the certificate every target process terminates TLS with (the run trusts it); null: plain TCP. `udp`: serve
 * UDP (serve --udp) with these settings instead.
 */
export async function startEmbeddedTarget(
  proxy: ProxyMode,
  mode: ServeMode = 'echo',
  processes = 1,
  tls: CertificatePair | null = null,
  maxV2Length: number = SERVE_DEFAULTS.maxV2Length,
  udp: UdpServeSettings | null = null,
): Promise<EmbeddedTarget> {
  const started = await Promise.allSettled(
    Array.from({ length: processes }, () => startOne(proxy, mode, tls, maxV2Length, udp)),
  );
  const children = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failure) {
    await Promise.all(children.map((c) => stopChild(c.child)));
    throw failure.reason;
  }
  return {
    targets: children.map((c) => ({ host: c.host, port: c.port })),
    host: children[0].host,
    port: children[0].port,
    pids: children.map((c) => c.pid),
    pid: children[0].pid,
    async stats(timeoutMs = 3000) {
      if (udp) return null;
      const all = await Promise.all(children.map((c) => ask(c.child, { type: 'stats' }, 'stats', timeoutMs)));
      if (all.every((m) => m === null)) return null;
      return all.reduce((sum, m) => (m ? addTargetStats(sum, m.stats as TargetStats) : sum), emptyTargetStats());
    },
    async udpStats(timeoutMs = 3000) {
      if (!udp) return null;
      const all = await Promise.all(children.map((c) => ask(c.child, { type: 'stats' }, 'stats', timeoutMs)));
      const answered = all.flatMap((m) => (m ? [m.stats as UdpTargetStats] : []));
      return answered.length ? answered.reduce(addUdpStats) : null;
    },
    async sources(timeoutMs = 10_000) {
      const all = await Promise.all(children.map((c) => ask(c.child, { type: 'sources' }, 'sources', timeoutMs)));
      if (all.some((m) => m === null)) return null;
      return mergeTallies(all.map((m) => m!.sources));
    },
    async reset() {
      await Promise.all(children.map((c) => ask(c.child, { type: 'reset' }, 'reset', 3000)));
    },
    async stop() {
      await Promise.all(children.map((c) => stopChild(c.child)));
    },
  };
}

/** Sums two records of counts by key. */
function addRecords<T extends Partial<Record<string, number>>>(x: T, y: T): T {
  const out: Record<string, number> = { ...(x as Record<string, number>) };
  for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + (v ?? 0);
  return out as T;
}

/** UDP target processes' figures summed (each serves its own flows); buffers and queue peaks: the largest. */
function addUdpStats(a: UdpTargetStats, b: UdpTargetStats): UdpTargetStats {
  return {
    datagramsIn: a.datagramsIn + b.datagramsIn,
    bytesIn: a.bytesIn + b.bytesIn,
    datagramsOut: a.datagramsOut + b.datagramsOut,
    bytesOut: a.bytesOut + b.bytesOut,
    headers: addRecords(a.headers, b.headers),
    crcVerified: a.crcVerified + b.crcVerified,
    local: a.local + b.local,
    rejected: addRecords(a.rejected, b.rejected),
    dropped: addRecords(a.dropped, b.dropped),
    sendErrors: addRecords(a.sendErrors, b.sendErrors),
    distinctPeers: a.distinctPeers + b.distinctPeers,
    distinctSources: a.distinctSources + b.distinctSources,
    overflow: a.overflow + b.overflow,
    queued: a.queued + b.queued,
    peakQueued: Math.max(a.peakQueued, b.peakQueued),
    recvBufferBytes: Math.max(a.recvBufferBytes, b.recvBufferBytes),
    sendBufferBytes: Math.max(a.sendBufferBytes, b.sendBufferBytes),
  };
}

/** Sums counts; the RSS is the largest process's (a sum of peaks at different times would overstate). */
function addTargetStats(a: TargetStats, b: TargetStats): TargetStats {
  const map = addRecords;
  return {
    accepted: a.accepted + b.accepted,
    open: a.open + b.open,
    peakOpen: a.peakOpen + b.peakOpen,
    headers: map(a.headers, b.headers),
    noHeader: a.noHeader + b.noHeader,
    rejected: map(a.rejected, b.rejected),
    abandoned: map(a.abandoned, b.abandoned),
    crcVerified: a.crcVerified + b.crcVerified,
    tlvs: map(a.tlvs, b.tlvs),
    distinctSources: a.distinctSources + b.distinctSources,
    sourcesOverflow: a.sourcesOverflow + b.sourcesOverflow,
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
    socketErrors: map(a.socketErrors, b.socketErrors),
    tlsHandshakes: a.tlsHandshakes + b.tlsHandshakes,
    tlsResumed: a.tlsResumed + b.tlsResumed,
    tlsSni: map(a.tlsSni, b.tlsSni),
    tlsAlpn: map(a.tlsAlpn, b.tlsAlpn),
    tlsFailed: map(a.tlsFailed, b.tlsFailed),
    maxRssBytes: Math.max(a.maxRssBytes, b.maxRssBytes),
    cpuUserUs: a.cpuUserUs + b.cpuUserUs,
    cpuSystemUs: a.cpuSystemUs + b.cpuSystemUs,
  };
}

/**
 * How long the embedded target waits for a connection's first bytes (its PROXY header, or the detection that none
 * comes) and for its TLS handshake. `serve` closes a silent client after 5 s (a server's guard against clients that
 * never speak); the embedded target serves only its own generator, whose first write comes as soon as its event
 * loop gets to it. On a starved machine that took longer than 5 s: a 100,000-session hold run beside other work
 * had 796 sessions closed by that timeout, reported as "the target ended 661 established sessions". Finite (a JSON
 * IPC message turns Infinity into null) and far past any ramp.
 */
const EMBEDDED_PATIENCE_MS = 10 * 60_000;

async function startOne(
  proxy: ProxyMode,
  mode: ServeMode,
  tls: CertificatePair | null,
  maxV2Length: number,
  udp: UdpServeSettings | null,
  startTimeoutMs = 10_000,
): Promise<Child> {
  const entry = siblingEntry(import.meta.url, '../entry/target-process');
  const options: ServeOptions = {
    ...SERVE_DEFAULTS,
    headerTimeoutMs: EMBEDDED_PATIENCE_MS,
    tlsHandshakeTimeoutMs: EMBEDDED_PATIENCE_MS,
    host: '127.0.0.1',
    port: 0,
    proxy,
    mode,
    controlPort: null,
    controlHost: '127.0.0.1',
    controlToken: null,
    dumpSourcesFile: null,
    tls,
    maxV2Length,
    udp,
  };
  // Options (a private key among them) go over the IPC channel, never the command line other users can read.
  const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.send({ type: 'options', options } satisfies ParentToTarget);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });

  const listening = await new Promise<Extract<TargetToParent, { type: 'listening' }>>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${startTimeoutMs} ms`), startTimeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new CouldNotRunError(`embedded target ${why}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    };
    child.on('message', (msg: TargetToParent) => {
      if (msg.type === 'listening') {
        clearTimeout(timer);
        resolve(msg);
      }
      if (msg.type === 'failed') fail(msg.message);
    });
    child.once('exit', (code, signal) => fail(`exited early (${signal ?? `code ${code}`})`));
    child.once('error', (err) => fail(err.message));
  });
  child.removeAllListeners('exit');
  return { child, host: listening.host, port: listening.port, pid: listening.pid };
}

/** Sends a request and waits for the reply of type `replyType`; null when the child does not answer in time. */
function ask<T extends TargetToParent['type']>(
  child: ChildProcess,
  request: ParentToTarget,
  replyType: T,
  timeoutMs: number,
): Promise<Extract<TargetToParent, { type: T }> | null> {
  if (!child.connected) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(null);
    }, timeoutMs);
    const onMessage = (msg: TargetToParent): void => {
      if (msg.type !== replyType) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg as Extract<TargetToParent, { type: T }>);
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ type: 'shutdown' } satisfies ParentToTarget);
    else child.kill('SIGTERM');
  });
}
