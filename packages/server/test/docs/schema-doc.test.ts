import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARRIVAL_RULE, renderSchemaDoc } from '../../src/warehouse/schema-doc.js';

describe('docs/schema.md', () => {
  it('is the schema: regenerate it with `npm run docs:schema` after changing schema.ts', () => {
    const doc = readFileSync(new URL('../../../../docs/schema.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderSchemaDoc());
  });

  it('states the arrival rule in the same words as docs/tracking.md', () => {
    const tracking = readFileSync(new URL('../../../../docs/tracking.md', import.meta.url), 'utf8');
    expect(renderSchemaDoc()).toContain(ARRIVAL_RULE);
    expect(tracking).toContain(ARRIVAL_RULE);
  });
});
