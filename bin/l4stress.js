#!/usr/bin/env node
// Entry point of the published command: runs the compiled CLI (npm install builds it via the prepare script).
import { existsSync } from 'node:fs';
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('l4stress: not built yet; run `npm run build` (npm install does it for you)\n');
  process.exit(1);
}
await import(main.href);
