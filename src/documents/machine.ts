/**
 * The machine as a witness (instruments/machine.ts reads it, witnesses/machine.ts judges it): how busy every core
 * was, who took the CPU (the run's own processes, or others), how long runnable tasks waited for a core (the
 * kernel's CPU pressure) and how long the load threads and the embedded target's threads did. A figure the kernel
 * cannot give is null, with the reason in `unavailable`: never 0.
 */
import { z } from 'zod';

const share = z.number().min(0).max(1);
const nullableShare = share.nullable();
const percent = z.number().min(0).max(100);
const cores = z.number().min(0);

/**
 * How long a group of threads waited runnable for a core, as a share of the interval (the mean and the worst), and
 * how long they ran (the mean): a thread that ran and waited nearly all the interval had no idle time left, so the
 * wait held its work back; one that waited but still idled kept up, only later.
 */
export const threadWaitSchema = z.object({
  threads: z.number().int().min(0),
  mean: share,
  max: share,
  runMean: share.optional(),
  /** The thread that wanted a core most (ran + waited): a process's worker, where its other threads mostly sleep. */
  busiest: z.object({ run: share, wait: share }).optional(),
});
export type ThreadWait = z.infer<typeof threadWaitSchema>;

/** One interval (a timeline row's second). */
export const machineSampleSchema = z.object({
  /** All cores busy (not idle, not iowait), % of the machine: 100 = every core busy the whole interval. */
  busyPercent: percent.nullable(),
  /** Each core's busy %, in /proc/stat's order. */
  coreBusyPercent: z.array(percent),
  /** Time a hypervisor gave this machine's vCPUs to others (steal), % of the machine. */
  stealPercent: percent.nullable(),
  /** Cores' worth of CPU taken by the generator, the embedded target and the watched processes. */
  oursCores: cores.nullable(),
  /** Cores' worth taken by everything else (other processes; interrupts and steal not included). */
  othersCores: cores.nullable(),
  /** Share of the interval in which some runnable task waited for a CPU (/proc/pressure/cpu "some"). */
  cpuPressure: nullableShare,
  /** The load threads (one per generator worker): share of the interval each was runnable but not running. */
  loadThreadWait: threadWaitSchema.nullable(),
  /** The embedded target's threads that ran in the interval. */
  targetThreadWait: threadWaitSchema.nullable(),
  /** The --watch-pid processes' threads that ran in the interval. */
  watchedThreadWait: threadWaitSchema.nullable(),
});
export type MachineSample = z.infer<typeof machineSampleSchema>;

/** What limited the run, read off the machine: nothing, the run's own processes filling it, or others. */
export const MACHINE_VERDICTS = ['quiet', 'ours', 'others'] as const;
export type MachineVerdict = (typeof MACHINE_VERDICTS)[number];

/** The measured window (or the whole run when nothing was measured), and the verdict with its figures. */
export const machineSectionSchema = z.object({
  cores: z.number().int().min(1),
  /** Which rows the figures cover: the measured phase, or the whole run when it measured nothing. */
  window: z.enum(['measure', 'run']),
  windowMs: z.number().int().min(0),
  busyPercentMean: percent.nullable(),
  busyPercentMax: percent.nullable(),
  coreBusyPercentMean: z.array(percent),
  stealPercentMean: percent.nullable(),
  oursCoresMean: cores.nullable(),
  othersCoresMean: cores.nullable(),
  othersCoresMax: cores.nullable(),
  cpuPressure: nullableShare,
  loadThreadWait: threadWaitSchema.nullable(),
  targetThreadWait: threadWaitSchema.nullable(),
  watchedThreadWait: threadWaitSchema.nullable(),
  /** quiet: the machine did not limit the run; ours: our own processes filled it; others: others took the cores. */
  verdict: z.enum(MACHINE_VERDICTS),
  /**
   * The load threads waited for a core a material share of the window: every latency includes that queueing, even
   * when the throughput was not held back (verdict quiet). Who took the cores is in `othersCoresMean`.
   */
  queued: z.boolean().optional(),
  /** The verdict in words, with its figures; null when quiet and not queued. */
  reason: z.string().nullable(),
  /** Each source the kernel did not give, and why (its figures are null). */
  unavailable: z.array(z.string()),
});
export type MachineSection = z.infer<typeof machineSectionSchema>;

/** Its document parts (witness-documents.ts lists them); absent in older results. It names no metrics. */
export const machineDocument = {
  section: machineSectionSchema.optional(),
  sample: machineSampleSchema.optional(),
  metricNames: [] as const,
};
