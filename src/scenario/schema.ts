/**
 * The scenario file format (YAML), validated with zod: unknown keys and bad values are errors naming the file, the
 * path inside it and what is allowed. Step options use the run command's option names in camelCase, with the same
 * units as the command line (`30s`, `4KiB`, `5k/s`). The published JSON Schema (scenarios/scenario.schema.json)
 * is generated from this one and checked by the tests.
 */
import { z } from 'zod';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Run options a step (or a profile, or the matrix) may set: the CLI's, in camelCase. */
export const STEP_OPTION_KEYS = [
  'mode', 'conns', 'proxy', 'proxySrc', 'proxyDst', 'proxyCommand', 'proxyTlv', 'rate', 'direction', 'pingInterval', 'close',
  'churnEcho', 'echoTimeout', 'sourceIps', 'processes', 'duration', 'warmup', 'connectRate', 'maxConnecting', 'connectTimeout',
  'rampTimeout', 'size', 'workers', 'seed',
] as const;

export type StepOptionKey = (typeof STEP_OPTION_KEYS)[number];
export type StepOptions = Partial<Record<StepOptionKey, string | number | boolean | string[]>>;

const optionShape = Object.fromEntries(STEP_OPTION_KEYS.map((k) => [k, k === 'proxyTlv' ? z.array(z.string()).optional() : scalar.optional()]));
const options = z.object(optionShape).strict();

export const THRESHOLD_PATTERN = /^\s*([a-z][a-z0-9.]*)\s*(<=|>=|==|!=|<|>)\s*([0-9.]+\s*[a-zµ/]*|target)\s*$/i;

const step = z.object({
  ...optionShape,
  name: z.string().regex(/^[A-Za-z0-9._-]{1,60}$/, 'letters, digits, . _ - (at most 60)'),
  description: z.string().optional(),
  /** Each key's values multiply the step: `proxy: [none, v1, v2]` makes three steps. */
  matrix: z.partialRecord(z.enum(STEP_OPTION_KEYS), z.array(scalar).min(1)).optional(),
  thresholds: z.array(z.string().regex(THRESHOLD_PATTERN, 'a threshold like "p95 < 5ms", "errors == 0", "established == target", "cps > 5000"')).optional(),
  /** Overrides per profile (`ci`, `full`, ...). */
  profiles: z.record(z.string(), options).optional(),
}).strict();

export const scenarioSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,60}$/, 'letters, digits, . _ - (at most 60)'),
  description: z.string().optional(),
  /** `embedded` (default) or host:port. */
  target: z.string().optional(),
  iterations: z.number().int().min(1).max(50).optional(),
  /** Options every step starts from. */
  defaults: options.optional(),
  /** Profile-wide settings: iterations and option overrides for every step. */
  profiles: z.record(z.string(), z.object({ iterations: z.number().int().min(1).max(50).optional(), defaults: options.optional() }).strict()).optional(),
  steps: z.array(step).min(1),
}).strict();

export interface ScenarioStep extends StepOptions {
  name: string;
  description?: string;
  matrix?: Partial<Record<StepOptionKey, (string | number | boolean)[]>>;
  thresholds?: string[];
  profiles?: Record<string, StepOptions>;
}

export interface ScenarioFile {
  name: string;
  description?: string;
  target?: string;
  iterations?: number;
  defaults?: StepOptions;
  profiles?: Record<string, { iterations?: number; defaults?: StepOptions }>;
  steps: ScenarioStep[];
}
