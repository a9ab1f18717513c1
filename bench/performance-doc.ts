import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Environment } from '../src/documents/common.js';
import type { Goal } from './goal.js';

const fmt = (v: number | null, unit: string): string =>
  v === null ? '-' : `${Math.round(v).toLocaleString('en-US')}${unit ? ` ${unit}` : ''}`;

export function goalRows(goals: Goal[]): string[][] {
  return goals.map((g) => [
    g.goal,
    fmt(g.l4stress, g.unit),
    `${fmt(g.reference, g.unit)} (${g.referenceName})`,
    g.ratio === null ? '-' : `${g.ratio}x`,
    `${g.want.op} ${g.want.ratio}x`,
    g.verdict,
  ]);
}

export const GOAL_HEADER = ['goal', 'l4stress', 'reference', 'ratio', 'wanted', 'verdict'];

/** Everything after this line in the file is written by hand (profiles, findings) and kept across bench runs. */
export const KEPT_MARKER = '<!-- written by hand below this line; npm run bench keeps it -->';

export function writePerformanceDoc(file: string, goals: Goal[], env: Environment, sha: string | null): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const kept = old.includes(KEPT_MARKER) ? old.slice(old.indexOf(KEPT_MARKER)) : `${KEPT_MARKER}\n`;
  const rows = goalRows(goals).map((r) => `| ${r.join(' | ')} |`);
  const notes = goals.filter((g) => g.note).map((g) => `- ${g.goal}: ${g.note}`);
  writeFileSync(
    file,
    [
      '# Performance',
      '',
      'Written by `npm run bench` (`npm run bench -- --goals` runs only these). Every ratio is against a reference',
      'measured in the same run, before and after l4stress (A-B-A, averaged): absolute figures do not compare',
      'across machines, ratios do.',
      '',
      `Machine: ${env.cpuModel}, ${env.cores} vCPUs, kernel ${env.kernel}, Node ${env.node}; commit ` +
        `${sha?.slice(0, 12) ?? 'unknown'}; ${new Date().toISOString()}.`,
      '',
      `| ${GOAL_HEADER.join(' | ')} |`,
      `| ${GOAL_HEADER.map(() => '---').join(' | ')} |`,
      ...rows,
      '',
      ...notes,
      '',
      kept,
    ].join('\n'),
  );
}
