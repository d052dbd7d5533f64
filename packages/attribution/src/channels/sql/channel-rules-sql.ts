import type { ChannelRuleSet, Condition, RuleField } from '../channel-rule.js';
import type { ChannelSqlDialect } from './sql-dialect.js';

export interface ChannelSqlOptions {
  /**
   * The engine's spelling of strings and string tests: a {@link ChannelSqlDialect}. Touchline's
   * warehouses expose theirs as `warehouse.dialect`.
   */
  readonly dialect: ChannelSqlDialect;
  /**
   * SQL expressions for the three fields, inserted verbatim (they are the caller's column names
   * or expressions, not user data).
   * @example `{ source: 'utm_source', medium: 'utm_medium', campaign: 'utm_campaign' }`
   */
  readonly columns: { readonly source: string; readonly medium: string; readonly campaign: string };
  /** Line break and indent between the WHEN clauses. @defaultValue '\n  ' */
  readonly separator?: string;
}

/**
 * Compiles a channel rule set into a SQL `CASE` expression, so the warehouse labels stored touches
 * on read: change the rules and history is re-labelled without reloading anything. Matching is
 * case-insensitive like the TypeScript matcher (the field is lower-cased; regexes get RE2's (?i)),
 * NULL reads as ''. Source categories become `IN (...)` lists. Every string of the rules reaches
 * SQL through `dialect.string`, nowhere else.
 *
 * @example
 * ```ts
 * channelRulesToSql(GA4_CHANNEL_RULE_SET, { dialect: warehouse.dialect, columns: { source: 's', medium: 'm', campaign: 'c' } });
 * // CASE WHEN (lower(coalesce(s, '')) = '(direct)' AND …) THEN 'Direct' … ELSE 'Unassigned' END
 * ```
 */
export function channelRulesToSql(ruleSet: ChannelRuleSet, opts: ChannelSqlOptions): string {
  const d = opts.dialect;
  const sep = opts.separator ?? '\n  ';
  const fields: Record<Exclude<RuleField, 'source_category'>, string> = {
    source: d.ruleField(opts.columns.source),
    medium: d.ruleField(opts.columns.medium),
    campaign: d.ruleField(opts.columns.campaign),
  };
  const whens = ruleSet.rules.map((r) => `WHEN ${condition(r.when, d, fields, ruleSet)} THEN ${d.string(r.channel)}`);
  // The separator's line break before END, or a space: a placeholder must not run into the keyword.
  const end = sep.replace(/ +$/, '') || ' ';
  return `CASE${sep}${whens.join(sep)}${sep}ELSE ${d.string(ruleSet.fallback)}${end}END`;
}

function condition(c: Condition, d: ChannelSqlDialect, f: Record<'source' | 'medium' | 'campaign', string>, rs: ChannelRuleSet): string {
  if ('all' in c) return `(${c.all.map((x) => condition(x, d, f, rs)).join(' AND ')})`;
  if ('any' in c) return `(${c.any.map((x) => condition(x, d, f, rs)).join(' OR ')})`;
  if ('not' in c) return `(NOT ${condition(c.not, d, f, rs)})`;
  if (c.field === 'source_category') {
    const names = c.op === 'in' ? c.value : [c.value];
    const sources = [...new Set(names.flatMap((n) => rs.sourceCategories[n] ?? []))];
    return inList(f.source, sources, d);
  }
  const field = f[c.field];
  switch (c.op) {
    case 'in':
      return inList(field, c.value.map((v) => v.toLowerCase()), d);
    case 'regex':
      return d.regex(field, `(?i)${c.value}`);
    case 'exact':
      return `${field} = ${d.string(c.value.toLowerCase())}`;
    case 'contains':
      return d.hasSubstring(field, c.value.toLowerCase());
    case 'starts':
      return d.hasPrefix(field, c.value.toLowerCase());
    case 'ends':
      return d.hasSuffix(field, c.value.toLowerCase());
  }
}

function inList(field: string, values: readonly string[], d: ChannelSqlDialect): string {
  if (values.length === 0) return d.false;
  return `${field} IN (${values.map((v) => d.string(v)).join(', ')})`;
}
