/**
 * String literal for DuckDB: standard SQL, quotes doubled, backslash is an ordinary character.
 */
export function duckString(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** String literal for ClickHouse, where backslash escapes: both are escaped. */
export function clickhouseString(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Identifier, double-quoted (DuckDB and ClickHouse both accept this). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Strips trailing semicolons and whitespace so a user query can be wrapped. */
export function trimStatement(sql: string): string {
  return sql.trim().replace(/;+\s*$/, '');
}
