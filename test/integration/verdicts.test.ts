/**
 * Verdicts that hold: the stop drains what is in flight (so an RST close or a proxy without half-close loses
 * nothing), a stream that moved nothing fails, and an open-loop schedule the generator cannot keep fails with a
 * message that blames the generator, not the target.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { runForResult } from '../helpers/schema.js';

const dir = tempDir();
const servers: net.Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

const run = (args: string[]): ReturnType<typeof runForResult> => runForResult(dir, args);

describe('the graceful stop', () => {
  it('--close rst against the embedded target loses nothing: echoes in flight are drained first', async () => {
    const { code, result } = await run(['--conns', '50', '--duration', '1s', '--close', 'rst']);
    expect(code).toBe(0);
    expect(result.modeStats.integrity.bytesLostAtClose).toBe(0);
    expect(result.phases.drainTimedOut).toBe(false);
  });
});

describe('stream verdicts', () => {
  it('a target that accepts and never reads fails the run (exit 4) and names the stalled connections', async () => {
    const silent = net.createServer((socket) => socket.pause());
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const { code, stdout, result } = await run([
      '--target',
      `127.0.0.1:${port}`,
      '--mode',
      'stream',
      '--conns',
      '3',
      '--duration',
      '1s',
      '--drain-timeout',
      '200ms',
    ]);
    expect(code).toBe(4);
    expect(result.status).toBe('completed-with-errors');
    expect(result.modeStats.stream!.stalled).toEqual({ count: 3, examples: [0, 1, 2] });
    expect(stdout).toMatch(/3 stream connections moved no byte in the whole measured phase/);
  });
});

describe('the connect schedule (--connect-rate) is judged like the open-loop one', () => {
  it('too few cycle slots for the rate asked: exit 4, the shortfall and the --conns that would carry it', async () => {
    const { code, result } = await run(['--mode', 'connect', '-c', '2', '--connect-rate', '50000', '-d', '1s']);
    expect(code).toBe(4);
    expect(result.modeStats.churn).toMatchObject({ askedPerSecond: 50_000, limit: 'setup' });
    expect(result.warnings.join('\n')).toMatch(
      /churn reached [\d,]+ connections\/s of the 50,000\/s asked .* raise --conns/,
    );
  });

  it('a rate it can keep: no verdict, exit 0', async () => {
    const { code, result } = await run(['--mode', 'connect', '-c', '20', '--connect-rate', '200', '-d', '1s']);
    expect(code).toBe(0);
    expect(result.modeStats.churn).toMatchObject({ askedPerSecond: 200, limit: null });
  });
});

describe('open-loop verdicts', () => {
  it('a rate the connections cannot carry fails (exit 4), blaming the setup and naming the fix', async () => {
    const { code, stdout } = await run(['--conns', '5', '--rate', '100m/s', '--duration', '1s']);
    expect(code).toBe(4);
    expect(stdout).toMatch(/each of the 5 connections is asked for [\d,]+ sends\/s but one round trip takes/);
    expect(stdout).toMatch(/use more connections \(--conns [\d,]+ or more\) or a lower --rate/);
    expect(stdout).not.toMatch(/the target \(not the generator\) fell behind/);
  });

  it('a paused generator (SIGSTOP 30 ms, three times) does not fail pings due once a second', async () => {
    // The reproduction: exit 4 in 3 of 3 runs under the old rule (pacer lag p99 over 5 ms).
    for (let i = 0; i < 3; i++) {
      const out = path.join(dir, `paused-${i}.json`);
      const running = startCli(['--mode', 'hold', '--conns', '50', '--duration', '3s', '--out', out, '--quiet']);
      await new Promise((r) => setTimeout(r, 2200));
      for (let k = 0; k < 3; k++) {
        running.child.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, 30));
        running.child.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 400));
      }
      const run = await running.done;
      const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
      expect(run.code, result.warnings.join('\n')).toBe(0);
      expect(result.modeStats.openLoop!.generatorBehind).toBe(false);
    }
  });

  it('a generator truly overloaded (its pacer stalled 20 ms in every 100 ms) fails every time', async () => {
    for (let i = 0; i < 3; i++) {
      const out = path.join(dir, `stalled-${i}.json`);
      const run = await runCli(['--rate', '500', '-c', '20', '-d', '2s', '--out', out, '--quiet'], {
        env: { L4STRESS_TEST_PACER_STALL: '20/100' },
      });
      const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
      expect(run.code).toBe(4);
      expect(result.modeStats.openLoop).toMatchObject({ generatorBehind: true, lateToleranceMs: 4 });
      expect(result.warnings.join('\n')).toMatch(
        /the generator could not keep the schedule: [\d,]+ of [\d,]+ measured sends left more than 4 ms late/,
      );
    }
  });

  it('a rate well below capacity keeps its schedule: no miss, the run passes', async () => {
    const { code, result } = await run(['--conns', '50', '--rate', '2000', '--duration', '1s']);
    expect(code).toBe(0);
    expect(result.modeStats.openLoop).toMatchObject({ missed: 0, generatorBehind: false });
  });
});
