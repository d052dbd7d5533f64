import type { SqlDialect } from '../warehouse/dialect/dialect.js';
import { SEPARATOR_RUN, type UtmParam, type UtmRules } from './utm-rules.js';

/**
 * A UTM column as the rules read it, in SQL: the same normalisation as `normaliseUtm` (ASCII
 * whitespace trimmed, lower case, separator runs unified) and the aliases as a searched CASE.
 * Aliases and canonical values are configuration: they go through the dialect's `string()` (bound
 * in a statement, quoted by the one quoting function in a view), never pasted.
 */
export function utmSql(f: SqlDialect, rules: UtmRules, param: UtmParam, column: string = param): string {
  let e = f.trimWs(column);
  if (rules.config.lowerCase) e = f.lower(e);
  if (rules.config.separator !== null) e = f.replaceAll(e, SEPARATOR_RUN, rules.config.separator);
  const aliases = rules.aliasOf.get(param);
  if (!aliases || aliases.size === 0) return e;
  const byCanonical = new Map<string, string[]>();
  for (const [alias, canonical] of aliases) byCanonical.set(canonical, [...(byCanonical.get(canonical) ?? []), alias]);
  const arms = [...byCanonical].map(([canonical, list]) => `WHEN ${e} IN (${list.map((a) => f.string(a)).join(', ')}) THEN ${f.string(canonical)}`);
  return `(CASE ${arms.join(' ')} ELSE ${e} END)`;
}
