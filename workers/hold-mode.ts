/**
 * Hold: many long-lived, mostly idle sessions, each pinged (one echo) once per --ping-interval. It is the echo
 * mode driven by the shared pacer at conns / interval pings per second (the shard function gives each worker its
 * share), so pings are spread evenly and a ping a busy session owed counts as late, never silently skipped.
 */
import type { EchoState } from './echo-exchange.js';
import { createEchoMode } from './echo-mode.js';
import type { Mode } from './mode.js';
import type { Session } from './session.js';

export function createHoldMode(session: Session<EchoState>): Mode<EchoState> {
  if (!session.traits.paced) throw new Error('hold mode needs a ping rate (plan.ratePerSecond > 0)');
  return createEchoMode(session);
}
