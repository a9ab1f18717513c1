/**
 * What each load mode is, worked out in one place: the worker, the shard function, the result builder, the
 * calibration ratios and the embedded target all ask `modeTraits()` instead of testing `mode` themselves.
 */

import type { LoadMode, ServeMode, StreamDirection, Transport } from '../core/vocabulary.js';
import { integrityEnabled } from './integrity.js';

export type { CloseStyle, LoadMode, ServeMode, StreamDirection, Transport } from '../core/vocabulary.js';

export interface ModeSpec {
  /** Absent: tcp. */
  transport?: Transport;
  mode: LoadMode;
  /** Open-loop echo: total messages per second (0 = closed loop). */
  ratePerSecond: number;
  direction: StreamDirection;
  churnEcho: boolean;
  sizeBytes: number;
  conns: number;
  pingIntervalMs: number;
}

export interface ModeTraits {
  /** Sessions exchange echo messages (echo, hold, churn with --churn-echo): round trips, integrity framing. */
  echoes: boolean;
  /** Echo messages carry an integrity stamp (echoes and long enough). */
  integrity: boolean;
  /** Sends follow a shared pacer (open-loop echo, hold pings) rather than the previous echo. */
  paced: boolean;
  /** Messages per second the whole run intends when paced; 0 for a closed loop. */
  intendedPerSecond: number;
  /** Sessions are opened during the ramp and held to the end (all modes but churn). */
  longLived: boolean;
  /** The first write (with the PROXY header) carries a message: echo-like modes, and stream up/both. */
  sendsFirstMessage: boolean;
  /** A session is open end to end once connected: nothing comes back to wait for (stream up, churn without echo). */
  openOnConnect: boolean;
  /** Round trips are a meaningful rate for this mode (not for stream or churn). */
  roundTrips: boolean;
  /** What an embedded target must do for this mode. */
  serveMode: ServeMode;
}

export function modeTraits(s: ModeSpec): ModeTraits {
  if (s.transport === 'udp') return udpTraits(s);
  // Echo and hold sessions ping-pong for their whole life: a round trip is their unit of work.
  const pingPong = s.mode === 'echo' || s.mode === 'hold';
  const echoes = pingPong || (s.mode === 'connect' && s.churnEcho);
  const stream = s.mode === 'stream';
  // Hold pings every connection once per interval: a rate like any other, so one pacer serves both.
  const intendedPerSecond =
    s.mode === 'hold' ? (s.conns * 1000) / s.pingIntervalMs : s.mode === 'echo' ? s.ratePerSecond : 0;
  return {
    echoes,
    integrity: echoes && integrityEnabled(s.sizeBytes),
    paced: intendedPerSecond > 0,
    intendedPerSecond,
    longLived: s.mode !== 'connect',
    sendsFirstMessage: echoes || (stream && s.direction !== 'down'),
    openOnConnect: !echoes && !(stream && s.direction !== 'up'),
    roundTrips: pingPong,
    serveMode: !stream || s.direction === 'both' ? 'echo' : s.direction === 'up' ? 'sink' : 'source',
  };
}

/**
 * Over UDP (workers/udp-flows.ts) every mode sends stamped datagrams to an echo target: echo in a closed loop or at
 * --rate, hold as flows pinged every --ping-interval, stream at its offered rate (reflected, so loss and jitter are
 * counted where the datagrams come back). Paced modes share the TCP modes' pacer.
 */
function udpTraits(s: ModeSpec): ModeTraits {
  const intendedPerSecond = s.mode === 'hold' ? (s.conns * 1000) / s.pingIntervalMs : s.ratePerSecond;
  return {
    echoes: true,
    integrity: true,
    paced: intendedPerSecond > 0,
    intendedPerSecond,
    longLived: true,
    sendsFirstMessage: true,
    openOnConnect: false,
    roundTrips: s.mode !== 'stream',
    serveMode: 'echo',
  };
}
