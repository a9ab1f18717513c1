/** `npm run schema`: regenerates schemas/*.schema.json from the zod schemas. */
import { writeFileSync } from 'node:fs';
import { jsonSchemaText, PUBLISHED } from './published.js';

for (const file of Object.keys(PUBLISHED) as (keyof typeof PUBLISHED)[]) {
  writeFileSync(new URL(`../../../schemas/${file}`, import.meta.url), jsonSchemaText(file));
  console.log(`schemas/${file}`);
}
