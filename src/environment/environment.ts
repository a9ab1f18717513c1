/**
 * Where a run happened, gathered once per run, off the hot path: CPU, memory, kernel and OS, the storage under the
 * results folder, network interfaces, and the kernel settings that decide an L4 test. systeminformation covers
 * hardware; /proc and /sys are read directly for what it lacks (TCP sysctls, NIC drivers, rotational flags).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import si from 'systeminformation';
import type { Environment, GitInfo, NetworkInterface } from '../documents/common.js';

export type { Environment, GitInfo, NetworkInterface };

const sysctl = (name: string): string | null => {
  try {
    return readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8')
      .trim()
      .replace(/\s+/g, ' ');
  } catch {
    return null;
  }
};
const sysctlNumber = (name: string): number | null => {
  const v = sysctl(name);
  return v === null || Number.isNaN(Number(v)) ? null : Number(v);
};

export async function collectEnvironment(resultsDir = 'results'): Promise<Environment> {
  const [cpu, osInfo, nics, fsSizes] = await Promise.all([
    si.cpu().catch(() => null),
    si.osInfo().catch(() => null),
    si.networkInterfaces().catch(() => []),
    si.fsSize().catch(() => []),
  ]);
  const limits = fdLimits();
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    os: osInfo ? `${osInfo.distro} ${osInfo.release}`.trim() : os.type(),
    kernel: os.release(),
    arch: os.arch(),
    cpuModel: cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : (os.cpus()[0]?.model.trim() ?? 'unknown'),
    cores: os.availableParallelism(),
    physicalCores: cpu?.physicalCores ?? null,
    cpuMhz: cpu?.speed ? Math.round(cpu.speed * 1000) : null,
    cpuMaxMhz: cpu?.speedMax ? Math.round(cpu.speedMax * 1000) : null,
    memoryBytes: os.totalmem(),
    node: process.version,
    storage: storageOf(resultsDir, Array.isArray(fsSizes) ? fsSizes : []),
    networkInterfaces: (Array.isArray(nics) ? nics : [nics]).map((n) => ({
      name: n.iface,
      mtu: typeof n.mtu === 'number' ? n.mtu : null,
      speedMbps: typeof n.speed === 'number' && n.speed > 0 ? n.speed : null,
      driver: nicDriver(n.iface),
      virtual: Boolean(n.virtual) || n.iface === 'lo',
    })),
    tcp: {
      somaxconn: sysctlNumber('net.core.somaxconn'),
      ipLocalPortRange: sysctl('net.ipv4.ip_local_port_range'),
      tcpTwReuse: sysctlNumber('net.ipv4.tcp_tw_reuse'),
      tcpFinTimeout: sysctlNumber('net.ipv4.tcp_fin_timeout'),
      congestionControl: sysctl('net.ipv4.tcp_congestion_control'),
      tcpRmem: sysctl('net.ipv4.tcp_rmem'),
      tcpWmem: sysctl('net.ipv4.tcp_wmem'),
      rmemMax: sysctlNumber('net.core.rmem_max'),
      wmemMax: sysctlNumber('net.core.wmem_max'),
      netdevMaxBacklog: sysctlNumber('net.core.netdev_max_backlog'),
      fileMax: sysctlNumber('fs.file-max'),
      fdSoftLimit: limits.soft,
      fdHardLimit: limits.hard,
    },
  };
}

function fdLimits(): { soft: number | null; hard: number | null } {
  try {
    const m = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? { soft: Number(m[1]), hard: Number(m[2]) } : { soft: null, hard: null };
  } catch {
    return { soft: null, hard: null };
  }
}

function nicDriver(iface: string): string | null {
  if (iface === 'lo') return 'loopback';
  try {
    return path.basename(readlinkSync(`/sys/class/net/${iface}/device/driver`));
  } catch {
    return null;
  }
}

/** The mount holding the results folder, and whether its block device is rotational or virtual. */
function storageOf(resultsDir: string, mounts: { fs: string; mount: string; type: string }[]): Environment['storage'] {
  let dir: string;
  try {
    if (!existsSync(resultsDir)) mkdirSync(resultsDir, { recursive: true });
    dir = realpathSync(resultsDir);
  } catch {
    dir = path.resolve(resultsDir);
  }
  const best = mounts
    .filter((m) => dir === m.mount || dir.startsWith(m.mount.endsWith('/') ? m.mount : `${m.mount}/`))
    .sort((a, b) => b.mount.length - a.mount.length)[0];
  if (!best) return { mount: null, device: null, type: 'unknown', fsType: null };
  const dev = /^\/dev\/([a-z]+)(?:\d+|p\d+)?$/.exec(best.fs)?.[1] ?? /^\/dev\/(nvme\d+n\d+)/.exec(best.fs)?.[1] ?? null;
  let type: Environment['storage']['type'] = 'unknown';
  if (dev) {
    if (/^(vd|xvd)/.test(dev)) type = 'virtual';
    else {
      try {
        type = readFileSync(`/sys/block/${dev}/queue/rotational`, 'utf8').trim() === '1' ? 'hdd' : 'ssd';
      } catch {
        /* unknown */
      }
    }
  }
  return { mount: best.mount, device: best.fs, type, fsType: best.type };
}

/** The few facts a scenario summary keeps of its host, cheap (no shelling out). */
export function environmentIdentity(): { hostname: string; cpuModel: string; cores: number; kernel: string } {
  return {
    hostname: os.hostname(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    kernel: os.release(),
  };
}

/** The git SHA of `cwd` when it is a git checkout; null otherwise (not an error). */
export function gitInfo(cwd = process.cwd()): GitInfo | null {
  try {
    const opts = {
      cwd,
      encoding: 'utf8' as const,
      stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'],
      timeout: 3000,
    };
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim().length > 0;
    return /^[0-9a-f]{40}$/.test(sha) ? { sha, dirty } : null;
  } catch {
    return null;
  }
}
