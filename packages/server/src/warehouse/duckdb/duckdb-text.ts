import { createRequire } from 'node:module';
import { TextDecoder } from 'node:util';

/**
 * @duckdb/node-api (1.5.6-r.1) decodes every VARCHAR with `new TextDecoder()`, whose default
 * strips a leading U+FEFF: a value that starts with a byte-order mark reads back without it (an
 * anonymous id, an alias id, a property), and the alias closure would then write an id no event
 * has. The library reads its decoder from its module exports at each call, so giving it one with
 * `ignoreBOM: true` makes every read exact. Idempotent; done when a warehouse opens, not at import.
 */
export function decodeDuckDBTextExactly(): void {
  const accessors = createRequire(import.meta.url)('@duckdb/node-api/lib/vectors/dataAccessors.js') as { textDecoder: TextDecoder };
  if (accessors.textDecoder.ignoreBOM) return;
  accessors.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
}
