import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { ColumnType, EVENT_COLUMNS, FAILED_EVENT_COLUMNS, SPOOL_COLUMNS, type Column } from '../schema.js';
import { duckdbLiteral as duckString, duckdbQuoteIdent as quoteIdent } from '../dialect/duckdb-dialect.js';
import { WarehouseError, type LoadBatch, type LoadResult } from '../warehouse.js';
import { duckType } from './duckdb-schema.js';

/**
 * The DuckDB loader, without file access: each spool line goes through the appender into a
 * staging table (`_stage`: the line, plus the text of its JSON columns), DuckDB converts the
 * staged lines into the typed staging table `_load` with its own JSON reader and casts (what
 * `read_json` did before), and `distribute` moves `_load` into the tables with the checkpoint in
 * one transaction. Values never become SQL text.
 *
 * Why the line is appended whole rather than column by column: a value costs the appender
 * 0.1–1.3 µs, so the ~130 columns of a row cost more than DuckDB's JSON reader does for the row.
 * The JSON columns are the exception: DuckDB would re-serialise them (`1e+21` → `1e21`, `\u001f`
 * → `\u001F`), so their text is taken from the line as it was spooled: the collector wrote it
 * with JSON.stringify, which gives the same text back for the parsed value (parsing the line in
 * JavaScript is about a third of the loader's time; cutting the text out without a parser was
 * measured no faster).
 */

/**
 * Lines staged and converted at a time: bounds the raw text held in the staging table (~35 MB
 * of typical rows). Each conversion has a fixed cost: 8192-row chunks loaded ~1.5× slower.
 */
export const STAGE_ROWS = 32_768;
const JSON_COLUMNS = SPOOL_COLUMNS.filter((c) => c.type === ColumnType.Json);
const SCALAR_COLUMNS = SPOOL_COLUMNS.filter((c) => c.type !== ColumnType.Json);
const QUARANTINE_PREFIX = 'the warehouse could not load this spooled row: ';
// A row that always loads: if it does not, the database (not the data) is failing.
const CANARY_ROW = JSON.stringify({ kind: 'failed', received_at: '2026-01-01T00:00:00.000Z', reason: 'canary', raw: '{}' });

const STAGE_DDL = `CREATE OR REPLACE TEMP TABLE _stage (n BIGINT, line VARCHAR, ${JSON_COLUMNS.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ')})`;
const LOAD_DDL = `CREATE OR REPLACE TEMP TABLE _load (${SPOOL_COLUMNS.map((c) => `${quoteIdent(c.name)} ${duckType(c)}`).join(', ')}, _n BIGINT)`;
const UNLOADABLE_DDL = 'CREATE OR REPLACE TEMP TABLE _unloadable (line VARCHAR, reason VARCHAR)';

/** How DuckDB turns a staged line's value into a column: the same casts `read_json` applied. */
function converted(c: Column): string {
  const field = `t.s.${quoteIdent(c.name)}`;
  if (c.type === ColumnType.Json) return `CAST(t.${quoteIdent(c.name)} AS JSON)`;
  if (c.name === 'kind') return `CASE WHEN ${field} IN ('event', 'failed') THEN ${field} ELSE error('a spooled row needs "kind": "event" or "failed"') END`;
  return c.type === ColumnType.String ? field : `CAST(${field} AS ${duckType(c)})`;
}

const TRANSFORM_SPEC = duckString(JSON.stringify(Object.fromEntries(SCALAR_COLUMNS.map((c) => [c.name, 'VARCHAR']))));

/** The staged lines numbered $1..$2, converted; an error names the first line DuckDB cannot store. */
const CONVERT_RANGE = `INSERT INTO _load SELECT ${SPOOL_COLUMNS.map(converted).join(', ')}, t.n
FROM (SELECT n, json_transform(line, ${TRANSFORM_SPEC}) AS s, ${JSON_COLUMNS.map((c) => quoteIdent(c.name)).join(', ')}
      FROM _stage WHERE n BETWEEN $1 AND $2) t`;

/** A staged line: its number, the line, and the text of each JSON column exactly as the line holds it. */
function appendLine(appender: DuckDBAppender, n: number, line: string): void {
  let row: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) row = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: DuckDB's reader refuses the line with its own reason, and it is quarantined.
  }
  appender.appendBigInt(BigInt(n));
  appender.appendVarchar(line);
  for (const c of JSON_COLUMNS) {
    const v = row?.[c.name];
    // JSON.stringify gives back the text it wrote: the spool line's own, byte for byte.
    if (v === undefined || v === null) appender.appendNull();
    else appender.appendVarchar(JSON.stringify(v));
  }
  appender.endRow();
}

