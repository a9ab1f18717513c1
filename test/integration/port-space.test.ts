/**
 * The port space per source address, in a network namespace of the test's own with 1,000 ephemeral ports
 * (40000-40999) and `serve` on 127.0.0.1:7000. First the kernel's rules the preflight counts by (src/preflight/
 * port-space.ts), on real sockets: a bound source address loses its TIME_WAIT ports toward every destination, another
 * address does not, and an unbound connect reuses TIME_WAIT toward its destination on loopback (tcp_tw_reuse 2).
 * Then runs that would not fit: 800 TIME_WAIT ports on 127.0.0.2 and 500 sessions asked from it wait (saying so)
 * until enough clear, then run with no connect failed; live sessions holding the ports are refused (exit 3) before
 * any socket opens.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/documents/result.js';
import { CLI, tempDir } from '../helpers/cli.js';
import { createNamespace, type TestNamespace } from '../helpers/netns.js';

const dir = tempDir();
let ns: TestNamespace;
let name: string;

beforeAll(async () => {
  ns = createNamespace('l4stress-ports');
  name = `l4stress-ports-${process.pid}`;
  ns.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_local_port_range=40000 40999']);
  await ns.start([process.execPath, CLI, 'serve', '--port', '7000']);
});

afterAll(() => ns?.remove());

/** A node script in the namespace; its last line of output is JSON. */
function script(code: string): Record<string, unknown> {
  const out = ns.exec([process.execPath, '-e', code]).trim().split('\n');
  return JSON.parse(out[out.length - 1]) as Record<string, unknown>;
}

/** `c(options)` connects to 127.0.0.1:7000 (serve); with `OWN`, to a server of the script's own on 7100. */
const CONNECT =
  "const net=require('net');const c=(o)=>new Promise(r=>{const s=net.connect({host:'127.0.0.1',port:7000,...o});" +
  "s.on('connect',()=>r({s}));s.on('error',e=>r({code:e.code}))});";
const OWN = "net.createServer(x=>x.on('end',()=>x.end())).listen(7100,'127.0.0.1');const d=(o)=>c({port:7100,...o});";

/**
 * `f(n, options)`: `n` sessions to the script's own server, all open at once (so each takes a port of its own), then
 * closed by this side first: `n` TIME_WAIT ports.
 */
const FILL =
  'const f=async(n,o)=>{const k=[];for(let i=0;i<n;i+=100)k.push(...await Promise.all(Array.from({length:' +
  'Math.min(100,n-i)},()=>d(o))));for(const x of k)x.s.end();await new Promise(r=>setTimeout(r,1500))};';

/** `n` sessions from `from` (bound), closed by this side first: `n` TIME_WAIT ports on that address. */
function fillTimeWait(from: string, n: number): void {
  script(`${CONNECT}${OWN}${FILL}f(${n},{localAddress:'${from}'}).then(()=>{console.log('{}');process.exit()})`);
}

function cli(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', name, process.execPath, CLI, ...args, '--quiet'], {
    encoding: 'utf8',
    timeout: 150_000,
  });
  return { code: r.status, stderr: r.stderr };
}

describe("the kernel's rules, on real sockets", () => {
  it('unbound: TIME_WAIT toward the destination is reused on loopback with tcp_tw_reuse 2, not with 0', () => {
    // Every port of the range in TIME_WAIT toward :7100, each chosen by connect() itself.
    script(`${CONNECT}${OWN}${FILL}f(1000,{}).then(()=>{console.log('{}');process.exit()})`);
    const once =
      `${CONNECT}${OWN}d({}).then(u=>{u.s?.destroy();` +
      "console.log(JSON.stringify({r:u.code??'ok'}));process.exit()})";
    expect(script(once)).toEqual({ r: 'ok' });
    ns.exec(['sysctl', '-q', '-w', 'net.ipv4.tcp_tw_reuse=0']);
    try {
      expect(script(once)).toEqual({ r: 'EADDRNOTAVAIL' });
    } finally {
      ns.exec(['sysctl', '-q', '-w', 'net.ipv4.tcp_tw_reuse=2']);
    }
  });

  it('TIME_WAIT on a bound address blocks it toward any destination; another address goes on', () => {
    fillTimeWait('127.0.0.9', 1000);
    const r = script(
      `${CONNECT}${OWN}(async()=>{const out={};out.bound9=(await d({localAddress:'127.0.0.9'})).code??'ok';` +
        "out.bound9other=(await c({localAddress:'127.0.0.9'})).code??'ok';" +
        "const b=await d({localAddress:'127.0.0.10'});out.bound10=b.code??'ok';b.s?.destroy();" +
        'console.log(JSON.stringify(out));process.exit()})()',
    );
    // Toward the script's own server and toward serve alike: the port is taken on the address, not per destination.
    expect(r).toEqual({ bound9: 'EADDRINUSE', bound9other: 'EADDRINUSE', bound10: 'ok' });
  });
});

