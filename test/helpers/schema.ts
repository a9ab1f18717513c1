/**
 * Validates documents against the published JSON Schemas (generated from zod) with an independent validator (Ajv),
 * so the published files are proven usable by others, not only by l4stress's own zod reader.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { RunResult } from '../../src/documents/result.js';
import { ROOT, runCli } from './cli.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export function resultValidator(): (doc: unknown) => string[] {
  return validatorFor('schemas/result.schema.json');
}

export function findValidator(): (doc: unknown) => string[] {
  return validatorFor('schemas/find.schema.json');
}

export function profileValidator(): (doc: unknown) => string[] {
  return validatorFor('schemas/profile.schema.json');
}

function validatorFor(schemaFile: string): (doc: unknown) => string[] {
  const schema = JSON.parse(readFileSync(path.join(ROOT, schemaFile), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

/**
 * Runs the built CLI with `--out` in `dir`, reads the result it wrote and checks it against the published schema:
 * the way most integration tests look at a run.
 */
export async function runForResult(
  dir: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; result: RunResult }> {
  const out = path.join(dir, `${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const r = await runCli([...args, '--out', out], { timeoutMs: 90_000 });
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  const errors = resultValidator()(result);
  if (errors.length > 0) throw new Error(`result does not match schemas/result.schema.json: ${errors.join('; ')}`);
  return { ...r, result };
}
