import type { ChannelSqlDialect } from '@touchline/attribution';
import type { WarehouseEngine } from '../engine.js';
import type { SqlParams, SqlValue } from './sql-value.js';

/**
 * How one warehouse engine spells SQL: drizzle's split, SQL generation here, execution in the
 * warehouse (`warehouse.dialect`). One dialect per engine covers what identity, sessions,
 * attribution paths, channel rules, the activation models and the activation store need.
 * ClickHouse spellings work from 18.16 (no window functions, no CTEs in subqueries,
 * `visitParamExtract*` for JSON) to current releases; where the two engines need different
 * *shapes* of query, builders branch on `engine`.
 *
 * Text versus values. A value from events, configuration or input enters SQL in one of two ways:
 * - `string` / `value` / `timestamp`: in the warehouse's dialect a quoted literal (for view
 *   definitions and DDL, where text is unavoidable), in a `binding()` copy a `$pN` placeholder
 *   whose value is collected in `params` (for every statement the warehouse runs).
 * - `literal` / `quoteIdent`: the engine's one quoting function for strings and identifiers, for
 *   the constants of our own code and the names of tables and columns.
 * Expression arguments (`e`, `col`, `by`…) are SQL the caller built, inserted as they are.
 */
export interface SqlDialect extends ChannelSqlDialect {
  readonly engine: WarehouseEngine;

  /** The engine's string literal for `v`: any string, NUL, quotes, backslashes and all. */
  literal(v: string): string;
  /** The engine's quoted identifier for `name`; refuses names the engine cannot hold (empty, NUL on DuckDB). */
  quoteIdent(name: string): string;
  /** SQL standing for a string value: a literal here, a bound parameter in a `binding()` copy. */
  string(v: string): string;
  /** The same for any value: numbers, booleans, NULL. */
  value(v: SqlValue): string;
  /** A point in time, comparable with the timestamp columns of this warehouse. */
  timestamp(ms: number): string;
  /**
   * A copy of this dialect whose values become bound parameters, collected in its `params` and
   * named `$<prefix>1`, `$<prefix>2`… (`p` by default): pieces of one statement built by
   * different copies take different prefixes.
   */
  binding(prefix?: string): BoundDialect;

  /** True when `e` is neither NULL nor ''. */
  present(e: string): string;
  /** `e`, with NULL read as ''. */
  text(e: string): string;
  /** NULL when `e` is NULL or ''. */
  nullIfEmpty(e: string): string;
  /** The first of the expressions that is neither NULL nor '' (NULL when none is). */
  firstOf(...es: string[]): string;
  /** Concatenation of text expressions (NULL read as ''). */
  concat(parts: readonly string[]): string;
  /** Lower case (Unicode) / upper case. */
  lower(e: string): string;
  upper(e: string): string;
  /** Surrounding ASCII whitespace removed. */
  trimWs(e: string): string;
  /** The host without a leading `www.`. */
  stripWww(e: string): string;
  /** Every match of the RE2 `pattern` (a string value) replaced by `replacement`. */
  replaceAll(e: string, pattern: string, replacement: string): string;
  /** `e` ends with the text expression `suffix`. */
  endsWith(e: string, suffix: string): string;
  /** Text before / after the first `:`. */
  beforeColon(e: string): string;
  afterColon(e: string): string;
  /** A number as decimal text. */
  toText(e: string): string;
  /** Lower-case hex MD5 of a string: the person id. */
  md5(e: string): string;
  /** A nullable copy of a column, so an outer join's missing rows read NULL on both engines. */
  nullable(e: string): string;
  /** Boolean literals. */
  readonly true: string;
  /** True when a boolean column is NULL or false. */
  notTrue(e: string): string;
  /** Integer division. */
  intDiv(a: string, b: string): string;
  /** Milliseconds since the epoch of a timestamp column (a 64-bit integer). */
  epochMs(col: string): string;

  /** Text of a top-level key of a JSON text column (a string, or a number's text); NULL when absent or empty. */
  jsonText(col: string, key: string): string;
  /** A top-level key read as a finite number (JSON number or numeric string); NULL otherwise. */
  jsonNumber(col: string, key: string): string;
  /** A top-level key as its JSON text (`true`, `"x"`, `12`). */
  jsonRaw(col: string, key: string): string;

  /** True when the id is NULL or identifies nobody: see {@link JunkIdMatch}. */
  isJunk(e: string, junk: JunkIdMatch): string;

  /**
   * One value made of several (DuckDB struct, ClickHouse tuple). `argMin(row(…), by)` picks a
   * whole row: its fields all come from that one row, NULLs included, where `argMin` per column
   * skips NULLs and can mix rows.
   */
  row(parts: readonly string[]): string;
  /** Field `i` (from 1) of a {@link SqlDialect.row} value. */
  rowField(row: string, i: number): string;
  /** `x` of the row with the smallest / largest `by`. */
  argMin(x: string, by: string): string;
  argMax(x: string, by: string): string;
  /**
   * The {@link SqlDialect.row} value with the largest `by` among the rows where `cond` holds; its
   * fields are meaningless when no row does (count them to tell).
   */
  argMaxRowIf(row: string, by: string, cond: string): string;
  /** The same with the smallest `by`. */
  argMinRowIf(row: string, by: string, cond: string): string;
  /** The same over the rows where `cond` holds; NULL when none does. */
  argMinIf(x: string, by: string, cond: string): string;
  argMaxIf(x: string, by: string, cond: string): string;
  /** min / max / count of the rows where `cond` holds (min and max NULL when none does). */
  minIf(x: string, cond: string): string;
  maxIf(x: string, cond: string): string;
  countIf(cond: string): string;
  /** Distinct values of `e` counted exactly. */
  countDistinct(e: string): string;
  /** Whether `cond` held for any row. */
  anyTrue(cond: string): string;
  /** Ordered list of values (ordering applied by the caller where needed). */
  listAgg(e: string): string;
  listDistinct(e: string): string;
  /** Sorted list of the distinct values for which `cond` holds. */
  sortedDistinctIf(e: string, cond: string): string;

  /** `LEFT JOIN` where at most one right row matches (ClickHouse `ANY LEFT JOIN`). */
  readonly leftJoin: string;
  /** `INNER JOIN` with every match (ClickHouse `ALL INNER JOIN`). */
  readonly innerJoin: string;
}

/**
 * Ids that identify nobody, as SQL compares them (identity/junk-ids.ts builds it): an id is junk
 * when it is NULL, or at most `maxLength` characters long and, trimmed of ASCII whitespace and
 * lower-cased, one of `values`.
 */
export interface JunkIdMatch {
  readonly values: readonly string[];
  readonly maxLength: number;
}

/** A dialect whose values are bound parameters: run its SQL with `{ params }`. */
export interface BoundDialect extends SqlDialect {
  readonly params: SqlParams;
}
