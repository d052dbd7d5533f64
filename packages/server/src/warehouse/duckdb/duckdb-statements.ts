import { DuckDBTimestampTZValue, type DuckDBAppender, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { duckdbQuoteIdent } from '../dialect/duckdb-dialect.js';
import { ParamMismatchError, assertParamNames, assertParamsMatch, type SqlParams, type SqlValue } from '../dialect/sql-value.js';
import { checkedRows, insertBool, insertInt, insertText, insertTimeMs, type ValueAt } from '../insert-values.js';
import { ColumnType } from '../schema.js';
import type { InsertColumn, InsertOptions } from '../warehouse.js';

/**
 * Binds `params` to the statement(s) in `sql`, each statement taking the values it names. Every
 * statement but the last runs here (in order); the last comes back prepared and bound, for the
 * caller to run or stream. DuckDB binds natively: the values never become SQL text.
 */
export async function prepareBound(conn: DuckDBConnection, sql: string, params: SqlParams): Promise<DuckDBPreparedStatement> {
  assertParamNames(params);
  const extracted = await conn.extractStatements(sql);
  if (extracted.count === 0) throw new RangeError('the statement is empty');
  const used = new Set<string>();
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await extracted.prepare(i);
    try {
      bindNamed(prepared, params, used);
      if (i === extracted.count - 1) {
        assertParamsMatch(used, params);
        return prepared;
      }
      await prepared.run();
    } catch (err) {
      prepared.destroySync();
      throw err;
    }
    prepared.destroySync();
  }
  throw new RangeError('unreachable: no last statement');
}

/** Binds `params` to one prepared statement: every value it names, and no value it does not. */
export function bindParams(prepared: DuckDBPreparedStatement, params: SqlParams): void {
  assertParamNames(params);
  const used = new Set<string>();
  bindNamed(prepared, params, used);
  assertParamsMatch(used, params);
}

function bindNamed(prepared: DuckDBPreparedStatement, params: SqlParams, used: Set<string>): void {
  for (let i = 1; i <= prepared.parameterCount; i++) {
    const name = prepared.parameterName(i);
    if (!Object.hasOwn(params, name)) throw new ParamMismatchError(`SQL parameter $${name} not given`);
    used.add(name);
    const v = params[name]!;
    if (v === null) prepared.bindNull(i);
    else prepared.bindValue(i, v);
  }
}

/** Staging column types: JSON travels as text and is cast by the INSERT (which checks it). */
const STAGE_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  json: 'VARCHAR',
  int: 'BIGINT',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
};

function appendValue(a: DuckDBAppender, v: SqlValue, at: ValueAt): void {
  if (v === null) return a.appendNull();
  switch (at.column.type) {
    case ColumnType.Int:
      return a.appendBigInt(insertInt(v, at));
    case ColumnType.Bool:
      return a.appendBoolean(insertBool(v, at));
    case ColumnType.Timestamp:
      return a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(Math.round(insertTimeMs(v, at))) * 1000n));
    default:
      return a.appendVarchar(insertText(v, at));
  }
}

let staged = 0;

/**
 * Bulk insert on `conn`, inside its transaction: rows go through DuckDB's appender into a TEMP
 * table with exactly these columns, then one `INSERT [OR REPLACE] … SELECT` moves them (so any
 * subset of a table's columns works, and upserts too). No value is ever SQL text.
 */
export async function appendRows(
  conn: DuckDBConnection,
  table: string,
  columns: readonly InsertColumn[],
  rows: Iterable<readonly SqlValue[]>,
  options: InsertOptions = {},
): Promise<number> {
  const q = duckdbQuoteIdent;
  const stageName = `_tl_insert_${++staged}`;
  const stage = q(stageName);
  const cols = columns.map((c) => q(c.name)).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${stage} (${columns.map((c) => `${q(c.name)} ${STAGE_TYPES[c.type]}`).join(', ')})`);
  let n = 0;
  const appender = await conn.createAppender(stageName);
  try {
    for (const row of checkedRows(table, columns, rows)) {
      for (let i = 0; i < columns.length; i++) appendValue(appender, row[i]!, { table, column: columns[i]!, row: n });
      appender.endRow();
      n++;
    }
    appender.closeSync();
  } catch (err) {
    // A half-appended row cannot be flushed: the error that stopped us is the one to report,
    // and the caller's transaction rolls the staging table back.
    try {
      appender.closeSync();
    } catch {
      /* see above */
    }
    throw err;
  }
  await conn.run(`INSERT ${options.upsert ? 'OR REPLACE ' : ''}INTO ${q(table)} (${cols}) SELECT ${cols} FROM ${stage}`);
  await conn.run(`DROP TABLE ${stage}`);
  return n;
}
