/**
 * Stream: continuous bytes on every session. Up: we write into a sink; down: the target writes to us; both: we
 * write through an echo. Writes go until the kernel buffer is full, then wait for 'drain': bounded memory, real
 * backpressure. Reports each connection's bytes in the measured phase (fairness).
 */
import type { Connection, Mode } from './mode.js';
import type { Session } from './session.js';

export interface StreamState {
  /** The kernel buffer has room (no 'drain' pending). */
  writable: boolean;
}

export function createStreamMode(session: Session<StreamState>): Mode<StreamState> {
  const { plan, recorder, connections } = session;
  const chunk = Buffer.alloc(plan.sizeBytes);
  const sends = plan.direction !== 'down';
  const echoed = plan.direction === 'both';

  const pumpWrites = (c: Connection<StreamState>): void => {
    const s = c.socket!;
    while (!session.stopping && !c.closed && c.state.writable) {
      recorder.counters.bytesSent += chunk.length;
      c.bytesOut += chunk.length;
      if (!s.write(chunk)) c.state.writable = false;
    }
  };

  return {
    newState: () => ({ writable: true }),
    pump: () => session.ramp(),
    firstMessage: () => chunk,
    afterFirstWrite: () => {},
    // A session reopened (--reconnect) while traffic runs starts writing at once; at the ramp, traffic starts them.
    onConnected(c) {
      if (session.traffic && sends) pumpWrites(c);
    },
    // Down and both are open once the first bytes arrive.
    onBytes: (c) => session.markOpened(c),
    onDrain(c) {
      c.state.writable = true;
      if (session.traffic) pumpWrites(c);
    },
    startTraffic() {
      if (sends) for (const c of connections) if (c.established && !c.closed) pumpWrites(c);
    },
    stopTraffic: () => {},
    // Our writes have left the process; through an echo (both), what we sent has come back too.
    drained: () =>
      connections.every(
        (c) => c.closed || !c.established || (c.socket!.writableLength === 0 && (!echoed || c.bytesIn >= c.bytesOut)),
      ),
    streamFairness() {
      const established = connections.filter((c) => c.established);
      const perConnectionBytes = established.map((c) => c.bytesOut + c.bytesIn - c.measureStartBytes);
      const stalledIds = established.filter((_, i) => perConnectionBytes[i] === 0).map((c) => c.id);
      return { perConnectionBytes, stalledIds };
    },
  };
}
