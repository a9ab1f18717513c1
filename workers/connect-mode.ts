/**
 * Churn (--mode connect): cycles of open -> PROXY header -> [one echo with --churn-echo] -> close, with `conns`
 * cycles in flight from the traffic phase on, at the connect rate if one is set. A cycle counts when we closed an
 * established session on purpose (an RST close may report an error); its slot then opens the next connection.
 */
import { performance } from 'node:perf_hooks';
import { EchoExchange, type EchoState } from './echo-exchange.js';
import type { Mode } from './mode.js';
import type { Session } from './session.js';

export function createConnectMode(session: Session<EchoState>): Mode<EchoState> {
  const { plan, traits, recorder, connections } = session;
  const { counters } = recorder;
  // With --churn-echo the cycle closes when its one echo is back.
  const exchange = new EchoExchange(plan, traits, recorder, session.receiveBuffer, (c) => {
    if (!c.opened) session.markOpened(c);
    session.close(c);
  });
  let startMs = 0;
  let opened = 0;

  return {
    newState: (id) => exchange.newState(id),
    pump() {
      if (!session.traffic) {
        session.announceRamped();
        return;
      }
      const elapsedS = (performance.now() - startMs) / 1000;
      const due = plan.connectRate > 0 ? Math.floor(elapsedS * plan.connectRate) + 1 : Infinity;
      while (opened < due && connections.length < plan.conns && session.opening < plan.maxConnecting) {
        // Ids keep growing, interleaved across workers, so pools and targets rotate over the whole run.
        session.open(plan.index + opened++ * plan.idStride);
      }
      // Behind the --connect-rate schedule: say what held the next connect back (the connect verdict reads these).
      if (plan.connectRate > 0 && opened < due && recorder.measuring) {
        if (session.opening >= plan.maxConnecting) counters.connectHeldInFlight++;
        else counters.connectHeldByConns++;
      }
      if (plan.connectRate > 0 && opened >= due) session.scheduleRamp(elapsedS, due, opened);
    },
    firstMessage: (c) => exchange.message(c),
    afterFirstWrite: (c) => exchange.started(c, -1),
    onConnected(c) {
      if (!traits.echoes) session.close(c);
    },
    onBytes(c, nread) {
      if (traits.echoes) exchange.onBytes(c, nread);
    },
    onDrain: () => {},
    onCycleDone() {
      counters.cycles++;
      if (recorder.measuring) counters.measuredCycles++;
    },
    onClosed(c) {
      // A finished cycle makes room for the next connection.
      const at = connections.indexOf(c);
      connections[at] = connections[connections.length - 1];
      connections.pop();
    },
    startTraffic() {
      startMs = performance.now();
      session.pump();
    },
    stopTraffic: () => {},
    // In-flight cycles finish (or are closed by the stop) and leave nothing behind.
    drained: () => connections.every((c) => c.closed),
    streamFairness: () => null,
  };
}
