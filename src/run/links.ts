/**
 * A WorkerLink is how the main thread talks to one load worker, wherever it runs: a thread of this process
 * (MessageChannel + Piscina task), or a thread of a generator child process (relayed over the child's IPC
 * channel). File descriptors are per process, so past ~20,000 connections the workers must live in several
 * processes; the run logic above this module is the same either way.
 */
import { fork } from 'node:child_process';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RunConfig } from '../config/run-config.js';
import { CouldNotRunError } from '../core/errors.js';
import { siblingEntry } from '../core/modules.js';
import { type Endpoint, shardByProcess, type WorkerPlan } from '../worker-contract/plan.js';
import type { MainToWorker, WorkerReport, WorkerTask, WorkerToMain } from '../worker-contract/protocol.js';

export interface WorkerLink {
  index: number;
  /** The worker's planned connections (the share lost if it dies). */
  conns: number;
  /** The process hosting the worker thread. */
  pid: number;
  post(msg: MainToWorker): void;
  onMessage(handler: (msg: WorkerToMain) => void): void;
  report: Promise<WorkerReport>;
}

export interface WorkerGroup {
  links: WorkerLink[];
  /** Processes that host the workers (this one, or the generator children). */
  pids: number[];
  shutdown(): Promise<void>;
}

/** Messages between the main process and a generator child. */
export type ParentToGenerator =
  | { type: 'start'; plans: WorkerPlan[] }
  | { type: 'to-worker'; worker: number; msg: MainToWorker };
export type GeneratorToParent =
  | { type: 'from-worker'; worker: number; msg: WorkerToMain }
  | { type: 'report'; worker: number; report: WorkerReport }
  | { type: 'failed'; message: string };

/** Workers as threads of this process. */
export function startLocalWorkers(plans: WorkerPlan[]): WorkerGroup {
  const entry = siblingEntry(import.meta.url, '../../workers/load-worker');
  const pool = new Piscina({
    filename: entry.file,
    execArgv: entry.execArgv,
    minThreads: plans.length,
    maxThreads: plans.length,
    concurrentTasksPerWorker: 1,
    idleTimeout: 1000,
    // Long I/O tasks: with the default atomics the worker's event loop would not see port messages promptly.
    atomics: 'disabled',
  });
  const channels = plans.map(() => new MessageChannel());
  const links = plans.map((plan, i): WorkerLink => {
    const port1 = channels[i].port1;
    const task: WorkerTask = { plan, port: channels[i].port2 as unknown as WorkerTask['port'] };
    return {
      index: plan.index,
      conns: plan.conns,
      pid: process.pid,
      post: (msg) => port1.postMessage(msg),
      onMessage: (handler) => {
        port1.on('message', handler);
      },
      report: pool.run(task, { transferList: [channels[i].port2 as never] }) as Promise<WorkerReport>,
    };
  });
  return {
    links,
    pids: [process.pid],
    async shutdown() {
      for (const ch of channels) ch.port1.close();
      await pool.destroy();
    },
  };
}

/** Workers as threads of a forked generator process (entry/generator-process.ts); messages relayed over IPC. */
export function startRemoteWorkers(plans: WorkerPlan[]): WorkerGroup {
  const entry = siblingEntry(import.meta.url, '../entry/generator-process');
  const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const handlers = new Map<number, (msg: WorkerToMain) => void>();
  const settle = new Map<number, { resolve: (r: WorkerReport) => void; reject: (e: Error) => void }>();
  const reports = new Map(
    plans.map((p) => [
      p.index,
      new Promise<WorkerReport>((resolve, reject) => settle.set(p.index, { resolve, reject })),
    ]),
  );
  const failAll = (message: string): void => {
    for (const s of settle.values()) s.reject(new CouldNotRunError(message));
  };
  child.on('message', (m: GeneratorToParent) => {
    if (m.type === 'from-worker') handlers.get(m.worker)?.(m.msg);
    else if (m.type === 'report') settle.get(m.worker)?.resolve(m.report);
    else if (m.type === 'failed') failAll(`generator process ${child.pid} failed: ${m.message}`);
  });
  child.once('exit', (code, signal) =>
    failAll(`generator process ${child.pid} exited (${signal ?? `code ${code}`}) before reporting`),
  );
  child.send({ type: 'start', plans } satisfies ParentToGenerator);
  for (const r of reports.values()) r.catch(() => {});
  return {
    pids: [child.pid!],
    links: plans.map((p) => ({
      index: p.index,
      conns: p.conns,
      pid: child.pid!,
      post: (msg) => {
        if (child.connected) child.send({ type: 'to-worker', worker: p.index, msg } satisfies ParentToGenerator);
      },
      onMessage: (handler) => {
        handlers.set(p.index, handler);
      },
      report: reports.get(p.index)!,
    })),
    shutdown: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.disconnect();
      }),
  };
}

/** The child side (entry/generator-process.ts). Runs the workers it is given and relays until its parent goes away. */
export function runGeneratorProcess(): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send)
      throw new CouldNotRunError('the generator process is internal: `l4stress run --processes` starts it');
    // Ctrl-C reaches the whole process group; the parent decides when workers stop.
    process.on('SIGINT', () => {});
    let group: WorkerGroup | null = null;
    const send = (m: GeneratorToParent): void => {
      if (process.connected) process.send!(m);
    };
    process.on('message', (m: ParentToGenerator) => {
      if (m.type === 'start') {
        group = startLocalWorkers(m.plans);
        for (const link of group.links) {
          link.onMessage((msg) => send({ type: 'from-worker', worker: link.index, msg }));
          link.report.then(
            (report) => send({ type: 'report', worker: link.index, report }),
            (err: Error) => send({ type: 'failed', message: err.message }),
          );
        }
      } else if (m.type === 'to-worker') {
        group?.links.find((l) => l.index === m.worker)?.post(m.msg);
      }
    });
    process.once('disconnect', () => {
      void (group?.shutdown() ?? Promise.resolve()).then(resolve);
    });
  });
}

/**
 * One process: the workers are threads here. Several: each process's plans (from the one shard function) run in a
 * generator child; ids and worker indexes are global, so the merge is the same either way.
 */
export function startWorkers(config: RunConfig, targets: Endpoint[]): WorkerGroup {
  const byProcess = shardByProcess(config, targets, config.workers, config.processes);
  if (config.processes <= 1) return startLocalWorkers(byProcess[0]);
  const groups = byProcess.map((plans) => startRemoteWorkers(plans));
  return {
    links: groups.flatMap((g) => g.links),
    pids: groups.flatMap((g) => g.pids),
    shutdown: async () => {
      await Promise.all(groups.map((g) => g.shutdown()));
    },
  };
}
