import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchemaDoc } from '../../src/warehouse/schema-doc.js';

describe('docs/schema.md', () => {
  it('is the schema: regenerate it with `npm run docs:schema` after changing schema.ts', () => {
    const doc = readFileSync(new URL('../../../../docs/schema.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderSchemaDoc());
  });
});
