/**
 * Where our own entry points live at run time. Production runs compiled JS from dist/; tests run the TypeScript
 * sources, where a worker thread or child process needs tsx loaded to understand `.ts`. tsx does not map
 * `x.js` to `x.ts` for worker entry points, so the extension is chosen from the caller's own URL.
 */
import { fileURLToPath } from 'node:url';

export interface ModuleEntry {
  /** Absolute file path of the entry point. */
  file: string;
  /** execArgv a Worker or child process needs to load it. */
  execArgv: string[];
}

/** `relative` is written without extension, relative to the calling module (pass its import.meta.url). */
export function siblingEntry(callerUrl: string, relative: string): ModuleEntry {
  const typescript = callerUrl.endsWith('.ts');
  const file = fileURLToPath(new URL(`${relative}${typescript ? '.ts' : '.js'}`, callerUrl));
  return { file, execArgv: typescript ? ['--import', 'tsx'] : [] };
}
