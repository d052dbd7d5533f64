import { TimestampFlavor, type ClickHouseFeatures } from '../warehouse/clickhouse/clickhouse-features.js';
import { clickhouseString, duckString } from '../warehouse/sql-text.js';
import { JUNK_ID_MAX_LENGTH, junkIdValues } from './junk-ids.js';

/**
 * How each warehouse spells the few operations identity, sessions and attribution need. The query
 * builders are written once against this interface and emit DuckDB or ClickHouse SQL; where the
 * two need different *shapes* of query (window functions vs arrays), the builders branch on
 * `engine`. ClickHouse spellings work from 18.16 (no window functions, no CTEs in subqueries,
 * `visitParamExtract*` for JSON) to current releases.
 */
export interface SqlFns {
  readonly engine: 'duckdb' | 'clickhouse';
  /** A string literal. */
  str(v: string): string;
  /** True when `e` is neither NULL nor ''. */
  present(e: string): string;
  /** `e`, with NULL read as ''. */
  text(e: string): string;
  /** NULL when `e` is NULL or ''. */
  nullIfEmpty(e: string): string;
  /** Milliseconds since the epoch of a timestamp column (a 64-bit integer). */
  epochMs(col: string): string;
  /** Text of a top-level key of a JSON text column (a string, or a number's text); NULL when absent or empty. */
  jsonText(col: string, key: string): string;
  /** A top-level key read as a finite number (JSON number or numeric string); NULL otherwise. */
  jsonNumber(col: string, key: string): string;
  /** Lower-case hex MD5 of a string: the person id. */
  md5(e: string): string;
  /** RE2 partial match. */
  regex(e: string, pattern: string): string;
  /** `e` ends with `suffix` (both expressions). */
  endsWith(e: string, suffix: string): string;
  /** Concatenation of text expressions (NULL read as ''). */
  concat(parts: readonly string[]): string;
  /** True when the id is NULL or identifies nobody (see junk-ids.ts). */
  isJunk(e: string, extra: readonly string[]): string;
  /** A nullable copy of a column, so an outer join's missing rows read NULL on both engines. */
  nullable(e: string): string;
  /**
   * One value made of several (DuckDB struct, ClickHouse tuple). `argMin(row(…), by)` picks a
   * whole row: its fields all come from that one row, NULLs included, where `argMin` per column
   * skips NULLs and can mix rows.
   */
  row(parts: readonly string[]): string;
  /** Field `i` (from 1) of a {@link SqlFns.row} value. */
  rowField(row: string, i: number): string;
  /** `x` of the row with the smallest `by`. */
  argMin(x: string, by: string): string;
  /**
   * The {@link SqlFns.row} value with the largest `by` among the rows where `cond` holds; its
   * fields are meaningless when no row does (count them to tell).
   */
  argMaxRowIf(row: string, by: string, cond: string): string;
  argMax(x: string, by: string): string;
  /** Ordered list of values (ordering applied by the caller where needed). */
  listAgg(e: string): string;
  listDistinct(e: string): string;
  /** Boolean literals. */
  readonly true: string;
  readonly false: string;
  /** Integer division. */
  intDiv(a: string, b: string): string;
  /** True when a boolean column is NULL or false. */
  notTrue(e: string): string;
  /** The host without a leading `www.`. */
  stripWww(e: string): string;
  /** Lower case (Unicode) / upper case. */
  lower(e: string): string;
  upper(e: string): string;
  /** Surrounding ASCII whitespace removed. */
  trimWs(e: string): string;
  /** A number as decimal text. */
  toText(e: string): string;
  /** Conditional aggregates. */
  argMinIf(x: string, by: string, cond: string): string;
  argMaxIf(x: string, by: string, cond: string): string;
  /** Sorted list of the distinct values for which `cond` holds. */
  sortedDistinctIf(e: string, cond: string): string;
}

const WS = '^[\\t\\n\\f\\r ]+|[\\t\\n\\f\\r ]+$';
const NUMERIC = '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$';

function junkList(extra: readonly string[], lit: (s: string) => string): string {
  return junkIdValues(extra).map(lit).join(', ');
}

export const DUCKDB_FNS: SqlFns = {
  engine: 'duckdb',
  str: duckString,
  present: (e) => `(${e} IS NOT NULL AND ${e} <> '')`,
  text: (e) => `coalesce(${e}, '')`,
  nullIfEmpty: (e) => `nullif(${e}, '')`,
  epochMs: (c) => `epoch_ms(${c})`,
  jsonText: (c, k) => `nullif(json_extract_string(${c}, ${duckString(`$."${k}"`)}), '')`,
  jsonNumber: (c, k) => {
    const t = `trim(json_extract_string(${c}, ${duckString(`$."${k}"`)}))`;
    const v = `TRY_CAST(${t} AS DOUBLE)`;
    return `(CASE WHEN regexp_matches(${t}, ${duckString(NUMERIC)}) AND isfinite(${v}) THEN ${v} END)`;
  },
  md5: (e) => `md5(${e})`,
  regex: (e, p) => `regexp_matches(${e}, ${duckString(p)})`,
  endsWith: (e, s) => `ends_with(${e}, ${s})`,
  concat: (parts) => `(${parts.map((p) => `coalesce(${p}, '')`).join(' || ')})`,
  isJunk: (e, extra) =>
    `(${e} IS NULL OR (length(${e}) <= ${JUNK_ID_MAX_LENGTH} AND lower(regexp_replace(${e}, ${duckString(WS)}, '', 'g')) IN (${junkList(extra, duckString)})))`,
  nullable: (e) => e,
  row: (parts) => `struct_pack(${parts.map((p, i) => `f${i + 1} := ${p}`).join(', ')})`,
  rowField: (r, i) => `struct_extract(${r}, 'f${i}')`,
  argMin: (x, by) => `arg_min(${x}, ${by})`,
  argMaxRowIf: (r, by, c) => `arg_max(${r}, ${by}) FILTER (WHERE ${c})`,
  argMax: (x, by) => `arg_max(${x}, ${by})`,
  listAgg: (e) => `list(${e})`,
  listDistinct: (e) => `list(DISTINCT ${e})`,
  true: 'true',
  false: 'false',
  intDiv: (a, b) => `(${a} // ${b})`,
  notTrue: (e) => `NOT coalesce(${e}, false)`,
  stripWww: (e) => `regexp_replace(${e}, '^www\\.', '')`,
  lower: (e) => `lower(${e})`,
  upper: (e) => `upper(${e})`,
  trimWs: (e) => `regexp_replace(${e}, ${duckString(WS)}, '', 'g')`,
  toText: (e) => `CAST(${e} AS VARCHAR)`,
  argMinIf: (x, by, c) => `arg_min(${x}, ${by}) FILTER (WHERE ${c})`,
  argMaxIf: (x, by, c) => `arg_max(${x}, ${by}) FILTER (WHERE ${c})`,
  sortedDistinctIf: (e, c) => `coalesce(list_sort(list(DISTINCT ${e}) FILTER (WHERE ${c})), [])`,
};

