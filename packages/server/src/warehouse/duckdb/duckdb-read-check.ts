import { StatementType, VARCHAR, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { namesHiddenTable } from '../suppression-tables.js';
import { QueryRefusedError } from '../warehouse.js';

/**
 * The statement check of the analyst path (`query` when read-only, `stream`). It is the second
 * line: the instance has no file access, no extension loading and locked settings
 * (`duckdb-instance.ts`), and the query runs in a READ ONLY transaction. The check makes the
 * refusal clear and closes what those leave open: reading the database's own files (DuckDB
 * always allows its file, WAL and temp directory), SQL run from a string (`query('…')`),
 * statements a read-only transaction still allows (ATTACH ':memory:', CHECKPOINT, CREATE TEMP).
 *
 * It reads the statement through DuckDB's own parser (`json_serialize_sql`, the parse tree as
 * JSON), so comments, case, quoting, CTEs and nesting are seen as DuckDB sees them.
 */

const READS = 'only read queries (SELECT, WITH … SELECT, VALUES, DESCRIBE, SUMMARIZE, SHOW, EXPLAIN of one) are allowed here';

/**
 * Table functions an analyst may call: generators and catalog listings. Anything else is refused,
 * including every function that reads files (`read_*`, `glob`, `parquet_*`, `sniff_csv`), runs SQL
 * from a string (`query`, `query_table`, `json_execute_serialized_sql`) or changes state
 * (`checkpoint`, `enable_logging`, …), and any a future DuckDB adds.
 */
const TABLE_FUNCTIONS = new Set([
  'range', 'generate_series', 'unnest', 'json_each', 'json_tree', 'repeat', 'repeat_row', 'summary',
  'histogram', 'histogram_values', 'pg_timezone_names', 'icu_calendar_names',
  'duckdb_columns', 'duckdb_constraints', 'duckdb_databases', 'duckdb_dependencies', 'duckdb_extensions',
  'duckdb_functions', 'duckdb_indexes', 'duckdb_keywords', 'duckdb_memory', 'duckdb_optimizers',
  'duckdb_schemas', 'duckdb_sequences', 'duckdb_settings', 'duckdb_tables', 'duckdb_temporary_files',
  'duckdb_types', 'duckdb_views', 'pragma_table_info', 'pragma_show', 'pragma_version',
  'pragma_database_size', 'pragma_storage_info', 'pragma_platform', 'pragma_collations',
]);

/** Functions refused wherever they appear (a table function can also be called as a scalar). */
const FORBIDDEN_FUNCTION =
  /^(read_|parquet_|sniff_|arrow_|iceberg_|delta_|sqlite_|postgres_|mysql_)|^glob$|^query(_table)?$|execute|checkpoint|^(enable|disable|truncate|write)_/;

/** A table name that only a replacement scan can resolve: a file path (`FROM 'x.csv'`). */
const PATH_LIKE = /[./\\:]/;

type Node = Readonly<Record<string, unknown>>;

/**
 * A hidden table (suppression-tables.ts) a node names: as a table, or in a string constant, since
 * catalog functions such as `pragma_storage_info('…')` take a table's name as text and show its
 * column statistics (min/max values).
 */
function hiddenTableIn(o: Node): string | undefined {
  if ((o['type'] === 'BASE_TABLE' || o['type'] === 'SHOW_REF') && typeof o['table_name'] === 'string') return namesHiddenTable(o['table_name']);
  const value = o['class'] === 'CONSTANT' ? (o['value'] as Node | undefined)?.['value'] : undefined;
  return typeof value === 'string' ? namesHiddenTable(value) : undefined;
}

function problemsIn(tree: unknown): string[] {
  const problems: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Node;
    if (o['type'] === 'TABLE_FUNCTION') {
      const name = String((o['function'] as Node | undefined)?.['function_name'] ?? '').toLowerCase();
      if (!TABLE_FUNCTIONS.has(name)) problems.push(`the table function ${name}() is not available here (no files, no SQL from strings)`);
      // A pragma names its table as text: only as written, so the hidden-table check sees the name.
      const args = ((o['function'] as Node | undefined)?.['children'] ?? []) as Node[];
      if (name.startsWith('pragma_') && args.some((a) => a['class'] !== 'CONSTANT')) problems.push(`${name}() takes its table name as a plain string here`);
    }
    if (o['class'] === 'FUNCTION' && typeof o['function_name'] === 'string') {
      const name = o['function_name'].toLowerCase();
      if (FORBIDDEN_FUNCTION.test(name)) problems.push(`${name}() is not available here (no files, no SQL from strings)`);
    }
    if ((o['type'] === 'BASE_TABLE' || o['type'] === 'SHOW_REF') && typeof o['table_name'] === 'string' && PATH_LIKE.test(o['table_name'])) {
      problems.push(`"${o['table_name']}" looks like a file; files cannot be read here`);
    }
    const hidden = hiddenTableIn(o);
    if (hidden) problems.push(`${hidden} is not readable here (Touchline's own table, not for reports)`);
    for (const v of Object.values(o)) visit(v);
  };
  visit(tree);
  return [...new Set(problems)];
}

