/**
 * find's options over UDP (find/find-config.ts): SLOs given one per --slo (a list in one is refused with the way to
 * give it), and what --udp takes and refuses.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { findFromArgs } from '../helpers/find-args.js';

const CLI = ['--target', '127.0.0.1:7000'];
const refusal = (f: () => unknown): { message: string; hint?: string } => {
  try {
    f();
  } catch (e) {
    return e instanceof UsageError ? { message: e.message, hint: e.hint } : { message: (e as Error).message };
  }
  return { message: 'accepted' };
};

describe('SLOs, one per --slo', () => {
  it('a list in one --slo is refused with the --slo of each', () => {
    const r = refusal(() => findFromArgs([...CLI, '--vary', 'rate', '--slo', 'errors==0,p99<20ms']));
    expect(r).toEqual({
      message: "--slo 'errors==0,p99<20ms': one SLO per --slo",
      hint: "repeat it: --slo 'errors==0' --slo 'p99<20ms'",
    });
  });
});
