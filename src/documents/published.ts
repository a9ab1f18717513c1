/**
 * The documents l4stress publishes a JSON Schema for, generated from their zod schemas into schemas/ (npm run
 * schema); a test checks the committed files match, so the published schema cannot drift from the code.
 */
import { z } from 'zod';
import { findDocumentSchema } from './find.js';
import { hardwareProfileSchema } from './hardware-profile.js';
import { historyLineSchema } from './history.js';
import { runResultSchema } from './result.js';
import { scenarioSchema } from './scenario-file.js';
import { scenarioSummarySchema } from './summary.js';

export const PUBLISHED = {
  'result.schema.json': runResultSchema,
  'summary.schema.json': scenarioSummarySchema,
  'profile.schema.json': hardwareProfileSchema,
  'history-line.schema.json': historyLineSchema,
  'scenario.schema.json': scenarioSchema,
  'find.schema.json': findDocumentSchema,
} as const;

/** The JSON Schema text of one published document (draft-07, as most editors and validators read it). */
export function jsonSchemaText(file: keyof typeof PUBLISHED): string {
  return `${JSON.stringify(z.toJSONSchema(PUBLISHED[file], { target: 'draft-7', io: 'input' }), null, 2)}\n`;
}
