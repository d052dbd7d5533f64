/**
 * How each warehouse spells the few operations channel rules need. ClickHouse functions are
 * limited to those present in 18.16 (Dec 2018): `lowerUTF8`, `ifNull`, `match`, `position`.
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'clickhouse';
  /** A string literal, escaped for this dialect. */
  literal(s: string): string;
  /** The lower-cased field, NULL read as ''. */
  field(expr: string): string;
  /** RE2 partial match (`pattern` already a complete RE2 pattern). */
  regex(field: string, pattern: string): string;
  contains(field: string, needle: string): string;
  starts(field: string, prefix: string): string;
  ends(field: string, suffix: string): string;
  readonly never: string;
}

/** DuckDB string literals: a quote doubles; backslash is an ordinary character. */
function duckLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** ClickHouse string literals: backslash escapes, so escape backslash first, then the quote. */
function clickLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Escapes RE2 metacharacters so a literal string matches itself. */
export function re2Literal(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

export const DUCKDB: SqlDialect = {
  name: 'duckdb',
  literal: duckLiteral,
  field: (e) => `lower(coalesce(${e}, ''))`,
  regex: (f, p) => `regexp_matches(${f}, ${duckLiteral(p)})`,
  contains: (f, n) => `contains(${f}, ${duckLiteral(n)})`,
  starts: (f, p) => `starts_with(${f}, ${duckLiteral(p)})`,
  ends: (f, s) => `ends_with(${f}, ${duckLiteral(s)})`,
  never: 'false',
};

export const CLICKHOUSE: SqlDialect = {
  name: 'clickhouse',
  literal: clickLiteral,
  // lowerUTF8, not lower: ClickHouse's lower is ASCII-only, and the TypeScript matcher lower-cases Unicode.
  field: (e) => `lowerUTF8(ifNull(${e}, ''))`,
  regex: (f, p) => `match(${f}, ${clickLiteral(p)})`,
  contains: (f, n) => `(position(${f}, ${clickLiteral(n)}) > 0)`,
  starts: (f, p) => `match(${f}, ${clickLiteral('^' + re2Literal(p))})`,
  ends: (f, s) => `match(${f}, ${clickLiteral(re2Literal(s) + '$')})`,
  never: '0',
};

export const SQL_DIALECTS = { duckdb: DUCKDB, clickhouse: CLICKHOUSE } as const;
