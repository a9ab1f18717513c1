/** Exit codes are API: each documented code, produced by spawning the built CLI. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

const NO_STACK = /\n\s+at [\w.<>]+ \(|node:internal/;

describe('CLI exit codes', () => {
  it.each([
    [['--conns', 'lots'], /^l4stress: --conns: 'lots' is not a whole number/],
    [['--conns', '0'], /^l4stress: --conns: 0 is out of range/],
    [['--duration', '5x'], /^l4stress: --duration: '5x' is not a duration/],
    [['--size', '0'], /^l4stress: --size: 0 bytes is out of range/],
    [['--proxy', 'v3'], /^l4stress: option '-p, --proxy <version>' argument 'v3' is invalid/],
    [['--target', 'nowhere'], /^l4stress: --target: 'nowhere' is not host:port/],
    [['--connect-rate', 'fast'], /^l4stress: --connect-rate: 'fast' is not a rate/],
    [['--frobnicate'], /^l4stress: unknown option '--frobnicate'/],
    [['serve', '--port', '99999'], /^l4stress: --port: 99999 is out of range/],
  ])('%j is invalid input: exit 2, one clear line, no stack trace', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(NO_STACK);
    expect(run.stdout).toBe('');
  });

  it('a run that cannot fit the fd limit stops in preflight with exit 3 and the fix', async () => {
    const run = await runCli(['--conns', '25000', '--processes', '1', '--duration', '1s']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^l4stress: --conns 25,000 over 1 process needs [\d,]+ file descriptors in one process, /,
    );
    expect(run.stderr).toMatch(/, but the limit \(ulimit -n\) is [\d,]+/);
    expect(run.stderr).toMatch(/^hint: use --processes 2 or more/m);
    expect(run.stderr).not.toMatch(NO_STACK);
  });

  it('--help lists the options and exits 0', async () => {
    const run = await runCli(['run', '--help']);
    expect(run.code).toBe(0);
    for (const opt of [
      '--target',
      '--conns',
      '--proxy',
      '--duration',
      '--warmup',
      '--connect-rate',
      '--size',
      '--workers',
      '--seed',
      '--out',
      '--quiet',
      '--json',
    ]) {
      expect(run.stdout).toContain(opt);
    }
  });

  it('--version prints the package version', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('serve on a port already in use is exit 3 with the reason', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const { port } = blocker.address() as import('node:net').AddressInfo;
    const run = await runCli(['serve', '--port', String(port)]);
    blocker.close();
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^l4stress: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  });
});
