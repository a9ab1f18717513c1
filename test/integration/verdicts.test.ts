/**
 * Verdicts that hold: the stop drains what is in flight (so an RST close or a proxy without half-close loses
 * nothing), a stream that moved nothing fails, and an open-loop schedule the generator cannot keep fails with a
 * message that blames the generator, not the target.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
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

describe('open-loop verdicts', () => {
  it('a rate the connections cannot carry fails (exit 4), blaming the generator and naming the fix', async () => {
    const { code, stdout, result } = await run(['--conns', '5', '--rate', '100m/s', '--duration', '1s']);
    expect(code).toBe(4);
    expect(result.modeStats.openLoop!.generatorBehind).toBe(true);
    expect(stdout).toMatch(/the generator could not keep the schedule .* the latency measures the generator/);
    expect(stdout).toMatch(/use more connections \(--conns [\d,]+ or more\) or a lower --rate/);
    expect(stdout).not.toMatch(/the target \(not the generator\) fell behind/);
  });

  it('a rate well below capacity keeps its schedule: no miss, the run passes', async () => {
    const { code, result } = await run(['--conns', '50', '--rate', '2000', '--duration', '1s']);
    expect(code).toBe(0);
    expect(result.modeStats.openLoop).toMatchObject({ missed: 0, generatorBehind: false });
  });
});
