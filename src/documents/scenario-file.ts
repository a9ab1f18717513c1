/**
 * The scenario file format (YAML), validated with zod: unknown keys and bad values are errors naming the file, the
 * path inside it and what is allowed. Step options use the run command's option names in camelCase, with the same
 * units as the command line (`30s`, `4KiB`, `5k/s`). The published JSON Schema (scenarios/scenario.schema.json)
 * is generated from this one and checked by the tests. Step keys come from the option table (options/run-options.ts).
 */
import { z } from 'zod';
import { FIND_OPTIONS, type FindOptionKey } from '../options/find-options.js';
import { RUN_OPTIONS, STEP_OPTION_KEYS } from '../options/run-options.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export { STEP_OPTION_KEYS };
export type StepOptionKey = (typeof STEP_OPTION_KEYS)[number];
export type StepOptions = Partial<Record<StepOptionKey, string | number | boolean | string[]>>;

const optionShape = Object.fromEntries(
  // A repeatable option takes a list (or one value), as on the command line it may be given several times.
  STEP_OPTION_KEYS.map((k) => [
    k,
    RUN_OPTIONS[k].repeatable ? z.union([z.array(scalar), scalar]).optional() : scalar.optional(),
  ]),
);
const options = z.object(optionShape).strict();

/** A `find:` step: the capacity search's options (options/find-options.ts), in camelCase. */
const findShape = Object.fromEntries(
  (Object.keys(FIND_OPTIONS) as FindOptionKey[]).map((k) => [
    k,
    FIND_OPTIONS[k].repeatable ? z.union([z.array(scalar), scalar]).optional() : scalar.optional(),
  ]),
);
export type StepFind = Partial<Record<FindOptionKey, string | number | boolean | (string | number | boolean)[]>>;

export const THRESHOLD_PATTERN = /^\s*([a-z][a-z0-9._:]*)\s*(<=|>=|==|!=|<|>)\s*([0-9.]+\s*(?:[a-zµ/]*|%)|target)\s*$/i;

const step = z
  .object({
    ...optionShape,
    name: z.string().regex(/^[A-Za-z0-9._-]{1,60}$/, 'letters, digits, . _ - (at most 60)'),
    description: z.string().optional(),
    /** Each key's values multiply the step: `proxy: [none, v1, v2]` makes three steps. */
    matrix: z
      .partialRecord(z.enum(STEP_OPTION_KEYS as [StepOptionKey, ...StepOptionKey[]]), z.array(scalar).min(1))
      .optional(),
    thresholds: z
      .array(
        z
          .string()
          .regex(
            THRESHOLD_PATTERN,
            'a threshold like "p95 < 5ms", "errors == 0", "established == target", "cps > 5000"',
          ),
      )
      .optional(),
    /** Overrides per profile (`ci`, `full`, ...). */
    profiles: z.record(z.string(), options).optional(),
    /**
     * A capacity search instead of a run: `find: {vary: rate, slo: ['p99<20ms']}`; the step's options are what every
     * probe shares, and its thresholds may judge the `capacity` it found (`capacity >= 5000`).
     */
    find: z.object(findShape).strict().optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,60}$/, 'letters, digits, . _ - (at most 60)'),
    description: z.string().optional(),
    /** `embedded` (default) or host:port. */
    target: z.string().optional(),
    iterations: z.number().int().min(1).max(50).optional(),
    /** Options every step starts from. */
    defaults: options.optional(),
    /** Profile-wide settings: iterations and option overrides for every step. */
    profiles: z
      .record(
        z.string(),
        z.object({ iterations: z.number().int().min(1).max(50).optional(), defaults: options.optional() }).strict(),
      )
      .optional(),
    steps: z.array(step).min(1),
  })
  .strict();

export type ScenarioFile = z.infer<typeof scenarioSchema>;
export type ScenarioStep = ScenarioFile['steps'][number];
