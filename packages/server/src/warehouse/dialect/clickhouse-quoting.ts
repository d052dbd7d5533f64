import { numberText } from './dialect-values.js';
import type { SqlValue } from './sql-value.js';

/**
 * ClickHouse's one quoting function for strings. Inside quotes ClickHouse reads backslash
 * escapes, so the backslash is escaped first, then the quote; NUL is written `\0` (18.16 and
 * current releases read it back as the byte; raw it would survive too, but a log line would not).
 * Every other character, control characters and U+2028 included, stands for itself.
 */
export function clickhouseLiteral(v: string): string {
  return `'${v.replace(/[\\'\0]/g, (c) => (c === '\0' ? '\\0' : `\\${c}`))}'`;
}

/** ClickHouse's quoted identifier: the same escapes inside double quotes. Empty names have no spelling. */
export function clickhouseQuoteIdent(name: string): string {
  if (name === '') throw new RangeError('an SQL identifier cannot be empty');
  return `"${name.replace(/[\\"\0]/g, (c) => (c === '\0' ? '\\0' : `\\${c}`))}"`;
}

/** Any value as ClickHouse text: what a `$name` parameter becomes on a server without parameters. */
export function clickhouseValue(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return clickhouseLiteral(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return numberText(v);
}
