/**
 * A capacity search's settings the two ways a user gives them, for the tests that hold the two to one rule: `l4stress
 * find ARGS` (commander with find's options, built from the same tables, filters and defaults as cli/main.ts's find
 * command, then resolveFindConfig with the options typed as given) and a scenario's `find:` step (the scenario
 * expanded as a file is, then scenario/find-step.ts stepFindConfig).
 */
import { Command } from 'commander';
import type { FindConfig } from '../../src/find/find-config.js';
import { resolveFindConfig } from '../../src/find/find-config.js';
import { DEFAULT_COMPARE } from '../../src/gates/compare.js';
import {
  FIND_OPTIONS,
  FIND_RUN_DEFAULTS,
  type FindOptionKey,
  type RawFindOptions,
  RUN_OPTIONS_NOT_FOR_FIND,
} from '../../src/options/find-options.js';
import { optionFrom } from '../../src/options/run-command-options.js';
import { type RawRunOptions, RUN_OPTIONS, type RunOptionKey } from '../../src/options/run-options.js';
import { stepFindConfig } from '../../src/scenario/find-step.js';
import { expand } from '../../src/scenario/load.js';
import { stepRawOptions } from '../../src/scenario/run-scenario.js';

/** `l4stress find ARGS` up to its FindConfig; commander's refusals throw as they would print (`error: ...`). */
export function findFromArgs(args: string[]): FindConfig {
  const find = new Command('find').exitOverride().allowExcessArguments(false);
  find.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const key of Object.keys(FIND_OPTIONS) as FindOptionKey[]) find.addOption(optionFrom(FIND_OPTIONS[key]));
  for (const key of Object.keys(RUN_OPTIONS) as RunOptionKey[])
    if (RUN_OPTIONS[key].role !== 'scenario-only' && !RUN_OPTIONS_NOT_FOR_FIND.includes(key))
      find.addOption(
        optionFrom({
          ...RUN_OPTIONS[key],
          default: key in FIND_RUN_DEFAULTS ? FIND_RUN_DEFAULTS[key] : RUN_OPTIONS[key].default,
        }),
      );
  find.parse(args, { from: 'user' });
  const keys = [...Object.keys(RUN_OPTIONS), ...Object.keys(FIND_OPTIONS)] as (RunOptionKey | FindOptionKey)[];
  const given = keys.filter((k) => find.getOptionValueSource(k) === 'cli');
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
