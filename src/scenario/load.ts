/** Reads, validates and expands a scenario file into concrete steps (matrix × profile), each a set of run options. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../core/errors.js';
import { type ScenarioFile, type StepFind, type StepOptions, scenarioSchema } from '../documents/scenario-file.js';

export interface ExpandedStep {
  /** `D2-echo[proxy=v1]` */
  name: string;
  /** The step's name in the file, before the matrix. */
  baseName: string;
  options: StepOptions;
  /** Options the step's matrix varies: a command-line value for one of these would erase the matrix. */
  matrixKeys: string[];
  /** Options the step gives itself (its own, its profile's, its matrix's): not the scenario's defaults. */
  ownKeys: string[];
  thresholds: string[];
  /** A `find:` step: the capacity search's options; null for a run. */
  find: StepFind | null;
}

export interface Scenario {
  file: string;
  name: string;
  description: string;
  target: string;
  profile: string | null;
  iterations: number;
  steps: ExpandedStep[];
}

export function loadScenario(file: string, profile: string | null): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--scenario: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = scenarioSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new UsageError(`${file}: ${where}: ${describeIssue(issue)}`);
  }
  return expand(path.resolve(file), parsed.data as ScenarioFile, profile);
}

function describeIssue(issue: { code: string; message: string; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys!.length > 1 ? 's' : ''} ${issue.keys!.map((k) => `'${k}'`).join(', ')}`;
  return issue.message;
}

export function expand(file: string, s: ScenarioFile, profile: string | null): Scenario {
  const known = new Set([...Object.keys(s.profiles ?? {}), ...s.steps.flatMap((st) => Object.keys(st.profiles ?? {}))]);
  if (profile !== null && !known.has(profile)) {
    throw new UsageError(
      `--profile: '${profile}' is not in ${path.basename(file)} (allowed: ${[...known].join(', ') || 'none defined'})`,
    );
  }
  const scenarioProfile = profile ? s.profiles?.[profile] : undefined;
  const steps: ExpandedStep[] = [];
  for (const st of s.steps) {
    const { name, description: _d, matrix, thresholds, profiles, find, ...own } = st;
    const base: StepOptions = {
      ...s.defaults,
      ...scenarioProfile?.defaults,
      ...own,
      ...(profile ? profiles?.[profile] : undefined),
    };
    for (const combo of combinations((matrix ?? {}) as Record<string, unknown[]>)) {
      const suffix = Object.entries(combo)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',');
      const stepName = suffix ? `${name}[${suffix}]` : name;
      // Two steps of one name would overwrite each other's results and verdicts.
      if (steps.some((x) => x.name === stepName)) {
        throw new UsageError(`${path.basename(file)}: two steps are named '${stepName}' (step names must differ)`);
      }
      steps.push({
        name: stepName,
        baseName: name,
        options: { ...base, ...(combo as StepOptions) },
        matrixKeys: Object.keys(matrix ?? {}),
        ownKeys: [
          ...new Set([
            ...Object.keys(own),
            ...Object.keys((profile && profiles?.[profile]) || {}),
            ...Object.keys(combo),
          ]),
        ],
        thresholds: thresholds ?? [],
        find: find ?? null,
      });
    }
  }
  return {
    file,
    name: s.name,
    description: s.description ?? '',
    target: s.target ?? 'embedded',
    profile,
    iterations: scenarioProfile?.iterations ?? s.iterations ?? 1,
    steps,
  };
}

/** Every combination of the matrix values, in file order; one empty combination when there is no matrix. */
export function combinations(matrix: Record<string, unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    out = out.flatMap((combo) => values.map((v) => ({ ...combo, [key]: v })));
  }
  return out;
}
