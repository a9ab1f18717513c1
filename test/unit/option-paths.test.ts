/**
 * One option table per command, and each row says where it applies: this file fails when `--help`, docs/options.md
 * and the tables disagree, and when an option is accepted on one path and refused on another than its row says
 * (every run option x every path: a single run, --scenario, a scenario step, find, a find step, the library).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { renderOptionsDoc, SKIPPED, whereText } from '../../src/cli/options-doc.js';
import { type Action, buildProgram } from '../../src/cli/program.js';
import { resolveRunConfig } from '../../src/config/resolve-run-config.js';
import { LOAD_MODES } from '../../src/core/vocabulary.js';
import { scenarioSchema } from '../../src/documents/scenario-file.js';
import { OPTION_PATHS, type OptionDef, type OptionPath } from '../../src/options/applies.js';
import { COMMAND_NAMES, COMMANDS, type CommandName } from '../../src/options/commands.js';
import { FIND_OPTIONS } from '../../src/options/find-options.js';
import { libraryRawOptions } from '../../src/options/raw-options.js';
import { parseRunArgs } from '../../src/options/run-command-options.js';
import { flagOf, RUN_OPTIONS, type RunOptionKey } from '../../src/options/run-options.js';
import { SERVE_OPTIONS } from '../../src/options/serve-options.js';
import { DEFAULT_MAX_V2_LENGTH } from '../../src/proxy/parser.js';
import { stepFindConfig } from '../../src/scenario/find-step.js';
import { expand } from '../../src/scenario/load.js';
import { stepRawOptions } from '../../src/scenario/run-scenario.js';
import { SERVE_DEFAULTS } from '../../src/serve/serve-process.js';
import { ROOT } from '../helpers/cli.js';

const KEYS = Object.keys(RUN_OPTIONS) as RunOptionKey[];

/** The program with every action replaced by a recorder: what reaches an action was accepted. */
function program(): { run: (args: string[]) => Promise<string[] | null>; root: Command } {
  let reached: string[] | null = null;
  const record: Action = async (_args, _opts, given) => {
    reached = given;
    return 0;
  };
  const actions = Object.fromEntries(COMMAND_NAMES.map((n) => [n, record])) as Record<CommandName, Action>;
  const root = buildProgram(() => {}, actions).configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return {
    root,
    run: async (args) => {
      reached = null;
      await root.parseAsync(args, { from: 'user' });
      return reached;
    },
  };
}

function commandOf(root: Command, name: string): Command {
  return name.split(' ').reduce((c, part) => c.commands.find((s) => s.name() === part)!, root);
}

/** A value each path takes as the command line would: a switch alone, a choice from its list, else a word. */
function argsFor(def: OptionDef): string[] {
  if (!def.flags.includes('<')) return [def.flags.match(/--[a-z0-9-]+/)![0]];
  return [def.flags.match(/--[a-z0-9-]+/)![0], def.choices?.[0] ?? '1'];
}
const valueFor = (def: OptionDef): string | boolean => (def.flags.includes('<') ? (def.choices?.[0] ?? '1') : true);

const refusal = /does not apply/;
async function acceptedBy(fn: () => unknown): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    if (refusal.test((e as Error).message)) return false;
    return true; // refused for its value or its company, not for where it was given
  }
}

const scenarioStep = (step: Record<string, unknown>) => ({ name: 's', steps: [{ name: 'a', ...step }] });
/** A step option, as the scenario's defaults (a step's own `name` is its name, not --name). */
const stepKey = (key: RunOptionKey, value: unknown): boolean =>
  scenarioSchema.safeParse({ name: 's', defaults: { [key]: value }, steps: [{ name: 'a' }] }).success;

