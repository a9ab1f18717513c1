/**
 * docs/options.md, made from the command table (options/commands.ts) and its option tables, which also make
 * --help, the scenario step keys and the library's options: the reference cannot disagree with the code (a test
 * compares the file with this text and with --help; `npm run docs` rewrites it). Every command is in it; the only
 * options left out are commander's own `-h, --help` and `-V, --version` (SKIPPED).
 */
import { OPTION_PATHS, type OptionDef, PATH_NAMES } from '../options/applies.js';
import { COMMANDS, type CommandDef } from '../options/commands.js';
import { FIND_OPTIONS, FIND_RUN_DEFAULTS } from '../options/find-options.js';
import { flagOf, type RunOptionKey } from '../options/run-options.js';

/** Options of the program that no table holds: commander adds them to every command (help) or the program. */
export const SKIPPED = ['-h, --help', '-V, --version'] as const;

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (text: string): string => `\`${cell(text)}\``;

/** Every path an option applies on, in the order of OPTION_PATHS. */
export function whereText(def: OptionDef): string {
  return OPTION_PATHS.filter((p) => def.applies?.includes(p))
    .map((p) => PATH_NAMES[p])
    .join(', ');
}

function row(d: OptionDef, withWhere: boolean): string {
  const udpModes = d.udpModes ? ` With --udp acts in: ${d.udpModes.join(', ')}.` : '';
  const modes = d.modes ? ` Acts in: ${d.modes.join(', ')}.${udpModes}` : '';
  const choices = d.choices ? ` One of: ${d.choices.join(', ')}.` : '';
  const repeat = d.repeatable ? ' Repeatable.' : '';
  const required = d.required ? ' Required.' : '';
  // A row may say which transport an option is for (options/applies.ts): given with the other, refused.
  const transport = d.transport;
  const only = transport === 'tcp' ? ' TCP only.' : transport === 'udp' ? ' UDP only.' : '';
  const shown = d.default ?? d.implied;
  const def = shown === undefined ? '' : code(shown);
  const where = withWhere ? ` ${whereText(d)} |` : '';
  return `| ${code(d.flags)} | ${def} |${where} ${cell(d.description)}.${choices}${modes}${only}${repeat}${required} |`;
}

function table(rows: OptionDef[], withWhere: boolean): string[] {
  return [
    withWhere ? '| option | default | where | meaning |' : '| option | default | meaning |',
    withWhere ? '| --- | --- | --- | --- |' : '| --- | --- | --- |',
    ...rows.map((d) => row(d, withWhere)),
  ];
}

/** The run options whose default differs under find (options/find-options.ts FIND_RUN_DEFAULTS). */
function findDefaults(): string {
  return (Object.entries(FIND_RUN_DEFAULTS) as [RunOptionKey, string | undefined][])
    .map(([k, v]) => `${code(flagOf(k))} ${v === undefined ? 'none (each --vary picks its own)' : code(v)}`)
    .join(', ');
}

const INTRO: Partial<Record<CommandDef['name'], string[]>> = {
  run: [
    '`run` is the default command. Times take a unit (`500ms`, `30s`, `2m`; a bare number is seconds), sizes `64`,',
    '`4KiB`, `1MB`, rates `2000`, `5k/s`, `600/m`. *Where* says where an option applies: `run` (a single run),',
    '`run --scenario` (a scenario step option given there overrides every step), `scenario step` (a key',
    'of a step, in camelCase: `connectRate: 5k/s`, `tls: true`), `find` and `find step` (a probe of a capacity',
    'search), `run()` (the library). Given anywhere else it is refused (exit 2), never ignored, as is an option',
    'that does nothing in the chosen mode (*Acts in*).',
  ],
  find: [
    'The capacity search (docs/find.md): these options (in a scenario step, its `find:` block), and every run',
    'option above whose *where* names `find` (in a scenario find step: `find step`), except the one --vary sets',
    '(`--rate`, `--conns` or `--connect-rate`). Any other run option is refused, naming why. Under find:',
    `${findDefaults()}.`,
  ],
  serve: [
    'The target on its own (the embedded one runs the same code, with the same defaults): an echo, sink or source',
    'server that reads PROXY headers, optionally terminates TLS, and counts what it saw. With `--udp` it serves',
    'datagrams instead (docs/udp.md): PROXY v2 DGRAM or SPP per datagram, a bounded --service-time queue; an',
    'option marked TCP only is refused with it.',
  ],
};

function section(def: CommandDef): string[] {
  const name = def.isDefault ? `[${def.name}]` : def.name;
  const args = def.arguments.map((a) => `${code(a.name)}: ${cell(a.description)}`);
  // find's table is its own options; the run options it takes are the run table's rows that name it.
  const rows = def.name === 'find' ? Object.values(FIND_OPTIONS) : Object.values(def.options);
  return [
    `## \`l4stress ${name}\``,
    '',
    `${def.description[0].toUpperCase()}${def.description.slice(1)}.`,
    '',
    ...(INTRO[def.name] ? [...INTRO[def.name]!, ''] : []),
    ...(args.length ? [`Arguments: ${args.join('; ')}.`, ''] : []),
    ...table(rows, def.name === 'run'),
    '',
  ];
}

export function renderOptionsDoc(): string {
  return [
    '# Options',
    '',
    '<!-- Generated from src/options/commands.ts and its option tables by `npm run docs`; do not edit. -->',
    '',
    `Every command's options, as \`l4stress <command> --help\` prints them; not listed: ${SKIPPED.map(code).join(
      ' and ',
    )}.`,
    '',
    ...COMMANDS.flatMap(section),
  ].join('\n');
}

// `npm run docs` (from the package root).
if (/options-doc\.[jt]s$/.test(process.argv[1] ?? '') && process.argv.includes('--write')) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync('docs/options.md', renderOptionsDoc());
  console.log('docs/options.md');
}
