/**
 * find's options over UDP (find/find-config.ts): SLOs given one per --slo (a list in one is refused with the way to
 * give it), and what --udp takes and refuses.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { findFromArgs, findFromStep } from '../helpers/find-args.js';

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

describe('find --udp', () => {
  it('varies rate in datagrams/s (echo) and conns in flows (hold), each its own name', () => {
    const rate = findFromArgs([...CLI, '--udp', '--vary', 'rate', '--slo', 'p99<20ms', '--conns', '10']);
    expect([rate.def.unit, rate.def.transport, rate.first.transport, rate.first.mode]).toEqual([
      'datagrams/s',
      'udp',
      'udp',
      'echo',
    ]);
    expect(rate.name).toBe('find-rate-udp-echo-none');
    const conns = findFromArgs([...CLI, '--udp', '--vary', 'conns', '--slo', 'opened==target']);
    expect([conns.def.unit, conns.first.mode, conns.name]).toEqual(['flows', 'hold', 'find-conns-udp-hold-none']);
    // Without --udp, TCP's rows as before.
    expect(findFromArgs([...CLI, '--vary', 'conns', '--slo', 'errors==0']).def.unit).toBe('sessions');
  });

  it.each(['cps', 'tls-handshakes'])('--vary %s with --udp: refused in one line', (vary) => {
    expect(refusal(() => findFromArgs([...CLI, '--udp', '--vary', vary, '--slo', 'errors==0']))).toEqual({
      message:
        `--vary ${vary}: does not apply with --udp (a UDP flow has no connect or handshake to grow; vary rate or ` +
        'conns)',
      hint: undefined,
    });
  });

  it('a scenario find step with udp: the same rows and the same refusal', () => {
    const step = findFromStep({ udp: true, find: { vary: 'rate', slo: ['loss<0.1%'] } });
    expect([step.def.unit, step.first.transport, step.slo[0].metric]).toEqual(['datagrams/s', 'udp', 'loss']);
    expect(refusal(() => findFromStep({ udp: true, find: { vary: 'cps', slo: ['errors==0'] } })).message).toBe(
      '--vary cps: does not apply with --udp (a UDP flow has no connect or handshake to grow; vary rate or conns)',
    );
  });

  it('loss is refused as an SLO without --udp (nothing measures it over TCP)', () => {
    expect(refusal(() => findFromArgs([...CLI, '--vary', 'rate', '--slo', 'loss<0.1%'])).message).toMatch(
      /^--slo 'loss<0.1%': cannot be judged with --vary rate/,
    );
  });

  it('the run refusals of --udp hold for a search too (--tls, --mode connect)', () => {
    expect(
      refusal(() => findFromArgs([...CLI, '--udp', '--vary', 'rate', '--slo', 'p99<1s', '--tls'])).message,
    ).toMatch(/^--tls: /);
    const connect = refusal(() =>
      findFromArgs([...CLI, '--udp', '--vary', 'conns', '--mode', 'connect', '--slo', 'errors==0']),
    );
    expect(connect.message).toMatch(/^--mode connect: --vary conns runs in --mode hold or echo$/);
  });

  it('--cooldown: 0 by default, a time, refused when not one', () => {
    const args = [...CLI, '--udp', '--vary', 'conns', '--slo', 'opened==target'];
    expect(findFromArgs(args).cooldownMs).toBe(0);
    expect(findFromArgs([...args, '--cooldown', '4s']).cooldownMs).toBe(4000);
    expect(refusal(() => findFromArgs([...args, '--cooldown', 'soon'])).message).toMatch(/^--cooldown: /);
  });
});