/** Whether `key` given on `path` gets past where-it-applies (each path's own entry, as the user reaches it). */
async function accepted(p: ReturnType<typeof program>, key: RunOptionKey, on: OptionPath): Promise<boolean> {
  const def = RUN_OPTIONS[key];
  switch (on) {
    case 'run':
      return acceptedBy(async () => expect(await p.run(['run', ...argsFor(def)])).not.toBeNull());
    case 'scenario':
      return acceptedBy(async () =>
        expect(await p.run(['run', '--scenario', 's.yaml', ...argsFor(def)])).not.toBeNull(),
      );
    case 'find':
      return acceptedBy(async () => expect(await p.run(['find', ...argsFor(def)])).not.toBeNull());
    case 'step':
      return stepKey(key, valueFor(def));
    case 'find-step': {
      const file = scenarioStep({ [key]: valueFor(def), find: { vary: 'rate', slo: ['p99<5ms'] } });
      if (!stepKey(key, valueFor(def))) return false;
      const sc = expand('/x/s.yaml', { ...file, target: '127.0.0.1:7000' } as never, null);
      const o = { resultsDir: '/tmp', overrides: {} } as never;
      return acceptedBy(() => stepFindConfig(sc.steps[0], stepRawOptions(sc, sc.steps[0].options, 'a', o), o));
    }
    case 'library':
      return acceptedBy(() => libraryRawOptions({ [key]: valueFor(def) }));
  }
}

describe('where each run option applies: the same on every path as its row says', () => {
  const p = program();
  const cases = KEYS.flatMap((key) => OPTION_PATHS.map((on) => [key, on] as const))
    // --scenario given is the --scenario path: on a single run's command line it cannot be given.
    .filter(([key, on]) => !(key === 'scenario' && on === 'run'));
  it.each(cases)('%s on %s', async (key, on) => {
    expect(await accepted(p, key, on)).toBe(RUN_OPTIONS[key].applies.includes(on));
  });

  it.each(Object.keys(FIND_OPTIONS))("find's %s: on find's command line and in a step's find: block", async (key) => {
    const def = FIND_OPTIONS[key as keyof typeof FIND_OPTIONS];
    expect(def.applies).toEqual(['find', 'find-step']);
    expect(await acceptedBy(async () => expect(await p.run(['find', ...argsFor(def)])).not.toBeNull())).toBe(true);
    const file = scenarioStep({ find: { vary: 'rate', slo: ['p99<5ms'], [key]: valueFor(def) } });
    expect(scenarioSchema.safeParse(file).success).toBe(true);
  });

  it('a refusal is one line naming the option and where it goes', async () => {
    await expect(p.run(['find', '--duration', '5s'])).rejects.toThrow(
      /^--duration: does not apply to find \(a probe measures --window\)$/,
    );
    await expect(p.run(['run', '--baseline', 'b.json'])).rejects.toThrow(
      /^--baseline: does not apply to a single run \(it goes with: run --scenario\)$/,
    );
    expect(() => libraryRawOptions({ json: true })).toThrow(
      /^run\(\): json: does not apply to the library's run\(\) \(it goes with: run\)$/,
    );
  });

  it.each(KEYS.filter((k) => RUN_OPTIONS[k].modes))('%s acts only in the modes its row names', (key) => {
    const def = RUN_OPTIONS[key];
    // A UDP-only row is tried with --udp; a row with UDP modes of its own is tried over both transports.
    const transports = def.transport === 'udp' ? [true] : def.udpModes ? [false, true] : [false];
    for (const udp of transports)
      for (const mode of LOAD_MODES) {
        if (udp && mode === 'connect') continue;
        const value = key === 'rate' ? ['--rate', '100'] : key === 'direction' ? ['--direction', 'both'] : argsFor(def);
        const args = [...value, '--mode', mode, '--seed', '1', ...(udp ? ['--udp'] : [])];
        const config = () => resolveRunConfig(parseRunArgs(args));
        const modes = (udp ? def.udpModes : undefined) ?? def.modes!;
        if (modes.includes(mode)) expect(config, `${mode}${udp ? ' --udp' : ''}`).not.toThrow();
        else expect(config, mode).toThrow(new RegExp(`^${flagOf(key)}: does nothing with --mode ${mode}`));
      }
  });
});

