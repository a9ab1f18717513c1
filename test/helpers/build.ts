/**
 * Vitest global setup: compile before any test runs. CLI tests spawn the built bin (dist/), so without this a bare
 * `npx vitest` could test yesterday's code. tsc 7 is incremental-fast (about a second for this tree).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli.js';

export default function setup(): void {
  execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
}
