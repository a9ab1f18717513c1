/**
 * A capacity search's settings the two ways a user gives them, for the tests that hold the two to one rule: `l4stress
 * find ARGS` (commander's find command built by cli/program.ts from the command table, its refusals, then
 * resolveFindConfig with the options typed as given) and a scenario's `find:` step (the scenario
 * expanded as a file is, then scenario/find-step.ts stepFindConfig).
 */
import { Command } from 'commander';
import { refusedOrGiven, withOptions } from '../../src/cli/program.js';
import type { FindConfig } from '../../src/find/find-config.js';
import { resolveFindConfig } from '../../src/find/find-config.js';
import { DEFAULT_COMPARE } from '../../src/gates/compare.js';
import { COMMANDS } from '../../src/options/commands.js';
import type { FindOptionKey, RawFindOptions } from '../../src/options/find-options.js';
import type { RawRunOptions, RunOptionKey } from '../../src/options/run-options.js';
import { stepFindConfig } from '../../src/scenario/find-step.js';
import { expand } from '../../src/scenario/load.js';
import { stepRawOptions } from '../../src/scenario/run-scenario.js';

/** `l4stress find ARGS` up to its FindConfig; commander's refusals throw as they would print (`error: ...`). */
export function findFromArgs(args: string[]): FindConfig {
  const def = COMMANDS.find((c) => c.name === 'find')!;
  const find = withOptions(new Command('find'), def).exitOverride().allowExcessArguments(false);
  find.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  find.parse(args, { from: 'user' });
  const given = refusedOrGiven(def, find) as (RunOptionKey | FindOptionKey)[];
  return resolveFindConfig(find.opts() as RawRunOptions & RawFindOptions, given);
}

/** A scenario (target 127.0.0.1:7000) of one step `a` with these keys, `find` among them, up to its FindConfig. */
export function findFromStep(step: Record<string, unknown>, scenario: Record<string, unknown> = {}): FindConfig {
  const o = { resultsDir: '/tmp', iterations: null, baseline: null, compare: DEFAULT_COMPARE, overrides: {} };
  const file = { name: 's', target: '127.0.0.1:7000', ...scenario, steps: [{ name: 'a', ...step }] };
  const sc = expand('/x/s.yaml', file as never, null);
  const st = sc.steps[0];
  const options = { ...o, log: () => {} };
  return stepFindConfig(st, stepRawOptions(sc, st.options, st.name, options), options);
}
