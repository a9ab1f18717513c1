/** `npm run schema`: regenerates scenarios/scenario.schema.json from the zod schema (a test checks they agree). */
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { scenarioSchema } from './schema.js';

writeFileSync(new URL('../../../scenarios/scenario.schema.json', import.meta.url), `${JSON.stringify(z.toJSONSchema(scenarioSchema), null, 2)}\n`);
