/**
 * Vitest global setup: compile before any test runs. CLI tests spawn the built bin (dist/), so without this a bare
 * `npx vitest` could test yesterday's code. tsc 7 is incremental-fast (about a second for this tree).
 * Teardown: removes the temp folders this run's tests made (they are many: certificates, HAProxy and nginx
 * configs, results), so a day of test runs does not leave hundreds behind.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './cli.js';

const TEST_PREFIXES = /^l4stress-(test|haproxy|nginx|cert|report|pack)-/;

export default function setup(): () => void {
  const started = Date.now();
  execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  return () => {
    const tmp = os.tmpdir();
    for (const name of readdirSync(tmp)) {
      if (!TEST_PREFIXES.test(name)) continue;
      const dir = path.join(tmp, name);
      try {
        // Only what this run made: a folder from before it (another run's, still in use) is left alone.
        if (statSync(dir).ctimeMs >= started) rmSync(dir, { recursive: true, force: true });
      } catch {
        // gone already, or not ours to remove
      }
    }
  };
}
