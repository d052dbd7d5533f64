import { WarehouseEngine } from '../engine.js';
import type { BoundDialect, SqlDialect } from './dialect.js';
import { isoOfMs, numberText, type ValueSink } from './dialect-values.js';
import { paramCollector } from './sql-value.js';

/**
 * DuckDB's string literal: standard SQL, a quote doubled, backslash an ordinary character. DuckDB
 * reads a query as a C string, so a NUL byte would end it: NUL is spelt `chr(0)` and the literal
 * becomes a `concat(…)` (an expression, valid wherever a value is; not a chain of `||`, which
 * nests a level per NUL and stops at DuckDB's expression depth of 1000).
 */
export function duckdbLiteral(v: string): string {
  const quoted = (s: string) => `'${s.replace(/'/g, "''")}'`;
  if (!v.includes('\0')) return quoted(v);
  const parts = v
    .split(/(\0+)/)
    .filter((p) => p !== '')
    .map((p) => (p[0] !== '\0' ? quoted(p) : p.length === 1 ? 'chr(0)' : `repeat(chr(0), ${p.length})`));
  return parts.length === 1 ? parts[0]! : `concat(${parts.join(', ')})`;
}

/** DuckDB's quoted identifier: a double quote doubled. Empty names and NUL bytes have no spelling. */
export function duckdbQuoteIdent(name: string): string {
  if (name === '') throw new RangeError('an SQL identifier cannot be empty');
  if (name.includes('\0')) throw new RangeError(`identifier ${JSON.stringify(name)}: DuckDB names cannot hold a NUL byte`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** A literal for any value (DDL and view text). */
function duckdbValue(v: Parameters<ValueSink>[0]): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return duckdbLiteral(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return numberText(v);
}

const WS = '^[\\t\\n\\f\\r ]+|[\\t\\n\\f\\r ]+$';
const NUMERIC = '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$';
/** A JSON path to a top-level key: `$."key"`, a quote inside escaped. */
const jsonPath = (key: string) => `$."${key.replace(/"/g, '\\"')}"`;

/**
 * The DuckDB dialect whose values go to `sink`. Long, but one object of one-line spellings, in
 * the same order as the other engine's: split up, the two would be harder to compare.
 */
// long: one object of one-line spellings, kept in the same order as the ClickHouse dialect to compare them
function duckdbDialect(sink: ValueSink): SqlDialect {
  const string = (v: string) => sink(v);
  const lit = duckdbLiteral;
  const d: SqlDialect = {
    engine: WarehouseEngine.DuckDB,
    literal: lit,
    quoteIdent: duckdbQuoteIdent,
    string,
    value: sink,
    timestamp: (ms) => `CAST(${string(isoOfMs(ms))} AS TIMESTAMPTZ)`,
    binding: (prefix) => bindingDuckdbDialect(prefix),

    present: (e) => `(${e} IS NOT NULL AND ${e} <> '')`,
    text: (e) => `coalesce(${e}, '')`,
    nullIfEmpty: (e) => `nullif(${e}, '')`,
    firstOf: (...es) => `coalesce(${es.map((x) => `nullif(${x}, '')`).join(', ')})`,
    concat: (parts) => `(${parts.map((p) => `coalesce(${p}, '')`).join(' || ')})`,
    lower: (e) => `lower(${e})`,
    upper: (e) => `upper(${e})`,
    trimWs: (e) => `regexp_replace(${e}, ${lit(WS)}, '', 'g')`,
    stripWww: (e) => `regexp_replace(${e}, ${lit('^www\\.')}, '')`,
    replaceAll: (e, p, r) => `regexp_replace(${e}, ${string(p)}, ${string(r)}, 'g')`,
    endsWith: (e, s) => `ends_with(${e}, ${s})`,
    beforeColon: (e) => `split_part(${e}, ':', 1)`,
    afterColon: (e) => `substr(${e}, strpos(${e}, ':') + 1)`,
    toText: (e) => `CAST(${e} AS VARCHAR)`,
    md5: (e) => `md5(${e})`,
    nullable: (e) => e,
    true: 'true',
    false: 'false',
    notTrue: (e) => `NOT coalesce(${e}, false)`,
    intDiv: (a, b) => `(${a} // ${b})`,
    epochMs: (c) => `epoch_ms(${c})`,

    jsonText: (c, k) => `nullif(json_extract_string(${c}, ${string(jsonPath(k))}), '')`,
    jsonNumber: (c, k) => {
      const t = `trim(json_extract_string(${c}, ${string(jsonPath(k))}))`;
      const v = `TRY_CAST(${t} AS DOUBLE)`;
      return `(CASE WHEN regexp_matches(${t}, ${lit(NUMERIC)}) AND isfinite(${v}) THEN ${v} END)`;
    },
    jsonRaw: (c, k) => `CAST(json_extract(${c}, ${string(jsonPath(k))}) AS VARCHAR)`,
    isJunk: (e, junk) =>
      `(${e} IS NULL OR (length(${e}) <= ${numberText(junk.maxLength)} AND lower(regexp_replace(${e}, ${lit(WS)}, '', 'g')) IN (${junk.values.map(string).join(', ')})))`,

    row: (parts) => `struct_pack(${parts.map((p, i) => `f${i + 1} := ${p}`).join(', ')})`,
    rowField: (r, i) => `struct_extract(${r}, 'f${i}')`,
    argMin: (x, by) => `arg_min(${x}, ${by})`,
    argMax: (x, by) => `arg_max(${x}, ${by})`,
    argMaxRowIf: (r, by, c) => `arg_max(${r}, ${by}) FILTER (WHERE ${c})`,
    argMinRowIf: (r, by, c) => `arg_min(${r}, ${by}) FILTER (WHERE ${c})`,
    argMinIf: (x, by, c) => `arg_min(${x}, ${by}) FILTER (WHERE ${c})`,
    argMaxIf: (x, by, c) => `arg_max(${x}, ${by}) FILTER (WHERE ${c})`,
    minIf: (x, c) => `min(${x}) FILTER (WHERE ${c})`,
    maxIf: (x, c) => `max(${x}) FILTER (WHERE ${c})`,
    countIf: (c) => `count(*) FILTER (WHERE ${c})`,
    countDistinct: (e) => `count(DISTINCT ${e})`,
    anyTrue: (c) => `coalesce(bool_or(${c}), false)`,
    listAgg: (e) => `list(${e})`,
    listDistinct: (e) => `list(DISTINCT ${e})`,
    sortedDistinctIf: (e, c) => `coalesce(list_sort(list(DISTINCT ${e}) FILTER (WHERE ${c})), [])`,

    leftJoin: 'LEFT JOIN',
    innerJoin: 'INNER JOIN',

    ruleField: (e) => `lower(coalesce(${e}, ''))`,
    regex: (e, p) => `regexp_matches(${e}, ${string(p)})`,
    hasSubstring: (e, s) => `contains(${e}, ${string(s)})`,
    hasPrefix: (e, s) => `starts_with(${e}, ${string(s)})`,
    hasSuffix: (e, s) => `ends_with(${e}, ${string(s)})`,
  };
  return d;
}

/** DuckDB's dialect: values as literals (view definitions, DDL). */
export const DUCKDB_DIALECT: SqlDialect = duckdbDialect(duckdbValue);

function bindingDuckdbDialect(prefix = 'p'): BoundDialect {
  const c = paramCollector(prefix);
  return { ...duckdbDialect(c.add), params: c.params };
}
