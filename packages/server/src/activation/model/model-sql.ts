import { clickhouseFns, DUCKDB_FNS, type SqlFns } from '../../identity/sql-fns.js';
import { TimestampFlavor } from '../../warehouse/clickhouse/clickhouse-features.js';
import { encodeTimestamp } from '../../warehouse/clickhouse/clickhouse-values.js';
import { clickhouseString, duckString } from '../../warehouse/sql-text.js';

/**
 * The SQL pieces the built-in models need, per engine. Written so one query shape runs on DuckDB
 * and on ClickHouse 18.16, which has no window functions, no CTE subqueries and one JOIN per
 * SELECT: every model is nested subqueries joined two at a time on pre-aggregated sides.
 */
export interface ModelSql {
  readonly engine: 'duckdb' | 'clickhouse';
  /** The identity work's SQL spellings, for person resolution (person-map.ts). */
  readonly fns: SqlFns;
  /** Ids that identify nobody beyond the built-in list (`attribution.identity.junkIds`). */
  readonly junkIds: readonly string[];
  str(v: string): string;
  /** A time literal comparable with `events.timestamp`. */
  time(ms: number): string;
  /** A top-level string field of a JSON text column, or NULL/''. */
  json(column: string, key: string): string;
  /** A top-level number (or numeric string) field of a JSON column, or NULL. */
  jsonNumber(column: string, key: string): string;
  /** A top-level field of a JSON column as its JSON text (`true`, `"x"`, `12`). */
  jsonRaw(column: string, key: string): string;
  /** `LEFT JOIN` where at most one right row matches (ClickHouse `ANY LEFT JOIN`). */
  readonly leftJoin: string;
  /** `INNER JOIN` with every match (ClickHouse `ALL INNER JOIN`). */
  readonly innerJoin: string;
  argMaxIf(value: string, order: string, cond: string): string;
  argMinIf(value: string, order: string, cond: string): string;
  countIf(cond: string): string;
  /** min / max of the rows matching `cond`, NULL when none does. */
  minIf(value: string, cond: string): string;
  maxIf(value: string, cond: string): string;
  /** The value, or '' when NULL. */
  orEmpty(x: string): string;
  anyTrue(cond: string): string;
  /** The value, or NULL when it is NULL or empty. */
  nullIfEmpty(x: string): string;
  /** True when the value is neither NULL nor empty. */
  present(x: string): string;
  /** The first non-empty of the values (NULL when none). */
  firstOf(...xs: string[]): string;
  /** Text before / after the first `:`. */
  beforeColon(x: string): string;
  afterColon(x: string): string;
}

const duckPath = (key: string) => duckString(`$."${key.replace(/"/g, '\\"')}"`);

export const duckdbModelSql: ModelSql = {
  engine: 'duckdb',
  fns: DUCKDB_FNS,
  junkIds: [],
  str: duckString,
  time: (ms) => `${duckString(new Date(ms).toISOString())}::TIMESTAMPTZ`,
  json: (c, k) => `json_extract_string(${c}, ${duckPath(k)})`,
  jsonNumber: (c, k) => `TRY_CAST(json_extract_string(${c}, ${duckPath(k)}) AS DOUBLE)`,
  jsonRaw: (c, k) => `CAST(json_extract(${c}, ${duckPath(k)}) AS VARCHAR)`,
  leftJoin: 'LEFT JOIN',
  innerJoin: 'INNER JOIN',
  argMaxIf: (v, o, c) => `arg_max(${v}, ${o}) FILTER (WHERE ${c})`,
  argMinIf: (v, o, c) => `arg_min(${v}, ${o}) FILTER (WHERE ${c})`,
  countIf: (c) => `count(*) FILTER (WHERE ${c})`,
  minIf: (v, c) => `min(${v}) FILTER (WHERE ${c})`,
  maxIf: (v, c) => `max(${v}) FILTER (WHERE ${c})`,
  orEmpty: (x) => `coalesce(${x}, '')`,
  anyTrue: (c) => `coalesce(bool_or(${c}), false)`,
  nullIfEmpty: (x) => `nullif(${x}, '')`,
  present: (x) => `(${x} IS NOT NULL AND ${x} <> '')`,
  firstOf: (...xs) => `coalesce(${xs.map((x) => `nullif(${x}, '')`).join(', ')})`,
  beforeColon: (x) => `split_part(${x}, ':', 1)`,
  afterColon: (x) => `substr(${x}, strpos(${x}, ':') + 1)`,
};

export function clickhouseModelSql(f: { readonly timestamps: TimestampFlavor; readonly jsonExtract: boolean }, junkIds: readonly string[] = []): ModelSql {
  const s = clickhouseString;
  const raw = (c: string, k: string) => (f.jsonExtract ? `JSONExtractRaw(ifNull(${c}, ''), ${s(k)})` : `visitParamExtractRaw(ifNull(${c}, ''), ${s(k)})`);
  return {
    engine: 'clickhouse',
    fns: clickhouseFns(f),
    junkIds,
    str: s,
    time: (ms) =>
      f.timestamps === TimestampFlavor.DateTime64
        ? `toDateTime64(${s(encodeTimestamp(ms, f.timestamps) ?? '')}, 3, 'UTC')`
        : s(encodeTimestamp(ms, f.timestamps) ?? new Date(ms).toISOString()),
    json: (c, k) =>
      f.jsonExtract ? `JSONExtractString(ifNull(${c}, ''), ${s(k)})` : `visitParamExtractString(ifNull(${c}, ''), ${s(k)})`,
    jsonNumber: (c, k) => `toFloat64OrNull(replaceAll(${raw(c, k)}, '"', ''))`,
    jsonRaw: raw,
    leftJoin: 'ANY LEFT JOIN',
    innerJoin: 'ALL INNER JOIN',
    argMaxIf: (v, o, c) => `argMaxIf(${v}, ${o}, ${c})`,
    argMinIf: (v, o, c) => `argMinIf(${v}, ${o}, ${c})`,
    countIf: (c) => `countIf(${c})`,
    // No row matching would give the type's default (1970 for a DateTime64): NULL instead.
    minIf: (v, c) => `if(countIf(${c}) = 0, NULL, minIf(${v}, ${c}))`,
    maxIf: (v, c) => `if(countIf(${c}) = 0, NULL, maxIf(${v}, ${c}))`,
    orEmpty: (x) => `ifNull(${x}, '')`,
    anyTrue: (c) => `max(${c})`,
    nullIfEmpty: (x) => `nullIf(${x}, '')`,
    present: (x) => `(ifNull(${x}, '') != '')`,
    firstOf: (...xs) =>
      xs.reduceRight((acc, x) => `if(ifNull(${x}, '') != '', ${x}, ${acc})`, 'NULL'),
    beforeColon: (x) => `substring(${x}, 1, position(${x}, ':') - 1)`,
    afterColon: (x) => `substring(${x}, position(${x}, ':') + 1)`,
  };
}