describe('a run the port space cannot hold yet', () => {
  it('waits for TIME_WAIT on its source address to clear, says so, then runs with no connect failed', () => {
    fillTimeWait('127.0.0.2', 800);
    const out = path.join(dir, 'waited.json');
    const started = Date.now();
    const run = cli([
      ...['--target', '127.0.0.1:7000', '--mode', 'hold', '-c', '500', '-d', '1s', '--warmup', '0s'],
      ...['--source-ips', '127.0.0.2', '--out', out],
    ]);
    const waiting = /l4stress: waiting (\d+) s for (\d+) TIME_WAIT ports on 127\.0\.0\.2 to clear /;
    const m = new RegExp(`${waiting.source}\\(500 sessions there, (\\d+) of 1,000 ports free\\)`).exec(run.stderr);
    expect(m, run.stderr).not.toBeNull();
    // 800 in TIME_WAIT: about 200 free, and the rest of the 500 must clear.
    const [waitedS, clearing, free] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(free).toBeLessThanOrEqual(250);
    expect(clearing).toBe(500 - free);
    expect(waitedS).toBeGreaterThan(40);
    expect(waitedS).toBeLessThanOrEqual(60);
    expect(Date.now() - started).toBeGreaterThan(waitedS * 1000);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(r.connections, r.warnings.join('\n')).toMatchObject({ established: 500, failed: { total: 0 } });
    // Not refused; on a busy machine a late ping schedule may still make it exit 4 (its warnings say why).
    expect([0, 4], r.warnings.join('\n')).toContain(run.code);
  }, 150_000);

  it('is refused, exit 3, before any socket opens, when live sessions hold the ports', async () => {
    // 700 live sessions from 127.0.0.3, held for the test.
    await ns.start([
      process.execPath,
      '-e',
      `${CONNECT}(async()=>{const k=[];for(let i=0;i<700;i+=100)k.push(...await Promise.all(Array.from(` +
        "{length:100},()=>c({localAddress:'127.0.0.3'}))));console.log('held');setInterval(()=>k.length,1e3)})()",
    ]);
    const out = path.join(dir, 'refused.json');
    const run = cli([
      ...['--target', '127.0.0.1:7000', '--mode', 'hold', '-c', '500', '-d', '1s'],
      ...['--source-ips', '127.0.0.3', '--out', out],
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      'l4stress: --conns 500 needs 500 local ports on source address 127.0.0.3 (a bound address takes a port ' +
        'whatever the destination), but only 300 of the 1,000 in ip_local_port_range 40000-40999 are free ' +
        '(700 held: 0 in TIME_WAIT, 700 by live sockets)',
    );
    expect(run.stderr).toMatch(/hint: add more --source-ips .*--close rst for churn/);
    expect(existsSync(out)).toBe(false);
    // Spread over a fresh address too, 250 on each, it fits: 127.0.0.3 has 300 free.
    const spread = cli([
      ...['--target', '127.0.0.1:7000', '--mode', 'hold', '-c', '500', '-d', '1s', '--warmup', '0s'],
      ...['--source-ips', '127.0.0.3-127.0.0.4', '--out', path.join(dir, 'spread.json')],
    ]);
    const spreadResult = JSON.parse(readFileSync(path.join(dir, 'spread.json'), 'utf8')) as RunResult;
    expect(spreadResult.connections, spreadResult.warnings.join('\n')).toMatchObject({ failed: { total: 0 } });
    expect([0, 4], spreadResult.warnings.join('\n')).toContain(spread.code);
  }, 60_000);
});
