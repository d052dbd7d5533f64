import { clickhouseValue } from './clickhouse-quoting.js';
import { assertParamNames, assertParamsMatch, type SqlParams } from './sql-value.js';

/** End of the quoted run that starts at `i` (ClickHouse: backslash escapes, a doubled quote is one). */
function endOfQuoted(sql: string, i: number): number {
  const q = sql[i];
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j];
    if (c === '\\') j += 2;
    else if (c === q && sql[j + 1] === q) j += 2;
    else if (c === q) return j + 1;
    else j++;
  }
  return sql.length;
}

/** End of the comment at `i`, or `i` when none starts there. */
function endOfComment(sql: string, i: number): number {
  if (sql.startsWith('--', i)) {
    const nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length : nl + 1;
  }
  if (sql.startsWith('/*', i)) {
    const close = sql.indexOf('*/', i + 2);
    return close < 0 ? sql.length : close + 2;
  }
  return i;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** End of a heredoc (`$$…$$`, `$tag$…$tag$`, current releases) starting at `i`, or `i` when none does. */
function endOfHeredoc(sql: string, i: number): number {
  const tag = /^\$[A-Za-z0-9_]*\$/.exec(sql.slice(i, i + 256))?.[0];
  if (!tag) return i;
  const close = sql.indexOf(tag, i + tag.length);
  return close < 0 ? sql.length : close + tag.length;
}

/**
 * The statement with each `$name` placeholder replaced by its value, written by the ClickHouse
 * quoting function: how parameters reach a server that has none (18.16). Placeholders are found
 * the way ClickHouse's lexer would see them, never inside a string, a quoted identifier or a
 * comment, so a literal holding `$x` is left alone. Every placeholder must have a value and every
 * value a placeholder (the DuckDB warehouse checks the same).
 */
export function renderClickHouseParams(sql: string, params: SqlParams): string {
  assertParamNames(params);
  const used = new Set<string>();
  let out = '';
  let from = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = endOfQuoted(sql, i);
      continue;
    }
    const skipTo = c === '$' ? endOfHeredoc(sql, i) : endOfComment(sql, i);
    if (skipTo !== i) {
      i = skipTo;
      continue;
    }
    if (c === '$' && NAME_START.test(sql[i + 1] ?? '') && !NAME_CHAR.test(sql[i - 1] ?? '')) {
      let j = i + 2;
      while (j < sql.length && NAME_CHAR.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      used.add(name);
      if (Object.hasOwn(params, name)) out += sql.slice(from, i) + clickhouseValue(params[name]!);
      else out += sql.slice(from, j);
      from = i = j;
      continue;
    }
    i++;
  }
  assertParamsMatch(used, params);
  return out + sql.slice(from);
}
