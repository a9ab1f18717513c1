import { describe, expect, it } from 'vitest';
import { CouldNotRunError } from '../../src/core/errors.js';
import { FD_RESERVE, preflight, readSystemLimits, type SystemLimits } from '../../src/preflight/limits.js';

const limits = (over: Partial<SystemLimits> = {}): SystemLimits => ({
  fdSoft: 20_000,
  fdHard: 20_000,
  fdOpen: 30,
  portRange: [32768, 60999],
  ...over,
});

describe('preflight', () => {
  it("reads this machine's real limits from /proc", () => {
    const l = readSystemLimits();
    expect(l.fdSoft).toBeGreaterThan(0);
    expect(l.fdHard).toBeGreaterThanOrEqual(l.fdSoft!);
    expect(l.fdOpen).toBeGreaterThan(2);
    expect(l.portRange![1]).toBeGreaterThan(l.portRange![0]);
  });

  it('lets a run that fits through and says how it will run', () => {
    const r = preflight({ conns: 10_000, embeddedTarget: true }, limits());
    expect(r.maxConnsByFds).toBe(20_000 - 30 - FD_RESERVE);
    expect(r.maxConnsByPorts).toBe(28_232);
    expect([r.processes, r.targetProcesses]).toEqual([1, 1]);
  });

  it("spreads a run past one process's fds over generator and target processes", () => {
    const r = preflight({ conns: 50_000, embeddedTarget: true }, limits());
    expect([r.processes, r.targetProcesses]).toEqual([3, 3]);
    // Three target ports: the port range applies per destination.
    expect(r.maxConnsByPorts).toBe(3 * 28_232);
  });

  it('stops a run that --processes forces over the fd limit, and names the fix', () => {
    const run = (): unknown => preflight({ conns: 25_000, embeddedTarget: true, processes: 1 }, limits());
    expect(run).toThrow(CouldNotRunError);
    expect(run).toThrow(/--conns 25,000 over 1 process needs 25,130 file descriptors in one process, /);
    expect(run).toThrow(/, but the limit \(ulimit -n\) is 20,000/);
    try {
      run();
    } catch (e) {
      expect((e as CouldNotRunError).hint).toMatch(/use --processes 2 or more/);
    }
  });

  it('suggests raising the soft limit when the hard limit allows it', () => {
    try {
      preflight({ conns: 25_000, embeddedTarget: false, processes: 1 }, limits({ fdSoft: 1024, fdHard: 1_048_576 }));
      expect.unreachable();
    } catch (e) {
      expect((e as CouldNotRunError).hint).toMatch(/ulimit -n 26000/);
    }
  });

  it('stops a run over the ephemeral port range and names --source-ips and the sysctl', () => {
    const l = limits({ fdSoft: 100_000, fdHard: 100_000, portRange: [40000, 40999] });
    expect(() => preflight({ conns: 2000, embeddedTarget: false }, l)).toThrow(
      /exceeds the 1,000 connections the ephemeral port range allows/,
    );
    try {
      preflight({ conns: 2000, embeddedTarget: false }, l);
    } catch (e) {
      expect((e as CouldNotRunError).hint).toMatch(/--source-ips 127.0.0.1-127.0.0.3/);
    }
    // Bound source addresses each own the whole range.
    expect(preflight({ conns: 2000, embeddedTarget: false, sourceIps: 2 }, l).maxConnsByPorts).toBe(2000);
  });
});
