/**
 * The search's answer in words, on built probes: the machine's limit and inconclusive name the machine's figures
 * and are never the target's capacity (a step's metric keeps the lower bound, flagged "at least"); a capacity whose
 * probes passed with errors says so and how to fail them.
 */
import { describe, expect, it } from 'vitest';
import { answerText, capacityMetrics } from '../../src/find/answer.js';
import { resolveFindConfig } from '../../src/find/find-config.js';
import { FIND_DEFAULTS, type FindOptionKey } from '../../src/options/find-options.js';
import { parseRunArgs } from '../../src/options/run-command-options.js';
import type { RunOptionKey } from '../../src/options/run-options.js';
import { probeFixture } from '../fixtures/probe.js';

const find = resolveFindConfig(
  {
    ...parseRunArgs(['--target', '127.0.0.1:7000', '--quiet']),
    ...FIND_DEFAULTS,
    vary: 'conns',
    slo: ['opened==target'],
  },
  ['target', 'vary', 'slo'] as (RunOptionKey | FindOptionKey)[],
);

const probe = probeFixture;

const starved = 'load threads waited 40% of the window for a core and ran 55%; others took 1.3 cores';

describe("the search's answer in words", () => {
  it('the machine’s limit names the figures and how to measure the target alone', () => {
    const probes = [
      probe({ load: 400 }),
      probe({ load: 800, pass: false, limitOf: 'machine', machineLimit: starved, failure: 'p99<1s broke: 2s' }),
    ];
    const answer = { end: 'machine-limit' as const, capacity: 400, atLeast: true, bracket: { pass: 400, fail: null } };
    const w = answerText(find, answer, probes, null, false);
    expect(w.limitOf).toBe('machine');
    expect(w.text).toMatch(/^the machine's limit, not the target's: at least 400 sessions/);
    expect(w.text).toContain(starved);
    expect(w.text).toMatch(/run the generator on another host \(shards\)/);
    // The step's metric is the answer's lower bound, flagged: a `capacity >= 400` threshold meets it as --expect does.
    expect(capacityMetrics({ answer: { ...answer, ...w } } as never)).toMatchObject({
      metrics: { capacity: 400 },
      atLeast: true,
    });
  });

  it('inconclusive says others took the cores, with the figures, and is never a capacity', () => {
    const probes = [probe({ load: 800, pass: false, limitOf: 'inconclusive', machineLimit: starved, failure: 'x' })];
    const answer = {
      end: 'inconclusive' as const,
      capacity: null,
      atLeast: false,
      bracket: { pass: null, fail: null },
    };
    const w = answerText(find, answer, probes, null, false);
    expect(w.limitOf).toBe('inconclusive');
    expect(w.text).toMatch(
      /^inconclusive: nothing passed, but while the probes ran other work took this machine's cores/,
    );
    expect(capacityMetrics({ answer: { ...answer, ...w } } as never)).toMatchObject({
      metrics: { capacity: null },
      atLeast: false,
    });
  });

  it('a capacity whose probes passed with errors says so, and how to fail them', () => {
    const probes = [probe({ load: 2047, errors: 1000 }), probe({ load: 2047, errors: 3262 })];
    const answer = { end: 'found' as const, capacity: 2047, atLeast: false, bracket: { pass: 2047, fail: 2150 } };
    const w = answerText(find, answer, probes, null, false);
    expect(w.text).toMatch(/Probes at 2,047 passed with up to 3,262 errors .* add --slo 'errors==0'/);
    const clean = answerText(find, answer, [probe({ load: 2047 })], null, false);
    expect(clean.text).not.toMatch(/errors/);
  });
});
