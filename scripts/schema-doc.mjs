#!/usr/bin/env node
// Writes docs/schema.md from the column definitions in packages/server/src/warehouse/schema.ts
// (built), so the documented schema is the schema. `npm run docs:schema`; a test checks it is current.
import { writeFileSync } from 'node:fs';
import { renderSchemaDoc } from '../packages/server/dist/warehouse/schema-doc.js';
writeFileSync(new URL('../docs/schema.md', import.meta.url), renderSchemaDoc());
console.log('wrote docs/schema.md');
