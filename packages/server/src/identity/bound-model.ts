import type { SqlParams } from '../warehouse/dialect/sql-value.js';
import type { ModelSql } from './model-views.js';

/**
 * The model with a binding dialect: SQL built from it carries every configured value (site
 * domains, junk ids, conversion names, channel rules) as a bound parameter, collected in
 * `params` as the SQL is built. For statements the warehouse runs; views keep the quoting dialect.
 */
export function bindModel(m: ModelSql): { readonly model: ModelSql; readonly params: SqlParams } {
  const fns = m.rules.fns.binding();
  return { model: { ...m, rules: { ...m.rules, fns } }, params: fns.params };
}
