/**
 * The native reference peers of `npm run bench` (native-tools/c): a C epoll echo server, a closed-loop echo client
 * and a churn client (connect, header, first echo, close; N cycles in flight), compiled on first use with the
 * system's C compiler into the temp folder (keyed by the sources' hash, so an edit rebuilds). Without a compiler
 * the bench says so and which goals it could not measure, never skips silently; `native-tools/install.sh` installs
 * gcc.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from './exec.js';

export interface NativeReference {
  server: string;
  client: string;
  churn: string;
}

/** The folder holding package.json, from here (src tree or dist/). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

const SOURCES = { server: 'l4echo-server.c', client: 'l4echo-client.c', churn: 'l4churn-client.c' } as const;

/** Builds (or finds built) the tools; a reason instead when there is no compiler or the build fails. */
export async function buildNativeReference(): Promise<NativeReference | { unavailable: string }> {
  const cc = ['/usr/bin/cc', '/usr/bin/gcc', '/usr/bin/clang'].find(existsSync);
  if (!cc) return { unavailable: 'no C compiler (cc) on this machine: bash native-tools/install.sh installs gcc' };
  const dir = path.join(packageRoot(), 'native-tools', 'c');
  const hash = createHash('sha256');
  for (const file of Object.values(SOURCES)) hash.update(readFileSync(path.join(dir, file)));
  const out = path.join(os.tmpdir(), `l4stress-native-${hash.digest('hex').slice(0, 12)}`);
  mkdirSync(out, { recursive: true });
  const built: Record<string, string> = {};
  for (const [name, file] of Object.entries(SOURCES)) {
    const bin = path.join(out, path.basename(file, '.c'));
    if (!existsSync(bin)) {
      const r = await runTool(cc, ['-O2', '-pthread', '-o', bin, path.join(dir, file), '-lm'], 60_000);
      if (r.exitCode !== 0) return { unavailable: `${cc} could not build ${file}: ${r.stderr.trim().split('\n')[0]}` };
    }
    built[name] = bin;
  }
  return { server: built.server, client: built.client, churn: built.churn };
}
