/**
 * A load worker: one Piscina task per worker thread, alive for the whole run. It builds the shared session
 * lifecycle and its mode (one file each: echo, hold, stream, churn), or UDP flows (udp-flows.ts), then follows
 * the main thread's phases over its MessagePort: go (ramp) -> traffic (warm-up) -> measure -> stop, answering
 * ticks with snapshots.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { currentThread } from '../src/instruments/machine.js';
import type { MainToWorker, WorkerReport, WorkerTask } from '../src/worker-contract/protocol.js';
import { createConnectMode } from './connect-mode.js';
import { createEchoMode } from './echo-mode.js';
import { createHoldMode } from './hold-mode.js';
import type { Mode, WorkerDriver } from './mode.js';
import { Recorder } from './recorder.js';
import { Session } from './session.js';
import { createStreamMode } from './stream-mode.js';

export default async function loadWorker({ plan, port }: WorkerTask): Promise<WorkerReport> {
  const recorder = new Recorder(plan.traits.paced);
  const onRamped = (atMs: number): void => {
    collectGarbage();
    port.postMessage({ type: 'ramped', worker: plan.index, atMs });
  };
  // Loaded only by a UDP run's workers: a TCP worker starts without the UDP engine's modules.
  const flows =
    plan.transport === 'udp' ? new (await import('./udp-flows.js')).UdpFlows(plan, recorder, onRamped) : null;
  const driver: WorkerDriver = flows ?? tcpDriver(new Session<never>(plan, recorder, onRamped));

  return new Promise<WorkerReport>((resolve) => {
    port.on('message', (msg: MainToWorker) => {
      if (msg.type === 'go') driver.pump();
      else if (msg.type === 'tick') {
        driver.beforeSnapshot?.();
        port.postMessage(recorder.snapshot(msg.seq, plan.index));
      } else if (msg.type === 'traffic') driver.startTraffic();
      else if (msg.type === 'measure') {
        recorder.windowFrom(msg.atMs, msg.untilMs);
        driver.startMeasuring();
      } else if (msg.type === 'stop') {
        recorder.windowUntil(msg.atMs);
        // Fairness is of the measured phase: taken before the drain moves more bytes.
        const stream = driver.streamFairness();
        void driver.stop().then(() => {
          port.close();
          const report = recorder.report(plan.index, stream);
          if (flows) report.udp = flows.report();
          resolve(report);
        });
      }
    });
    collectGarbage();
    // Its OS thread, so the main thread can read how long it waited for a core (the machine witness).
    port.postMessage({ type: 'ready', worker: plan.index, thread: currentThread() });
  });
}

/** TCP: the shared session lifecycle driving the plan's mode. */
function tcpDriver(session: Session<never>): WorkerDriver {
  const mode = createMode(session);
  session.drive(mode);
  return {
    pump: () => session.pump(),
    startTraffic: () => session.startTraffic(),
    startMeasuring: () => session.startMeasuring(),
    streamFairness: () => mode.streamFairness(),
    stop: () => session.stop(),
  };
}

/** The mode a plan asks for; each keeps its own per-connection state type. */
function createMode(session: Session<never>): Mode<never> {
  switch (session.plan.mode) {
    case 'echo':
      return createEchoMode(session) as Mode<never>;
    case 'hold':
      return createHoldMode(session) as Mode<never>;
    case 'stream':
      return createStreamMode(session) as Mode<never>;
    case 'connect':
      return createConnectMode(session) as Mode<never>;
  }
}

/**
 * A full collection, so memory-per-connection figures hold live objects only. `gc` is exposed at run time
 * (V8 flags are process-wide; a fresh context then carries the function); off the hot path, twice per run.
 */
function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // Best effort: figures then include garbage.
  }
}
