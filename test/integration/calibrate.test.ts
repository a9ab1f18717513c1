/** `l4stress calibrate` with the real iperf3 and netperf on loopback, and what a run does with the profile. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HardwareProfile } from '../../src/calibration/hardware-profile.js';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { profileValidator, resultValidator } from '../helpers/schema.js';

const dir = tempDir();
const profileFile = path.join(dir, 'profile.json');
let profile: HardwareProfile;
let calibrateRun: Awaited<ReturnType<typeof runCli>>;
let toolsBefore: string[] = [];

/** Running iperf3 and netserver processes, as 'pid comm'. */
async function measurementTools(): Promise<string[]> {
  const ps = await new Promise<string>((resolve) => {
    const c = spawn('ps', ['-eo', 'pid=,comm=']);
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.on('close', () => resolve(out));
  });
  return ps
    .split('\n')
    .map((l) => l.trim().replace(/\s+/, ' '))
    .filter((l) => / (iperf3|netserver)$/.test(l));
}

beforeAll(async () => {
  toolsBefore = await measurementTools();
  calibrateRun = await runCli(['calibrate', '--repeat', '2', '--duration', '1s', '--out', profileFile], {
    timeoutMs: 90_000,
  });
  profile = JSON.parse(readFileSync(profileFile, 'utf8')) as HardwareProfile;
}, 120_000);

describe('l4stress calibrate (real iperf3 and netperf on loopback)', () => {
  it('exits 0, prints the table and writes a profile that matches its schema', () => {
    expect(calibrateRun.code, calibrateRun.stderr).toBe(0);
    expect(calibrateRun.stdout).toMatch(/netperf TCP_RR 64 B/);
    expect(profileValidator()(profile)).toEqual([]);
  });

  it('measured real numbers, each repeated', () => {
    const m = profile.measurements;
    expect(m.iperf3SingleStream.bitsPerSecond.samples).toHaveLength(2);
    expect(m.iperf3SingleStream.bitsPerSecond.median).toBeGreaterThan(1e8);
    expect(m.iperf3MultiStream.streams).toBeGreaterThanOrEqual(1);
    expect(m.tcpRr1.p50LatencyUs.median).toBeGreaterThan(0);
    expect(m.tcpRrSize.sizeBytes).toBe(64);
    expect(m.tcpRrSize.transactionsPerSecond.median).toBeGreaterThan(100);
    expect(m.tcpCrr.transactionsPerSecond.median).toBeGreaterThan(10);
    expect(m.tcpStream.megabitsPerSecond.median).toBeGreaterThan(100);
    expect(profile.environment.tcp.somaxconn).toBeGreaterThan(0);
    expect(profile.environment.networkInterfaces.some((n) => n.name === 'lo')).toBe(true);
  });

  it('left no iperf3 or netserver running', async () => {
    // Its own: others on this machine (a bench beside the suite) may run their iperf3 servers, started before.
    const left = (await measurementTools()).filter((t) => !toolsBefore.includes(t));
    expect(left).toEqual([]);
  });
});

describe('a run against the profile', () => {
  it('reports ratios to the machine and watches the embedded target', async () => {
    const out = path.join(dir, 'run.json');
    const run = await runCli(['--conns', '20', '--duration', '1s', '--calibration', profileFile, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(resultValidator()(r)).toEqual([]);
    expect(r.calibration!.profileFile).toBe(profileFile);
    expect(r.calibration!.echoP50VsTcpRrP50!).toBeGreaterThan(0);
    expect(r.calibration!.echoP50VsTcpRrP50).toBeCloseTo(
      r.latency.roundTripUs.p50! / profile.measurements.tcpRrSize.p50LatencyUs.median,
      1,
    );
    expect(run.stdout).toMatch(/vs machine {3}echo p50 [\d.]+x netperf TCP_RR p50/);
    const target = r.resources.watched.find((w) => w.pid === r.resources.target!.pid)!;
    expect(target.role).toBe('target');
    expect(target.samples).toBeGreaterThan(0);
    expect(target.maxRssBytes!).toBeGreaterThan(1024 * 1024);
    expect(r.timeline.some((row) => row.watched.some((w) => w.pid === target.pid))).toBe(true);
  });

  it('a --watch-pid process that exits mid-run stops being sampled and is noted', async () => {
    // It must outlive the run's start-up (a few seconds on a loaded machine) and die well before its end.
    const child = spawn('sleep', ['5']);
    const out = path.join(dir, 'watch.json');
    const run = await runCli([
      '--conns',
      '10',
      '--duration',
      '8s',
      '--warmup',
      '0s',
      '--watch-pid',
      String(child.pid),
      '--out',
      out,
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const w = r.resources.watched.find((x) => x.pid === child.pid)!;
    expect(w).toMatchObject({ name: 'sleep', exited: true });
    expect(w.exitedAfterS!).toBeGreaterThan(0);
    expect(r.warnings.join('\n')).toMatch(new RegExp(`watched process ${child.pid} \\(sleep\\) exited after`));
  });

  it('--watch-pid of a process that does not exist is invalid input', async () => {
    const run = await runCli(['--watch-pid', '4000000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^l4stress: --watch-pid: no process 4000000/);
  });

  it('a missing --calibration file is invalid input', async () => {
    const run = await runCli(['--calibration', path.join(dir, 'nope.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^l4stress: --calibration: no such file .* \(run `l4stress calibrate` first\)/);
  });
});

describe('missing binaries', () => {
  it('calibrate without iperf3 on PATH: exit 3, the install command, no stack trace', async () => {
    const run = await runCli(['calibrate', '--repeat', '1', '--duration', '1s', '--out', path.join(dir, 'x.json')], {
      env: { PATH: path.join(dir, 'empty-bin') },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^l4stress: iperf3 is not installed \(or not on PATH\)\nhint: install it with `bash native-tools\/install.sh`/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