async function stage(conn: DuckDBConnection, lines: readonly string[], first: number): Promise<void> {
  await conn.run(STAGE_DDL);
  const appender = await conn.createAppender('_stage', 'main', 'temp');
  try {
    lines.forEach((line, i) => appendLine(appender, first + i, line));
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** Converts staged lines first..last into `_load`; null when they all convert, else DuckDB's reason. */
async function convert(conn: DuckDBConnection, first: number, last: number): Promise<string | null> {
  try {
    await conn.run(CONVERT_RANGE, [first, last]);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Safety net for staged lines DuckDB refused in bulk: ranges are split in halves until every
 * line it cannot convert is isolated (k bad lines cost O(k log n) conversions); those go to
 * `_unloadable` with the database's reason, the rest into `_load`. If a known-good row does not
 * convert either, the fault is not in the data: the error is raised so the loader backs off.
 */
async function convertQuarantining(conn: DuckDBConnection, first: number, last: number, cause: string): Promise<void> {
  await conn.run('INSERT INTO _stage (n, line) VALUES (0, $1)', [CANARY_ROW]);
  if ((await convert(conn, 0, 0)) !== null) throw new WarehouseError(`DuckDB: ${cause}`, CONVERT_RANGE);
  await conn.run('DELETE FROM _load WHERE _n = 0');
  const split = async (lo: number, hi: number, error: string): Promise<void> => {
    if (lo === hi) {
      await conn.run('INSERT INTO _unloadable SELECT line, $2 FROM _stage WHERE n = $1', [lo, error]);
      return;
    }
    const mid = lo + Math.floor((hi - lo) / 2);
    for (const [a, b] of [[lo, mid], [mid + 1, hi]] as const) {
      const e = await convert(conn, a, b);
      if (e !== null) await split(a, b, e);
    }
  };
  await split(first, last, cause);
}

/** (Re)creates the typed staging table `_load` and the quarantine list `_unloadable`. */
export async function createLoadTables(conn: DuckDBConnection): Promise<void> {
  await exec(conn, LOAD_DDL);
  await exec(conn, UNLOADABLE_DDL);
}

/** Stages lines numbered from `first` and converts them into `_load`, quarantining what DuckDB cannot store. */
export async function stageAndConvert(conn: DuckDBConnection, lines: readonly string[], first: number): Promise<void> {
  await stage(conn, lines, first);
  const last = first + lines.length - 1;
  const error = await convert(conn, first, last);
  if (error !== null) await convertQuarantining(conn, first, last, error);
}

const eventCols = EVENT_COLUMNS.map((c) => quoteIdent(c.name)).join(', ');
const failedCols = FAILED_EVENT_COLUMNS.map((c) => quoteIdent(c.name)).join(', ');

/** Identity links reported by the loaded batch, each link recorded once. */
const IDENTITY_INSERT = `
INSERT INTO identities (kind, anonymous_id, user_id, previous_id, source_id, first_seen, message_id)
SELECT kind, anonymous_id, user_id, previous_id, arg_min(source_id, ts), min(ts), arg_min(message_id, ts)
FROM (
  SELECT CASE WHEN type = 'identify' THEN 'identify' ELSE 'event' END AS kind,
         anonymous_id, user_id, NULL::VARCHAR AS previous_id, source_id, "timestamp" AS ts, message_id
  FROM _load WHERE kind = 'event' AND anonymous_id IS NOT NULL AND user_id IS NOT NULL
  UNION ALL
  SELECT 'alias', NULL, user_id, previous_id, source_id, "timestamp", message_id
  FROM _load WHERE kind = 'event' AND type = 'alias' AND previous_id IS NOT NULL AND user_id IS NOT NULL
) n
WHERE NOT EXISTS (
  SELECT 1 FROM identities i
  WHERE i.kind = n.kind AND i.anonymous_id IS NOT DISTINCT FROM n.anonymous_id
    AND i.user_id IS NOT DISTINCT FROM n.user_id AND i.previous_id IS NOT DISTINCT FROM n.previous_id
)
GROUP BY kind, anonymous_id, user_id, previous_id`;

/**
 * Events of `_load`, deduplicated within the batch (the earliest received copy, then the first in
 * spool order) and against the window, stored in spool order: events received together keep the
 * order they came in. The copy to keep is chosen over the ids alone; a window function over the
 * whole rows would carry every column through a sort and give them back grouped by id.
 */
function eventsInsert(windowMs: number): string {
  return `INSERT INTO events (${eventCols})
SELECT ${eventCols} FROM _load b
WHERE kind = 'event'
  AND _n IN (SELECT first(_n ORDER BY received_at, _n) FROM _load WHERE kind = 'event' GROUP BY source_id, message_id)
  AND NOT EXISTS (
    SELECT 1 FROM events e
    WHERE e.source_id = b.source_id AND e.message_id = b.message_id
      AND e.received_at >= (SELECT min(received_at) FROM _load) - to_milliseconds(${Math.max(0, Math.floor(windowMs))})
  )
ORDER BY _n`;
}

async function exec(conn: DuckDBConnection, sql: string, values: (string | number)[] = []): Promise<number> {
  try {
    return (await conn.run(sql, values)).rowsChanged;
  } catch (err) {
    throw new WarehouseError(`DuckDB: ${(err as Error).message}`, sql, { cause: err });
  }
}

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  return Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
}

/**
 * Moves `_load` and `_unloadable` into the tables, records the batch's (anonymous id, user id)
 * pairs in `last_load_ids` (the sessions refresh reads them) and the checkpoint: one transaction.
 */
export async function distribute(conn: DuckDBConnection, batch: LoadBatch): Promise<LoadResult> {
  await exec(conn, 'BEGIN TRANSACTION');
  try {
    const candidates = await count(conn, `SELECT count(*) FROM _load WHERE kind = 'event'`);
    const events = await exec(conn, eventsInsert(batch.dedupWindowMs));
    const failed = await exec(conn, `INSERT INTO failed_events (${failedCols}) SELECT ${failedCols} FROM _load WHERE kind = 'failed'`);
    await exec(conn, IDENTITY_INSERT);
    const unloadable = await exec(
      conn,
      'INSERT INTO failed_events (received_at, reason, raw) SELECT now(), $1 || reason, line FROM _unloadable',
      [QUARANTINE_PREFIX],
    );
    await exec(conn, 'DELETE FROM last_load_ids');
    await exec(conn, `INSERT INTO last_load_ids SELECT DISTINCT anonymous_id, user_id FROM _load WHERE kind = 'event'`);
    await exec(conn, 'INSERT OR REPLACE INTO loader_checkpoints VALUES ($1, $2, now())', [batch.collectorId, batch.lastSeq]);
    await exec(conn, 'COMMIT');
    return { events, duplicates: candidates - events, failed, unloadable };
  } catch (err) {
    // Handled: the statement's own error is the one to report, and a failed ROLLBACK cannot
    // commit anything (COMMIT was never reached).
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Loads a batch on the warehouse's writer connection (the caller serialises loads). Lines DuckDB
 * cannot store are quarantined in failed_events with its reason; the rest load.
 */
export async function loadBatchRows(conn: DuckDBConnection, batch: LoadBatch): Promise<LoadResult> {
  let result: LoadResult;
  try {
    result = await stageAndDistribute(conn, batch);
  } catch (err) {
    // Handled: the load's own failure is what the loader reports and retries; the next load
    // recreates the staging tables (CREATE OR REPLACE) whether or not this drop succeeds.
    await dropLoadTables(conn).catch(() => undefined);
    throw err;
  }
  const dropFailure = await dropLoadTables(conn).then(
    () => null,
    (err: Error) => err.message,
  );
  if (dropFailure === null) return result;
  return { ...result, warnings: [`could not drop the staging tables (_stage, _load, _unloadable): ${dropFailure}; the next load replaces them`] };
}

const dropLoadTables = (conn: DuckDBConnection) => conn.run('DROP TABLE IF EXISTS _stage; DROP TABLE IF EXISTS _load; DROP TABLE IF EXISTS _unloadable');

/** Stages the batch's lines, converts them, and moves them into the tables in one transaction. */
async function stageAndDistribute(conn: DuckDBConnection, batch: LoadBatch): Promise<LoadResult> {
  await createLoadTables(conn);
  let first = 1;
  let lines: string[] = [];
  for await (const rows of batch.rows()) {
    for (const line of rows) {
      if (!line) continue;
      lines.push(line);
      if (lines.length < STAGE_ROWS) continue;
      await stageAndConvert(conn, lines, first);
      first += lines.length;
      lines = [];
    }
  }
  if (lines.length > 0) await stageAndConvert(conn, lines, first);
  return await distribute(conn, batch);
}
