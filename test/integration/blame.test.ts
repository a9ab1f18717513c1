/**
 * Blame goes to the party at fault. Out of local ports in a network namespace of the test's own (port range
 * 40000-40999, 500 of those ports held by sessions bound to them explicitly, toward another port), 900 held sessions
 * against `serve` in the same namespace: 400 connects fail with EADDRNOTAVAIL. Those sessions owed pings they never
 * could send; counted as the pacer's "missed sends", they once made the run say "the generator could not keep the
 * schedule". (Listeners on those ports would be counted by the preflight, which then refuses the run before any
 * socket opens: port-space.test.ts. A connected socket's line in /proc/net/tcp does not say it was bound by hand.)
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/cli.js';
import { createNamespace, type TestNamespace } from '../helpers/netns.js';

const dir = tempDir();
let ns: TestNamespace;

beforeAll(async () => {
  ns = createNamespace('l4stress-blame');
  ns.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_local_port_range=40000 40999']);
  // 500 sessions from 127.0.0.1:40000-40499, each port bound by hand: the kernel's connect() then skips those ports
  // for every destination.
  const hold =
    "const net=require('net');const s=[];net.createServer(c=>s.push(c)).listen(7001,'127.0.0.1',()=>{let n=0;" +
    "for(let p=40000;p<40500;p++)s.push(net.connect({host:'127.0.0.1',port:7001,localAddress:'127.0.0.1'," +
    "localPort:p},()=>{if(++n===500)console.log('held')}))})";
  await ns.start([process.execPath, '-e', hold]);
  await ns.start([process.execPath, CLI, 'serve', '--port', '7000']);
});

afterAll(() => ns?.remove());

describe('out of ephemeral ports', () => {
  it('the failures name the local ports; no missed send is blamed on the generator', () => {
    // exit 4: the failed connects are errors; the result is the oracle
    const r = ns.run(path.join(dir, 'ports.json'), [
      '--target',
      '127.0.0.1:7000',
      '--mode',
      'hold',
      '-c',
      '900',
      '-d',
      '1s',
    ]);
    expect(r.exitCode).toBe(4);
    expect(r.connections.failed.byKind.EADDRNOTAVAIL).toBe(400);
    expect(r.connections.established).toBe(500);
    expect(r.modeStats.openLoop).toMatchObject({ missed: 0, generatorBehind: false });
    expect(r.warnings.join('\n')).toMatch(
      /400 connects failed with EADDRNOTAVAIL: this machine ran out of local ports/,
    );
    expect(r.warnings.join('\n')).toMatch(/ip_local_port_range 40000-40999/);
    expect(r.warnings.join('\n')).not.toMatch(/could not keep the schedule/);
  });
});
