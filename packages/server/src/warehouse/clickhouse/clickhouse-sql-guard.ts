import type { SqlParams } from '../dialect/sql-value.js';
import { QueryRefusedError, WarehouseError } from '../warehouse.js';

/**
 * The read-only path for user SQL. ClickHouse enforces it (`readonly` on every such query: see `readSettings`);
 * this check runs first so the user gets the same refusal DuckDB gives, worded the same way, and
 * so that statements ClickHouse has no syntax for (DELETE on old servers) are refused, not failed.
 */
const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'EXPLAIN', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS']);

/** The SQL with comments removed and string/identifier literals blanked, for inspection only. */
export function skeleton(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out += ' ';
    } else if (c === '/' && sql[i + 1] === '*') {
      i += 2;
      while (i < sql.length && !(sql[i] === '*' && sql[i + 1] === '/')) i++;
      i++;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < sql.length && sql[i] !== c) i += sql[i] === '\\' ? 2 : sql[i] === c && sql[i + 1] === c ? 2 : 1;
      out += `${c}${c}`;
    } else out += c;
  }
  return out;
}

export function assertReadOnlySql(sql: string): void {
  if (!sql.trim()) throw new QueryRefusedError('the query is empty');
  const bare = skeleton(sql).trim().replace(/;+\s*$/, '');
  if (bare.includes(';')) {
    throw new QueryRefusedError(`send one statement at a time (got ${bare.split(';').filter((s) => s.trim()).length})`);
  }
  const first = /^[\s(]*([A-Za-z]+)/.exec(bare)?.[1]?.toUpperCase();
  if (!first || !READ_KEYWORDS.has(first)) {
    throw new QueryRefusedError('only read queries (SELECT, WITH … SELECT, EXPLAIN) are allowed here');
  }
}

/** ClickHouse error codes that mean "this query is refused", not "the database failed". */
const REFUSED_CODES = new Set([
  62, // SYNTAX_ERROR
  164, // READONLY
  47, // UNKNOWN_IDENTIFIER
  60, // UNKNOWN_TABLE
  46, // UNKNOWN_FUNCTION
  81, // UNKNOWN_DATABASE
  16, // NO_SUCH_COLUMN_IN_TABLE
  43, // ILLEGAL_TYPE_OF_ARGUMENT
  42, // NUMBER_OF_ARGUMENTS_DOESNT_MATCH
  215, // NOT_AN_AGGREGATE
]);

/** The server's error code, from either the 18.x (`Code: 62, e.displayText() = …`) or current wording. */
export function errorCode(err: unknown): number | null {
  // The client parses current servers' errors into `code`; 18.x wording stays in the message.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const m = /Code: (\d+)/.exec((err as Error)?.message ?? '');
  return m ? Number(m[1]) : null;
}

/** The useful sentence out of a ClickHouse error message. */
export function errorText(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  const m = /DB::Exception: ([\s\S]*?)(?:, e\.what\(\) = DB::Exception)?\s*(?:\(version [^)]*\))?\s*$/.exec(msg);
  return (m?.[1] ?? msg).trim();
}

/** Maps a failed user query: refusals (bad SQL, writes) vs. engine failures (which keep the SQL and its parameters). */
export function mapQueryError(err: unknown, sql: string, readOnly: boolean, params?: SqlParams): Error {
  const code = errorCode(err);
  if (readOnly && code !== null && REFUSED_CODES.has(code)) return new QueryRefusedError(`ClickHouse: ${errorText(err)}`);
  return new WarehouseError(`ClickHouse: ${errorText(err)}`, sql, { cause: err, params });
}
