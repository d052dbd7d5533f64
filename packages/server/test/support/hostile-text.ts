import fc from 'fast-check';

/**
 * Text that has broken SQL built from strings: NUL (DuckDB reads a query as a C string), quotes
 * and backslashes (each engine escapes differently), placeholders and comment openers (the
 * ClickHouse parameter renderer), line and paragraph separators, a BOM, control characters, lone
 * UTF-16 surrogates (no UTF-8 form: stored as U+FFFD), astral characters.
 */
export const SPECIAL_TEXT = [
  '\0', "'", "''", '"', '\\', '\\\\', '`', '$', '$p1', '$$', '?', '--', '/*', '*/', ';', '\n', '\r', '\t',
  '\u2028', '\u2029', '\ufeff', '\u007f', '\u0001', '\u001f', 'é', '\u{1F600}',
] as const;

const unit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_TEXT) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** Arbitrary hostile text, now and then 10 KB long. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 10_240, maxLength: 10_240 }) },
);