/** ClickHouse spellings for a server with these features (18.16 to current). */
export function clickhouseFns(f: Pick<ClickHouseFeatures, 'jsonExtract' | 'timestamps'>): SqlFns {
  const lit = clickhouseString;
  const raw = (c: string, k: string) =>
    f.jsonExtract ? `JSONExtractRaw(ifNull(${c}, ''), ${lit(k)})` : `visitParamExtractRaw(ifNull(${c}, ''), ${lit(k)})`;
  // A JSON string's quotes and the whitespace visitParamExtractRaw keeps are not part of the value.
  const bare = (c: string, k: string) => `replaceRegexpAll(${raw(c, k)}, '^[\\\\t\\\\n\\\\r "]+|[\\\\t\\\\n\\\\r "]+$', '')`;
  const iso = f.timestamps === TimestampFlavor.IsoString;
  return {
    engine: 'clickhouse',
    str: lit,
    present: (e) => `notEmpty(ifNull(${e}, ''))`,
    text: (e) => `ifNull(${e}, '')`,
    nullIfEmpty: (e) => `nullIf(${e}, '')`,
    // 18.16 stores fixed-width ISO-8601 text (2026-03-01T11:59:58.123Z); later servers DateTime64(3).
    epochMs: (c) =>
      iso
        ? `(toInt64(toDateTime(replaceOne(substring(${c}, 1, 19), 'T', ' '), 'UTC')) * 1000 + toInt64(substring(${c}, 21, 3)))`
        : `toInt64(toDecimal64(${c}, 3) * 1000)`,
    jsonText: (c, k) =>
      f.jsonExtract ? `nullIf(JSONExtractString(ifNull(${c}, ''), ${lit(k)}), '')` : `nullIf(visitParamExtractString(ifNull(${c}, ''), ${lit(k)}), '')`,
    jsonNumber: (c, k) => {
      const t = bare(c, k);
      return `if(match(${t}, ${lit(NUMERIC)}) AND isFinite(toFloat64OrZero(${t})), toNullable(toFloat64OrZero(${t})), NULL)`;
    },
    md5: (e) => `lower(hex(MD5(${e})))`,
    regex: (e, p) => `match(${e}, ${lit(p)})`,
    endsWith: (e, s) => `endsWith(${e}, ${s})`,
    concat: (parts) => `concat(${parts.map((p) => `ifNull(${p}, '')`).join(', ')})`,
    isJunk: (e, extra) =>
      `(isNull(${e}) OR (lengthUTF8(ifNull(${e}, '')) <= ${JUNK_ID_MAX_LENGTH} AND lowerUTF8(replaceRegexpAll(ifNull(${e}, ''), ${lit(
        WS,
      )}, '')) IN (${junkList(extra, lit)})))`,
    nullable: (e) => `toNullable(${e})`,
    row: (parts) => `tuple(${parts.join(', ')})`,
    rowField: (r, i) => `tupleElement(${r}, ${i})`,
    argMin: (x, by) => `argMin(${x}, ${by})`,
    // (not argMaxIf above: a tuple cannot be Nullable)
    argMaxRowIf: (r, by, c) => `argMaxIf(${r}, ${by}, ${c})`,
    argMax: (x, by) => `argMax(${x}, ${by})`,
    listAgg: (e) => `groupArray(${e})`,
    listDistinct: (e) => `groupUniqArray(${e})`,
    true: '1',
    false: '0',
    intDiv: (a, b) => `intDiv(${a}, ${b})`,
    notTrue: (e) => `ifNull(${e}, 0) = 0`,
    stripWww: (e) => `replaceRegexpOne(${e}, '^www\\\\.', '')`,
    lower: (e) => `lowerUTF8(${e})`,
    upper: (e) => `upperUTF8(${e})`,
    trimWs: (e) => `replaceRegexpAll(${e}, ${lit(WS)}, '')`,
    toText: (e) => `toString(${e})`,
    // With no matching row ClickHouse answers the type's default ('' or 1970), DuckDB NULL.
    argMinIf: (x, by, c) => `if(countIf(${c}) > 0, toNullable(argMinIf(${x}, ${by}, ${c})), NULL)`,
    argMaxIf: (x, by, c) => `if(countIf(${c}) > 0, toNullable(argMaxIf(${x}, ${by}, ${c})), NULL)`,
    sortedDistinctIf: (e, c) => `arraySort(groupUniqArrayIf(assumeNotNull(${e}), ${c}))`,
  };
}