/** `{statements}` of DuckDB's parse tree, or null when the statement is not a SELECT-like one. */
async function parseTree(conn: DuckDBConnection, sql: string): Promise<unknown[] | null> {
  const r = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql], [VARCHAR]);
  const json = JSON.parse(String(r.getRows()[0]?.[0] ?? '{}')) as { error?: boolean; statements?: unknown[] };
  return json.error || !Array.isArray(json.statements) ? null : json.statements;
}

/** Skips whitespace and comments (`--`, and `/* *\/` nested as DuckDB's parser nests them). */
function skipSpace(sql: string, i: number): number {
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (sql.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (sql.startsWith('/*', i)) (depth++, (i += 2));
        else if (sql.startsWith('*/', i)) (depth--, (i += 2));
        else i++;
      } while (depth > 0 && i < sql.length);
      if (depth > 0) return sql.length;
    } else return i;
  }
}

/** The first word of the statement, upper case (for messages). */
function firstWord(sql: string): string {
  return /^[A-Za-z_]+/.exec(sql.slice(skipSpace(sql, 0)))?.[0]?.toUpperCase() ?? '';
}

/**
 * What an `EXPLAIN [ANALYZE | (options)]` statement explains, or null when `sql` is not one.
 * DuckDB's parse tree has no JSON form for EXPLAIN, so the prefix is read here; what follows is
 * then checked by DuckDB's parser like any other statement.
 */
function explainedStatement(sql: string): string | null {
  let i = skipSpace(sql, 0);
  const word = (w: string) => new RegExp(`^${w}\\b`, 'i').test(sql.slice(i));
  if (!word('EXPLAIN')) return null;
  i = skipSpace(sql, i + 'EXPLAIN'.length);
  if (word('ANALY[SZ]E')) i = skipSpace(sql, i + 'ANALYZE'.length);
  else {
    const options = /^\(\s*(ANALY[SZ]E|FORMAT\s+\w+)(\s*,\s*(ANALY[SZ]E|FORMAT\s+\w+))*\s*\)/i.exec(sql.slice(i));
    if (options) i = skipSpace(sql, i + options[0].length);
  }
  return sql.slice(i);
}

/** Checks one statement that must be a read; returns nothing or throws why not. */
async function assertRead(conn: DuckDBConnection, sql: string, explained: boolean): Promise<void> {
  const tree = await parseTree(conn, sql);
  if (tree === null) {
    const what = firstWord(sql);
    throw new QueryRefusedError(`${READS}${what ? `; ${explained ? 'EXPLAIN of ' : ''}${what} is not one` : ''}`);
  }
  if (tree.length !== 1) throw new QueryRefusedError(`send one statement at a time (got ${tree.length})`);
  const problems = problemsIn(tree[0]);
  if (problems.length > 0) throw new QueryRefusedError(problems.join('; '));
}

/**
 * Checks an analyst's statement and prepares it (bound, not run). Refuses, with the reason,
 * anything but one read statement over the warehouse's tables.
 */
export async function prepareAnalystRead(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  if (!sql.trim()) throw new QueryRefusedError('the query is empty');
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (err) {
    throw new QueryRefusedError(`the query does not parse: ${(err as Error).message}`);
  }
  if (extracted.count !== 1) throw new QueryRefusedError(`send one statement at a time (got ${extracted.count})`);
  const inner = explainedStatement(sql);
  await assertRead(conn, inner ?? sql, inner !== null);
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await extracted.prepare(0);
  } catch (err) {
    throw new QueryRefusedError((err as Error).message);
  }
  // What DuckDB bound must be what was checked (a PIVOT without IN, for one, creates a type).
  const expected = inner === null ? StatementType.SELECT : StatementType.EXPLAIN;
  if (prepared.statementType !== expected) {
    prepared.destroySync();
    throw new QueryRefusedError(`${READS}; this statement also ${inner === null ? 'writes' : 'is not a plain EXPLAIN'}`);
  }
  return prepared;
}
