import { describe, expect, it } from 'vitest';
import { NO_PROXY } from '../../src/proxy/header.js';
import { shard, shardByProcess, splitEvenly } from '../../src/worker-contract/plan.js';

const base = {
  conns: 10,
  connectRate: 0,
  maxConnecting: 512,
  proxy: { ...NO_PROXY, version: 'v2' as const },
  sizeBytes: 64,
  connectTimeoutMs: 5000,
  seed: 42,
  mode: 'echo' as const,
  ratePerSecond: 0,
  direction: 'up' as const,
  closeStyle: 'fin' as const,
  churnEcho: false,
  echoTimeoutMs: 5000,
  sourceIps: [],
  pingIntervalMs: 1000,
};
const target = [{ host: '127.0.0.1', port: 9 }];

describe('shard', () => {
  it('splits totals with the remainder on the first workers', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(2, 4)).toEqual([1, 1, 0, 0]);
  });

  it('numbers connections globally and without gaps', () => {
    const plans = shard({ ...base, conns: 10_001 }, target, 4);
    expect(plans.map((p) => p.conns)).toEqual([2501, 2500, 2500, 2500]);
    expect(plans.map((p) => p.connIdOffset)).toEqual([0, 2501, 5001, 7501]);
    expect(plans.reduce((n, p) => n + p.conns, 0)).toBe(10_001);
  });

  it('never starts a worker without connections', () => {
    const plans = shard({ ...base, conns: 3 }, target, 8);
    expect(plans).toHaveLength(3);
    expect(plans.every((p) => p.conns === 1)).toBe(true);
  });

  it('splits the connect rate by connection share so every worker ramps in the same time', () => {
    const plans = shard({ ...base, conns: 10, connectRate: 1000 }, target, 3);
    const rates = plans.map((p) => p.connectRate);
    expect(rates.reduce((a, b) => a + b, 0)).toBeCloseTo(1000, 9);
    for (const p of plans) expect(p.conns / p.connectRate).toBeCloseTo(10 / 1000, 12);
  });

  it('keeps in-flight connects a total, at least one per worker', () => {
    expect(shard({ ...base, conns: 100, maxConnecting: 5 }, target, 2).map((p) => p.maxConnecting)).toEqual([3, 2]);
    expect(shard({ ...base, conns: 100, maxConnecting: 1 }, target, 2).map((p) => p.maxConnecting)).toEqual([1, 1]);
  });

  it('passes per-connection settings unchanged, with the run seed and the mode traits', () => {
    const plans = shard(base, target, 2);
    for (const p of plans)
      expect([p.proxy.version, p.sizeBytes, p.connectTimeoutMs, p.targets, p.runSeed]).toEqual([
        'v2',
        64,
        5000,
        target,
        42,
      ]);
    expect(plans[0].traits).toMatchObject({ echoes: true, integrity: true, paced: false, longLived: true });
  });

  it('splits over processes then workers with one numbering: global ids, indexes and churn stride', () => {
    const byProcess = shardByProcess({ ...base, conns: 7, connectRate: 70, maxConnecting: 4 }, target, 2, 2);
    expect(byProcess.map((ps) => ps.map((p) => p.conns))).toEqual([
      [2, 2],
      [2, 1],
    ]);
    const all = byProcess.flat();
    expect(all.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(all.map((p) => p.connIdOffset)).toEqual([0, 2, 4, 6]);
    expect(all.every((p) => p.idStride === 4)).toBe(true);
    expect(all.map((p) => p.maxConnecting)).toEqual([1, 1, 1, 1]);
    expect(all.reduce((n, p) => n + p.connectRate, 0)).toBeCloseTo(70, 9);
  });

  it('gives hold pings as a paced rate: conns per ping interval, split by connection share', () => {
    const plans = shard({ ...base, mode: 'hold', conns: 300, pingIntervalMs: 100 }, target, 2);
    expect(plans.map((p) => p.ratePerSecond)).toEqual([1500, 1500]);
    expect(plans[0].traits.paced).toBe(true);
  });
});
