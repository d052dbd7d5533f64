/** Strips trailing semicolons and whitespace so a user query can be wrapped. */
export function trimStatement(sql: string): string {
  return sql.trim().replace(/;+\s*$/, '');
}
