#!/usr/bin/env node
// `npm pack` hooks: the published package ships compiled JS, so its manifest must not carry the dev-only
// `prepare` build (npm 11 flags it as an install script, and it would fail without TypeScript). `strip` (prepack)
// moves it aside; `restore` (postpack) puts it back. The pinst pattern, without the dependency.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package.json', import.meta.url);
const pkg = JSON.parse(readFileSync(file, 'utf8'));
const [from, to] = process.argv[2] === 'strip' ? ['prepare', '_prepare'] : ['_prepare', 'prepare'];
if (pkg.scripts[from] !== undefined) {
  const scripts = {};
  for (const [k, v] of Object.entries(pkg.scripts)) scripts[k === from ? to : k] = v;
  pkg.scripts = scripts;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
