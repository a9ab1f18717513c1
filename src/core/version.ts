/** The tool's version, from the package.json above this module (works from src/ and from dist/). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function toolVersion(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'l4stress' && pkg.version) {
        cached = pkg.version;
        return cached;
      }
    }
    dir = path.dirname(dir);
  }
  cached = '0.0.0-unknown';
  return cached;
}
