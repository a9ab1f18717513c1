/**
 * Validates documents against the published JSON Schemas (generated from zod) with an independent validator (Ajv),
 * so the published files are proven usable by others, not only by l4stress's own zod reader.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ROOT } from './cli.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export function resultValidator(): (doc: unknown) => string[] {
  return validatorFor('schemas/result.schema.json');
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
