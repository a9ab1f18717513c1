/**
 * Every refusal of a capacity search's settings, fed both ways: `l4stress find ARGS` and a scenario's `find:` step.
 * A key refused on one path and taken on the other was a bug twice (a find step took `shard` and `duration` and
 * ignored them), so each row of the table goes through both and both must refuse it; where the same function refuses
 * (find-config.ts), with the same words.
 */
import { describe, expect, it } from 'vitest';
import { appliesOn } from '../../src/options/applies.js';
import { flagOf, RUN_OPTIONS, type RunOptionKey } from '../../src/options/run-options.js';
import { findFromArgs, findFromStep } from '../helpers/find-args.js';

const CLI = ['--target', '127.0.0.1:7000'];
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

/** Every run option find takes not (its row in options/run-options.ts does not apply on find). */
const RUN_OPTIONS_NOT_FOR_FIND = (Object.keys(RUN_OPTIONS) as RunOptionKey[]).filter(
  (k) => !appliesOn(RUN_OPTIONS[k], 'find') && appliesOn(RUN_OPTIONS[k], 'run'),
);

/** A run option find takes not, with a value a run would take: refused on the command line, and by the step. */
const NOT_FOR_FIND: Partial<Record<RunOptionKey, [string[], unknown]>> = {
  duration: [['5s'], '5s'],
  threshold: [['p99<5ms'], ['p99<5ms']],
  shard: [['0/2'], '0/2'],
  startAt: [['2026-12-01T10:00:00Z'], '2026-12-01T10:00:00Z'],
  json: [[], true],
  verifyProxy: [['embedded'], 'embedded'],
  metricsPort: [['9464'], 9464],
  calibrate: [[], true],
};

describe('a run option a search takes not', () => {
  it('the table covers every one of them', () => {
    expect(Object.keys(NOT_FOR_FIND).sort()).toEqual([...RUN_OPTIONS_NOT_FOR_FIND].sort());
  });

  it.each(Object.entries(NOT_FOR_FIND))('%s: refused by the command line and by a find step', (key, [args, value]) => {
    const find = { vary: 'rate', slo: ['p99<5ms'] };
    const flag = flagOf(key as RunOptionKey);
    expect(refusal(() => findFromArgs([...CLI, '--vary', 'rate', '--slo', 'p99<5ms', flag, ...args]))).toMatch(
      new RegExp(`^${flag}: does not apply to find \\(.+\\)$`),
    );
    expect(refusal(() => findFromStep({ [key]: value, find }))).toMatch(
      new RegExp(`^${key}: does not apply in a find step \\(.+\\)$`),
    );
  });
});

