#!/usr/bin/env node
// Entry point of the published command: the compiled CLI in dist/ (`npm run build`; `npm pack` builds it first).
// `--version` alone is answered here, without loading the CLI: it is what scripts call most.
const args = process.argv.slice(2);
try {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    const { toolVersion } = await import('../dist/src/core/version.js');
    process.stdout.write(`${toolVersion()}\n`);
  } else {
    await import('../dist/src/cli/main.js');
  }
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('/dist/')) throw err;
  process.stderr.write('l4stress: not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(1);
}
