/** `serve --service-time`: a backend of known capacity, as capacity searches and tuning sessions need one. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startServe } from '../helpers/processes.js';

describe('serve --service-time: a backend of known capacity', () => {
  it('1 ms per message: about 1,000 answers a second however many connections ask; well below it, fast', async () => {
    const backend = await startServe(['--quiet', '--service-time', '1ms']);
    try {
      const dir = tempDir();
      const run = async (name: string, args: string[]) => {
        const out = path.join(dir, `${name}.json`);
        const r = await runCli(['--target', `127.0.0.1:${backend.port}`, ...args, '--out', out, '--quiet']);
        return { code: r.code, result: JSON.parse(readFileSync(out, 'utf8')) as RunResult };
      };
      // 50 closed loops keep the queue full: the capacity, not the connections, sets the rate.
      const saturated = await run('saturated', ['--conns', '50', '--duration', '3s']);
      expect(saturated.code).toBe(0);
      expect(saturated.result.throughput.roundTripsPerSecond).toBeGreaterThan(900);
      expect(saturated.result.throughput.roundTripsPerSecond).toBeLessThan(1100);
      // 300 messages/s, a third of the capacity: answered within a few service times.
      const light = await run('light', ['--conns', '20', '--rate', '300', '--duration', '2s']);
      expect(light.code).toBe(0);
      expect(light.result.latency.roundTripUs.p50!).toBeLessThan(5000);
    } finally {
      await backend.stop();
    }
  });

  it.each([
    [['--service-time', '5'], /--service-time: '5' is not a time from 1us to 1s/],
    [['--service-time', '1ms', '--mode', 'sink'], /--service-time: goes with --mode echo/],
    // Nothing counts messages without a service time: refused, not accepted and ignored (issue 31).
    [['--message-size', '128'], /--message-size goes with --service-time/],
  ])('serve %s is exit 2', async (args, message) => {
    const run = await runCli(['serve', '--port', '0', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