/** [what, command line, step, the refusal]: the same words both ways. */
const REFUSED: [string, string[], Record<string, unknown>, RegExp][] = [
  ['no --vary', ['--slo', 'p99<5ms'], { find: { slo: ['p99<5ms'] } }, /^find: --vary is required/],
  ['no --slo', ['--vary', 'rate'], { find: { vary: 'rate' } }, /^find: give at least one --slo/],
  [
    'the rate under --vary rate',
    ['--vary', 'rate', '--rate', '100', '--slo', 'p99<5ms'],
    { rate: 100, find: { vary: 'rate', slo: ['p99<5ms'] } },
    /^--rate: --vary rate sets it on every probe$/,
  ],
  [
    'the conns under --vary conns',
    ['--vary', 'conns', '--conns', '10', '--slo', 'errors==0'],
    { conns: 10, find: { vary: 'conns', slo: ['errors==0'] } },
    /^--conns: --vary conns sets it/,
  ],
  [
    'the connect rate under --vary cps',
    ['--vary', 'cps', '--connect-rate', '10', '--slo', 'errors==0'],
    { connectRate: 10, find: { vary: 'cps', slo: ['errors==0'] } },
    /^--connect-rate: --vary cps sets it/,
  ],
  [
    'a mode the dimension has not',
    ['--vary', 'conns', '--mode', 'stream', '--slo', 'errors==0'],
    { mode: 'stream', find: { vary: 'conns', slo: ['errors==0'] } },
    /^--mode stream: --vary conns runs in --mode hold/,
  ],
  [
    'tls-handshakes without --tls',
    ['--vary', 'tls-handshakes', '--slo', 'errors==0'],
    { find: { vary: 'tls-handshakes', slo: ['errors==0'] } },
    /needs --tls/,
  ],
  [
    'tls-handshakes with resumption',
    ['--vary', 'tls-handshakes', '--tls', '--tls-resume', '--slo', 'errors==0'],
    { tls: true, tlsResume: true, find: { vary: 'tls-handshakes', slo: ['errors==0'] } },
    /^--tls-resume: /,
  ],
  [
    '--from above --to',
    ['--vary', 'rate', '--slo', 'p99<5ms', '--from', '500', '--to', '100'],
    { find: { vary: 'rate', slo: ['p99<5ms'], from: 500, to: 100 } },
    /^--from 500 is above --to 100$/,
  ],
  [
    'a conns --from past a run',
    ['--vary', 'conns', '--slo', 'errors==0', '--from', '2000000'],
    { find: { vary: 'conns', slo: ['errors==0'], from: 2_000_000 } },
    /^--from: 2000000 is out of range/,
  ],
  [
    '--precision 0',
    ['--vary', 'rate', '--slo', 'p99<5ms', '--precision', '0'],
    { find: { vary: 'rate', slo: ['p99<5ms'], precision: 0 } },
    /^--precision: '0' is outside/,
  ],
  [
    '--precision 60%',
    ['--vary', 'rate', '--slo', 'p99<5ms', '--precision', '60%'],
    { find: { vary: 'rate', slo: ['p99<5ms'], precision: '60%' } },
    /^--precision: '60%' is outside/,
  ],
  [
    '--confirm 11',
    ['--vary', 'rate', '--slo', 'p99<5ms', '--confirm', '11'],
    { find: { vary: 'rate', slo: ['p99<5ms'], confirm: 11 } },
    /^--confirm: /,
  ],
  [
    '--max-time 0',
    ['--vary', 'rate', '--slo', 'p99<5ms', '--max-time', '0'],
    { find: { vary: 'rate', slo: ['p99<5ms'], maxTime: '0' } },
    /^--max-time: /,
  ],
  [
    '--window 0',
    ['--vary', 'rate', '--slo', 'p99<5ms', '--window', '0'],
    { find: { vary: 'rate', slo: ['p99<5ms'], window: '0' } },
    /^--window: '0'/,
  ],
  [
    'an --expect not on capacity',
    ['--vary', 'rate', '--slo', 'p99<5ms', '--expect', 'speed>5'],
    { find: { vary: 'rate', slo: ['p99<5ms'], expect: ['speed>5'] } },
    /^--expect 'speed>5': not of the form/,
  ],
  [
    'an SLO the dimension cannot measure',
    ['--vary', 'cps', '--slo', 'p99<5ms'],
    { find: { vary: 'cps', slo: ['p99<5ms'] } },
    /^--slo 'p99<5ms': cannot be judged with --vary cps/,
  ],
  [
    'an SLO on the answer',
    ['--vary', 'rate', '--slo', 'capacity>5'],
    { find: { vary: 'rate', slo: ['capacity>5'] } },
    /capacity/,
  ],
  [
    'two SLOs in one --slo',
    ['--vary', 'rate', '--slo', 'errors==0, p99<20ms'],
    { find: { vary: 'rate', slo: ['errors==0, p99<20ms'] } },
    /^--slo 'errors==0, p99<20ms': one SLO per --slo$/,
  ],
  [
    'an SLO without a time unit',
    ['--vary', 'rate', '--slo', 'p99<5'],
    { find: { vary: 'rate', slo: ['p99<5'] } },
    /give a unit for a time/,
  ],
];

describe('a search refused, the same both ways', () => {
  it.each(REFUSED)('%s', (_what, args, step, message) => {
    const cli = refusal(() => findFromArgs([...CLI, ...args]));
    expect(cli).toMatch(message);
    expect(refusal(() => findFromStep(step))).toBe(cli);
  });

  it('and what is taken is taken both ways, alike', () => {
    const cli = findFromArgs([
      ...CLI,
      '--vary',
      'conns',
      '--slo',
      'opened==target',
      '--to',
      '4000',
      '--expect',
      'capacity>=500',
    ]);
    const step = findFromStep({
      find: { vary: 'conns', slo: ['opened==target'], to: 4000, expect: ['capacity>=500'] },
    });
    for (const f of [cli, step]) expect(f).toMatchObject({ dimension: 'conns', search: { from: 100, to: 4000 } });
    expect(step.first.mode).toBe(cli.first.mode);
    expect(step.expect).toEqual(cli.expect);
    expect(step.slo).toEqual(cli.slo);
  });
});
