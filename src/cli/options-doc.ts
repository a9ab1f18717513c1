/**
 * docs/options.md, made from the option tables (options/run-options.ts, options/find-options.ts,
 * cli/serve-options.ts) that also make --help and the scenario step keys: the reference cannot disagree with the
 * code (a test compares the file with this text; `npm run docs` rewrites it).
 */
import { FIND_OPTIONS, type FindOptionKey, RUN_OPTIONS_NOT_FOR_FIND } from '../options/find-options.js';
import { RUN_OPTIONS, type RunOptionDef, type RunOptionKey } from '../options/run-options.js';
import { SERVE_OPTIONS } from './serve-options.js';

const WHERE: Record<RunOptionDef['role'], string> = {
  step: 'run, scenario step',
  scenario: 'run, whole scenario',
  single: 'single run only',
  'scenario-only': 'with --scenario',
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (text: string): string => `\`${cell(text)}\``;

export function renderOptionsDoc(): string {
  const run = (Object.keys(RUN_OPTIONS) as RunOptionKey[]).map((key) => {
    const d = RUN_OPTIONS[key];
    const modes = d.modes ? ` Acts in: ${d.modes.join(', ')}.` : '';
    const choices = d.choices ? ` One of: ${d.choices.join(', ')}.` : '';
    const repeat = d.repeatable ? ' Repeatable.' : '';
    const def = d.default === undefined ? '' : code(d.default);
    return `| ${code(d.flags)} | ${def} | ${WHERE[d.role]} | ${cell(d.description)}.${choices}${modes}${repeat} |`;
  });
  const serve = SERVE_OPTIONS.map((d) => {
    const choices = 'choices' in d ? ` One of: ${d.choices.join(', ')}.` : '';
    const def = 'default' in d ? code(d.default) : '';
    return `| ${code(d.flags)} | ${def} | ${cell(d.description)}.${choices} |`;
  });
  const find = (Object.keys(FIND_OPTIONS) as FindOptionKey[]).map((key) => {
    const d = FIND_OPTIONS[key];
    const choices = d.choices ? ` One of: ${d.choices.join(', ')}.` : '';
    const repeat = d.repeatable ? ' Repeatable.' : '';
    const def = d.default === undefined ? '' : code(d.default);
    return `| ${code(d.flags)} | ${def} | ${cell(d.description)}.${choices}${repeat} |`;
  });
  const notForFind = RUN_OPTIONS_NOT_FOR_FIND.map((k) => code(RUN_OPTIONS[k].flags.replace(/ <.*$/, ''))).join(', ');
  return [
    '# Options',
    '',
    '<!-- Generated from src/options/*-options.ts and src/cli/serve-options.ts by `npm run docs`; do not edit. -->',
    '',
    '## `l4stress [run]`',
    '',
    '`run` is the default command; `l4stress run --help` prints the same table. Times take a unit (`500ms`, `30s`,',
    '`2m`; a bare number is seconds), sizes `64`, `4KiB`, `1MB`, rates `2000`, `5k/s`, `600/m`. In a scenario',
    'file a step option is written in camelCase (`connectRate: 5k/s`, `tls: true`). Where an option applies: a',
    '*scenario step* option given on the command line overrides every step; a *single run only* option is refused',
    'with `--scenario`; an option that does nothing in the chosen mode is refused (exit 2), never ignored.',
    '',
    '| option | default | where | meaning |',
    '| --- | --- | --- | --- |',
    ...run,
    '',
    '## `l4stress find`',
    '',
    'The capacity search (docs/find.md): these options, and every run option above that a single run takes',
    `except ${notForFind} and the one --vary sets (\`--rate\`, \`--conns\` or \`--connect-rate\`).`,
    '',
    '| option | default | meaning |',
    '| --- | --- | --- |',
    ...find,
    '',
    '## `l4stress serve`',
    '',
    'The target on its own (the embedded one runs the same code): an echo, sink or source server that reads PROXY',
    'headers, optionally terminates TLS, and counts what it saw.',
    '',
    '| option | default | meaning |',
    '| --- | --- | --- |',
    ...serve,
    '',
  ].join('\n');
}

// `npm run docs` (from the package root).
if (/options-doc\.[jt]s$/.test(process.argv[1] ?? '') && process.argv.includes('--write')) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync('docs/options.md', renderOptionsDoc());
  console.log('docs/options.md');
}
