/**
 * Echo: request/response on every long-lived session. Closed loop: the next message leaves when the echo of the
 * previous one is back. Paced (--rate): the pacer decides when each message is due. An echo that never comes back
 * would stall a closed loop forever, so a sweep counts it missing after --echo-timeout and moves on.
 */
import { performance } from 'node:perf_hooks';
import { type EchoConnection, EchoExchange, type EchoState } from './echo-exchange.js';
import type { Mode } from './mode.js';
import { Pacer } from './pacer.js';
import type { Session } from './session.js';

const ECHO_SWEEP_MS = 100;

export function createEchoMode(session: Session<EchoState>): Mode<EchoState> {
  const { plan, traits, recorder, connections } = session;
  const exchange = new EchoExchange(plan, traits, recorder, session.receiveBuffer, onEcho);
  const pacer = traits.paced ? new Pacer(plan.ratePerSecond, connections, exchange, recorder) : null;
  let sweeper: NodeJS.Timeout | null = null;

  function onEcho(c: EchoConnection, now: number): void {
    if (!c.opened) session.markOpened(c);
    if (session.stopping || !session.traffic) return;
    if (pacer) pacer.owed(c, now);
    else exchange.send(c, -1);
  }

  const sweep = (): void => {
    const now = performance.now();
    for (const c of connections) {
      if (!c.state.busy || c.closed || !c.established || now - c.state.sentAtMs < plan.echoTimeoutMs) continue;
      exchange.giveUp(c);
      if (session.traffic && !session.stopping && !pacer) exchange.send(c, -1);
    }
  };

  return {
    newState: (id) => exchange.newState(id),
    pump: () => session.ramp(),
    firstMessage: (c) => exchange.message(c),
    afterFirstWrite: (c) => exchange.started(c, -1),
    onConnected: () => {},
    onBytes: (c, nread) => {
      exchange.onBytes(c, nread);
      // A first echo given up on (--echo-timeout) and answered later: served from now on (an ingress at its limit
      // freed a slot), so the pacer pings it; once our closes began, markOpened refuses it.
      if (!c.opened && c.state.mask !== 0) session.markOpened(c);
    },
    onDrain: () => {},
    startTraffic() {
      if (pacer) pacer.start();
      else for (const c of connections) if (c.established && !c.closed && !c.state.busy) exchange.send(c, -1);
      sweeper = setInterval(sweep, ECHO_SWEEP_MS);
    },
    stopTraffic() {
      pacer?.stop();
      if (sweeper) clearInterval(sweeper);
    },
    drained: () => connections.every((c) => c.closed || !c.state.busy),
    streamFairness: () => null,
  };
}