describe('--help, docs/options.md and the tables are one', () => {
  const { root } = program();
  const doc = readFileSync(path.join(ROOT, 'docs/options.md'), 'utf8');
  const sections = Object.fromEntries(
    doc.split(/^## /m).map((s) => [/^`l4stress \[?([a-z ]+?)\]?`/.exec(s)?.[1] ?? '', s]),
  );

  it('docs/options.md covers every command', () => {
    expect(Object.keys(sections).filter(Boolean).sort()).toEqual([...COMMAND_NAMES].sort());
    expect(doc).toBe(renderOptionsDoc());
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: --help lists its table, no more, no less', (_n, def) => {
    const command = commandOf(root, def.name);
    const shown = command.options.filter((o) => !o.hidden).map((o) => o.flags);
    expect(shown).toEqual(Object.values(def.options).map((o) => o.flags));
    const help = command.helpInformation().replace(/\s+/g, ' ');
    for (const row of Object.values(def.options)) {
      expect(help).toContain(row.description.replace(/\s+/g, ' ').slice(0, 40));
      if (row.default !== undefined) expect(help, row.flags).toMatch(`default: "${row.default}")`);
    }
    for (const skipped of SKIPPED) expect(doc).toContain(skipped);
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: every option has its row in the document', (name, def) => {
    const ownRows = name === 'find' ? Object.values(FIND_OPTIONS) : Object.values(def.options);
    for (const row of ownRows) expect(sections[name], row.flags).toContain(`| \`${row.flags.replace(/\|/g, '\\|')}\``);
    // find's run options are the run table's rows whose `where` names find.
    if (name === 'find')
      for (const row of Object.values(def.options).filter(
        (r) => !(Object.values(FIND_OPTIONS) as OptionDef[]).includes(r),
      ))
        expect(sections.run).toContain(`| \`${row.flags}\` |`);
  });

  it('every run row shows where it applies, in the order of the paths', () => {
    for (const key of KEYS) expect(sections.run).toMatch(`| ${whereText(RUN_OPTIONS[key])} |`);
  });

  it("each table's keys are commander's names for its flags (what an action reads)", () => {
    for (const def of COMMANDS)
      for (const [key, row] of Object.entries(def.options))
        expect(new Option(row.flags).attributeName(), `${def.name} ${row.flags}`).toBe(key);
  });
});

describe("serve's defaults, written once", () => {
  it('the embedded target and `l4stress serve` read the table', () => {
    expect(SERVE_DEFAULTS.headerTimeoutMs).toBe(5000);
    expect(SERVE_DEFAULTS.tlsHandshakeTimeoutMs).toBe(10_000);
    expect(SERVE_DEFAULTS.backlog).toBe(Number(SERVE_OPTIONS.backlog.default));
    expect(SERVE_DEFAULTS.messageBytes).toBe(64);
    // The parser's own bound and serve's --max-header default are one number.
    expect(SERVE_DEFAULTS.maxV2Length).toBe(DEFAULT_MAX_V2_LENGTH);
  });
});

describe('a find step takes no step option that does not apply to it, from the defaults or --scenario', () => {
  const o = (overrides: object) => ({ resultsDir: '/tmp', overrides }) as never;
  const first = (file: object, overrides: object = {}) => {
    const sc = expand('/x/s.yaml', { name: 's', target: '127.0.0.1:7000', ...file } as never, null);
    const st = sc.steps.find((s) => s.find)!;
    return stepFindConfig(st, stepRawOptions(sc, st.options, st.name, o(overrides)), o(overrides)).first;
  };
  const steps = [
    { name: 'run', conns: 4 },
    { name: 'search', find: { vary: 'rate', slo: ['p99<5ms'] } },
  ];

  it("the scenario's default shard and duration are the run steps': the search runs whole, its window measured", () => {
    // A default `shard: 0/2` split every probe of the search (it ran half the connections at half the rate).
    const config = first({ defaults: { shard: '0/2', seed: 1, duration: '30s' }, steps });
    expect(config.shard).toBeNull();
    expect(config.durationMs).toBe(5000);
  });

  it('so are --shard and --duration given with --scenario', () => {
    const config = first({ steps }, { shard: '1/2', seed: '1', duration: '30s' });
    expect(config.shard).toBeNull();
    expect(config.durationMs).toBe(5000);
  });
});
