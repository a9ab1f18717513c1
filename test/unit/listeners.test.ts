/**
 * A loopback target's processes found by their socket (instruments/listeners.ts): the kernel's socket tables read
 * from real /proc/net captures (test/fixtures/proc-net), which addresses take a target's connections, and the
 * holder found for real: this test process listening on loopback (TCP, and UDP bound) is the one found. Who watches
 * them and says so (run/target-watch.ts): an explicit --watch-pid wins, --watch-target off, a target not found.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src/config/resolve-run-config.js';
import { findListeners, parseSocketTable, socketInodes, takes } from '../../src/instruments/listeners.js';
import { parseRunArgs } from '../../src/options/run-command-options.js';
import { targetWatchLine } from '../../src/reporters/summary.js';
import { watchTarget } from '../../src/run/target-watch.js';
import { ROOT } from '../helpers/cli.js';

const fixture = (name: string): string => readFileSync(path.join(ROOT, 'test/fixtures/proc-net', name), 'utf8');

describe('the socket tables', () => {
  it('reads IPv4 and IPv6 rows: address, port, state and inode', () => {
    expect(parseSocketTable(fixture('tcp.txt')).slice(0, 3)).toEqual([
      { address: '0.0.0.0', port: 7001, state: 0x0a, inode: 2354304 },
      { address: '127.0.0.1', port: 7000, state: 0x0a, inode: 2354303 },
      { address: '127.0.0.3', port: 40_001, state: 0x01, inode: 2354306 },
    ]);
    expect(parseSocketTable(fixture('tcp6.txt')).slice(0, 2)).toEqual([
      { address: '0:0:0:0:0:0:0:0', port: 7002, state: 0x0a, inode: 2354305 },
      { address: '0:0:0:0:0:0:0:1', port: 40_006, state: 0x06, inode: 0 },
    ]);
  });

  it('a socket takes a target on its own address, on the wildcard, and IPv4-mapped; not on another address', () => {
    expect(takes('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(takes('0.0.0.0', '127.0.0.1')).toBe(true);
    expect(takes('0:0:0:0:0:0:0:0', '::1')).toBe(true);
    expect(takes('0:0:0:0:0:0:0:1', '::1')).toBe(true);
    expect(takes('::ffff:127.0.0.1', '127.0.0.1')).toBe(true);
    expect(takes('0:0:0:0:0:0:0:1', 'localhost')).toBe(true);
    expect(takes('127.0.0.2', '127.0.0.1')).toBe(false);
    expect(takes('0:0:0:0:0:0:0:1', '127.0.0.1')).toBe(false);
  });

  it('only a listening socket on the port is the target (a connection from it is not)', () => {
    const rows = [...parseSocketTable(fixture('tcp.txt')), ...parseSocketTable(fixture('tcp6.txt'))];
    expect(socketInodes(rows, 'tcp', '127.0.0.1', 7000)).toEqual([2354303]);
    expect(socketInodes(rows, 'tcp', '127.0.0.1', 7001)).toEqual([2354304]);
    expect(socketInodes(rows, 'tcp', '::1', 7002)).toEqual([2354305]);
    expect(socketInodes(rows, 'tcp', '127.0.0.1', 40_001)).toEqual([]);
  });
});

describe('the process holding the socket, for real', () => {
  it('finds this process listening on a loopback TCP port, and says why when nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(findListeners('tcp', '127.0.0.1', port)).toEqual({ pids: [process.pid], why: null });
      // Skipped (the generator's own processes are never the target): then nobody this user can read holds it.
      expect(findListeners('tcp', '127.0.0.1', port, [process.pid]).pids).toEqual([]);
    } finally {
      await new Promise((r) => server.close(r));
    }
    const gone = findListeners('tcp', '127.0.0.1', port);
    expect(gone.pids).toEqual([]);
    expect(gone.why).toMatch(/^no socket listens on TCP 127\.0\.0\.1:\d+ in this network namespace/);
  });

  it('finds this process bound to a loopback UDP port', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    try {
      expect(findListeners('udp', '127.0.0.1', socket.address().port).pids).toEqual([process.pid]);
    } finally {
      socket.close();
    }
  });
});

describe('which processes a run watches for its target', () => {
  const config = (...args: string[]) => resolveRunConfig(parseRunArgs(args));
  const found = () => ({ pids: [process.pid], why: null });
  const none = () => ({ pids: [], why: 'no socket listens on TCP 127.0.0.1:7000 in this network namespace' });

  it('a loopback target: the holders of its socket, named, said in a line', () => {
    const w = watchTarget(config('--target', '127.0.0.1:7000'), found);
    expect(w).toMatchObject({ by: 'socket', processes: [{ pid: process.pid }] });
    expect(targetWatchLine({ host: '127.0.0.1', port: 7000, watched: w })).toMatch(
      new RegExp(`^127\\.0\\.0\\.1:7000 watched: pid ${process.pid} \\(.+\\), holding the socket that listens on`),
    );
  });

  it('--watch-pid wins; --watch-target off; not found is said, not an error; off loopback or embedded: nothing', () => {
    const pid = String(process.pid);
    expect(watchTarget(config('--target', '127.0.0.1:7000', '--watch-pid', pid), found)?.by).toBe('watch-pid');
    expect(watchTarget(config('--target', 'localhost:7000', '--watch-target', 'off'), found)?.by).toBe('off');
    const missing = watchTarget(config('--target', '[::1]:7000'), none);
    expect(missing).toMatchObject({ by: 'not-found', processes: [] });
    expect(targetWatchLine({ host: '::1', port: 7000, watched: missing })).toMatch(/not watched: not found: no socket/);
    expect(watchTarget(config('--target', '192.0.2.1:7000'), found)).toBeNull();
    expect(watchTarget(config(), found)).toBeNull();
    expect(() => config('--target', '127.0.0.1:7000', '--watch-target', 'sometimes')).toThrow(/--watch-target/);
  });
});
