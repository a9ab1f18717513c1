/** Where a run happened: gathered once per run, off the hot path. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface Environment {
  hostname: string;
  platform: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
}

export function collectEnvironment(): Environment {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    kernel: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    node: process.version,
  };
}

export interface GitInfo {
  sha: string;
  dirty: boolean;
}

/** The git SHA of `cwd` when it is a git checkout; null otherwise (not an error). */
export function gitInfo(cwd = process.cwd()): GitInfo | null {
  try {
    const opts = { cwd, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'], timeout: 3000 };
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim().length > 0;
    return /^[0-9a-f]{40}$/.test(sha) ? { sha, dirty } : null;
  } catch {
    return null;
  }
}
