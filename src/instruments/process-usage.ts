import { cpus } from 'node:os';

/**
 * A sample's interval shorter than this is too short for a busiest-second figure: the kernel charges CPU time in
 * ticks, so a few milliseconds can read as several cores. Such a sample still counts for the mean.
 */
export const MIN_PEAK_INTERVAL_MS = 500;

/**
 * No process can use more than every core of the machine (the host's, not this process's affinity: a watched
 * ingress may use cores l4stress is not pinned to): a figure above it is a sampling artefact, clamped.
 */
export const MACHINE_PERCENT = Math.max(1, cpus().length) * 100;

/** CPU and memory of this process (all threads), sampled once a second off the hot path. */
export class ProcessUsageSampler {
  private lastCpu = process.cpuUsage();
  private lastWall = performance.now();
  private readonly startCpu = this.lastCpu;
  private readonly startWall = this.lastWall;
  maxCpuPercent = 0;
  maxRssBytes = 0;

  /** CPU % since the previous sample (100 = one core busy) and current RSS. */
  sample(): { cpuPercent: number; rssBytes: number } {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const intervalMs = wall - this.lastWall;
    const cpuPercent = intervalMs > 0 ? Math.min(MACHINE_PERCENT, (usedUs / 1000 / intervalMs) * 100) : 0;
    this.lastCpu = cpu;
    this.lastWall = wall;
    const rssBytes = process.memoryUsage.rss();
    if (intervalMs >= MIN_PEAK_INTERVAL_MS) this.maxCpuPercent = Math.max(this.maxCpuPercent, cpuPercent);
    this.maxRssBytes = Math.max(this.maxRssBytes, rssBytes);
    return { cpuPercent, rssBytes };
  }

  /** Totals since construction. */
  totals(): {
    cpuUserMs: number;
    cpuSystemMs: number;
    cpuPercentMean: number;
    cpuPercentMax: number;
    maxRssBytes: number;
  } {
    const cpu = process.cpuUsage(this.startCpu);
    const wallMs = performance.now() - this.startWall;
    return {
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      cpuPercentMean: wallMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10 : 0,
      // The busiest second is at least the run's average (samples miss the run's last partial second).
      cpuPercentMax:
        Math.round(
          Math.min(MACHINE_PERCENT, Math.max(this.maxCpuPercent, ((cpu.user + cpu.system) / 1000 / wallMs) * 100)) * 10,
        ) / 10,
      // resourceUsage().maxRSS is the kernel's high-water mark, which catches peaks between samples.
      maxRssBytes: Math.max(this.maxRssBytes, process.resourceUsage().maxRSS * 1024),
    };
  }
}
