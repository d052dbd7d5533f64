import type { SqlParams } from '../dialect/sql-value.js';
import { namesHiddenTable } from '../suppression-tables.js';
import { QueryRefusedError, WarehouseError } from '../warehouse.js';

/**
 * The statement check of the read path (user SQL, `stream`). ClickHouse enforces read-only itself:
 * every such query carries `readonly=1` (see `readSettings`), under which the server refuses
 * writes, DDL, SET and SETTINGS, and table functions (all of them on 18.x; those reaching files,
 * URLs or other servers on current releases). This check runs first and refuses what `readonly=1`
 * lets through — `KILL QUERY` (it would stop the loader's own inserts), `INTO OUTFILE`, the scalar
 * `file()` of current releases, dictionaries backed by outside sources — plus everything it
 * refuses anyway, worded the same way as on DuckDB.
 *
 * It reads the statement with a deliberately strict tokenizer: comments, strings and quoted names
 * are read as ClickHouse reads them, and what two ClickHouse versions could read differently
 * (nested comments, `#` comments, heredoc `$$` strings, backslashes in quoted names) is refused,
 * so nothing can hide code from the check inside what it takes for a comment or a string.
 */

export interface Token {
  readonly kind: 'word' | 'quoted' | 'string' | 'number' | 'symbol';
  /** Words as written; quoted names and strings without their quotes. */
  readonly text: string;
}

const READS = 'only read queries (SELECT, WITH … SELECT, SHOW, DESCRIBE, EXISTS, EXPLAIN of a SELECT) are allowed here';
const READ_STARTS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN']);
const SHOW_WHAT = new Set(['TABLES', 'DATABASES', 'CREATE', 'COLUMNS', 'DICTIONARIES', 'TEMPORARY', 'FULL', 'EXTENDED']);
/** `SHOW CREATE …` of access entities: users, roles, quotas, row policies, settings profiles. */
const ACCESS_ENTITIES = new Set(['USER', 'USERS', 'ROLE', 'ROLES', 'QUOTA', 'QUOTAS', 'ROW', 'POLICY', 'POLICIES', 'PROFILE', 'PROFILES']);
const EXPLAIN_KINDS = new Set(['AST', 'SYNTAX', 'QUERY', 'TREE', 'PLAN', 'PIPELINE', 'ESTIMATE', 'TABLE', 'OVERRIDE', 'CURRENT', 'TRANSACTION']);

/**
 * Functions that read files, URLs or other servers, run programs or read dictionaries (whose
 * sources can be any of those): every table function of that kind ClickHouse has had, and the
 * families new ones join (`s3…`, `iceberg…`, `azure…`).
 */
const FORBIDDEN_EXACT = new Set([
  'url', 'urlcluster', 'input', 'jdbc', 'odbc', 'mysql', 'postgresql', 'mongodb', 'redis', 'sqlite', 'hive',
  'meilisearch', 'gcs', 'oss', 'cosn', 'ytsaurus',
]);
const FORBIDDEN_FAMILY = /^(file|remote|cluster|executable|dict|s3|hdfs|azure|iceberg|deltalake|hudi|paimon|datalake|arrowflight|prometheus|kafka)/;

/** Table functions that pick tables by a regular expression, which no name check can follow. */
const TABLE_BY_PATTERN = new Set(['merge', 'mergetreeindex', 'mergetreeanalyzeindexes', 'mergetreeprojection']);

export function isForbiddenFunction(name: string): boolean {
  const n = name.toLowerCase();
  return FORBIDDEN_EXACT.has(n) || FORBIDDEN_FAMILY.test(n);
}

function refuse(message: string): never {
  throw new QueryRefusedError(message);
}

/** A quoted string or name starting at `i` (the quote); returns its content and the index after it. */
function quoted(sql: string, i: number): { text: string; end: number } {
  const q = sql[i]!;
  let text = '';
  let j = i + 1;
  for (;;) {
    if (j >= sql.length) refuse('the query has an unterminated string or quoted name');
    const c = sql[j]!;
    if (c === '\\') {
      // Any escape is two characters or more, none of them a quote: skipping one finds the end.
      if (q !== "'") refuse('backslashes in quoted names are not accepted here');
      text += c + (sql[j + 1] ?? '');
      j += 2;
    } else if (c === q && sql[j + 1] === q) {
      text += q;
      j += 2;
    } else if (c === q) return { text, end: j + 1 };
    else {
      text += c;
      j++;
    }
  }
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9][0-9A-Za-z_.]*/y;

/** ClickHouse SQL as tokens, comments dropped; refuses anything two versions could read apart. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) refuse('the query has an unterminated /* comment');
      if (sql.slice(i + 2, end).includes('/*')) refuse('nested /* comments */ are not accepted here');
      i = end + 2;
    } else if (c === '#') refuse("'#' comments are not accepted here: use -- or /* */");
    else if (c === '$') refuse("'$' (heredoc strings) is not accepted here: use '…' strings");
    else if (c === "'" || c === '"' || c === '`') {
      const q = quoted(sql, i);
      out.push({ kind: c === "'" ? 'string' : 'quoted', text: q.text });
      i = q.end;
    } else {
      WORD.lastIndex = i;
      NUMBER.lastIndex = i;
      const m = WORD.exec(sql) ?? NUMBER.exec(sql);
      const kind = m === null ? 'symbol' : /[0-9]/.test(c) ? 'number' : 'word';
      const text = m?.[0] ?? c;
      out.push({ kind, text });
      i += text.length;
    }
  }
  return out;
}

const isWord = (t: Token | undefined, ...words: string[]) => t?.kind === 'word' && words.includes(t.text.toUpperCase());
const isSymbol = (t: Token | undefined, s: string) => t?.kind === 'symbol' && t.text === s;

/** Index of the first token that is not an opening parenthesis, from `i`. */
function skipParens(tokens: readonly Token[], i: number): number {
  while (isSymbol(tokens[i], '(')) i++;
  return i;
}

/** Words that begin a statement: after a WITH clause, only SELECT may come. */
const STATEMENT_WORDS = new Set([
  'SELECT', 'INSERT', 'ALTER', 'CREATE', 'DROP', 'DELETE', 'UPDATE', 'SYSTEM', 'KILL', 'SET', 'OPTIMIZE', 'RENAME',
  'ATTACH', 'DETACH', 'TRUNCATE', 'USE', 'GRANT', 'REVOKE', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN',
  'BEGIN', 'COMMIT', 'ROLLBACK', 'EXCHANGE', 'WATCH', 'CHECK', 'BACKUP', 'RESTORE', 'UNDROP', 'MOVE',
]);

/** `WITH …` at `i` must lead to a SELECT: the first statement word outside parentheses. */
function assertWithSelects(tokens: readonly Token[], i: number): void {
  let depth = 0;
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (isSymbol(t, '(')) depth++;
    else if (isSymbol(t, ')')) depth--;
    else if (depth === 0 && t.kind === 'word' && STATEMENT_WORDS.has(t.text.toUpperCase())) {
      if (t.text.toUpperCase() !== 'SELECT') refuse(`${READS}; WITH … ${t.text.toUpperCase()} is not one`);
      return;
    }
  }
  refuse(`${READS}; a WITH clause must lead to a SELECT`);
}

/** `EXPLAIN [kind] [setting = value, …]` must explain a SELECT. */
function assertExplainsRead(tokens: readonly Token[], i: number): void {
  let j = i + 1;
  for (;;) {
    const t = tokens[j];
    if (t?.kind === 'word' && EXPLAIN_KINDS.has(t.text.toUpperCase())) j++;
    else if (t?.kind === 'word' && isSymbol(tokens[j + 1], '=')) j += 3;
    else if (isSymbol(t, ',')) j++;
    else break;
  }
  const k = skipParens(tokens, j);
  if (!isWord(tokens[k], 'SELECT', 'WITH')) refuse(`${READS}; EXPLAIN is allowed of a SELECT only`);
  if (isWord(tokens[k], 'WITH')) assertWithSelects(tokens, k);
}

function assertReadStatement(tokens: readonly Token[]): void {
  const i = skipParens(tokens, 0);
  const first = tokens[i];
  const word = first?.kind === 'word' ? first.text.toUpperCase() : '';
  if (!READ_STARTS.has(word)) refuse(`${READS}; ${word || 'this'} is not one`);
  if (word === 'WITH') assertWithSelects(tokens, i);
  if (word === 'EXPLAIN') assertExplainsRead(tokens, i);
  if (word === 'SHOW') {
    const what = tokens[i + 1]?.text.toUpperCase() ?? '';
    if (!SHOW_WHAT.has(what)) refuse(`SHOW ${what} is not available here (SHOW TABLES, DATABASES, COLUMNS, CREATE TABLE are)`);
    if (what === 'CREATE' && ACCESS_ENTITIES.has(tokens[i + 2]?.text.toUpperCase() ?? '')) refuse('SHOW CREATE of users, roles, quotas and policies is not available here');
  }
}

/** Refuses, with the reason, anything but one read statement that stays inside the database. */
export function assertReadOnlySql(sql: string): void {
  const tokens = tokenize(sql);
  if (tokens.length === 0) refuse('the query is empty');
  // Statements are what lies between semicolons; trailing ones end the only statement.
  const sizes = [0];
  for (const t of tokens) {
    if (isSymbol(t, ';')) sizes.push(0);
    else sizes[sizes.length - 1]!++;
  }
  if (sizes.findLastIndex((n) => n > 0) > 0) refuse(`send one statement at a time (got ${Math.max(2, sizes.filter((n) => n > 0).length)})`);
  assertReadStatement(tokens);
  tokens.forEach((t, i) => {
    if ((t.kind === 'word' || t.kind === 'quoted') && isSymbol(tokens[i + 1], '(') && isForbiddenFunction(t.text)) {
      refuse(`${t.text}() reaches files, programs, dictionaries or other servers and is not allowed here`);
    }
    if (isWord(t, 'OUTFILE')) refuse('INTO OUTFILE writes a file and is not allowed here');
    // Any name or string naming a hidden table (suppression-tables.ts): `merge()` and
    // `mergeTreeIndex()` take a table's name as text, so strings count too.
    const hidden = t.kind === 'symbol' || t.kind === 'number' ? undefined : namesHiddenTable(t.text);
    if (hidden) refuse(`${hidden} is not readable here (Touchline's own table, not for reports)`);
    if ((t.kind === 'word' || t.kind === 'quoted') && isSymbol(tokens[i + 1], '(') && TABLE_BY_PATTERN.has(t.text.toLowerCase())) {
      refuse(`${t.text}() reads tables chosen by a pattern and is not allowed here: name the table`);
    }
    if (isWord(t, 'SETTINGS') && !isSymbol(tokens[i - 1], '.')) refuse('settings cannot be changed here (SETTINGS …)');
  });
}

/**
 * The statement's first keyword, upper case (`SELECT`, `WITH`, `INSERT`, …), skipping comments and
 * opening parentheses; '' when there is none. Lenient: for Touchline's own SQL too.
 */
export function leadingKeyword(sql: string): string {
  const m = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*([A-Za-z]+)/.exec(sql);
  return m?.[1]?.toUpperCase() ?? '';
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
  if (UNREACHABLE_SHARD.test(msg)) return unreachableShardText(msg);
  const m = /DB::Exception: ([\s\S]*?)(?:, e\.what\(\) = DB::Exception)?\s*(?:\(version [^)]*\))?\s*$/.exec(msg);
  return (m?.[1] ?? msg).trim();
}

/** ClickHouse's words (18.x: code 279; current: the error's name) when no replica of a shard answered. */
const UNREACHABLE_SHARD = /All connection tries failed|ALL_CONNECTION_TRIES_FAILED/;

/**
 * "All connection tries failed. Log: …" names no shard and reads like a network fault of this
 * machine; on a cluster it means every replica of one shard is down. Say that, and name the
 * replicas it tried (host:port, from ClickHouse's own log lines).
 */
function unreachableShardText(msg: string): string {
  const tried = new Set([...msg.matchAll(/(\b(?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-f:]+\]|\b[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*):(\d{2,5})\b/gi)].map((m) => `${m[1]}:${m[2]}`));
  const where = tried.size > 0 ? ` (tried ${[...tried].join(', ')})` : '';
  return `a shard of the cluster is unreachable: none of its replicas accepted a connection${where}. Start them (or fix remote_servers); nothing is lost meanwhile, collectors keep spooling`;
}

/** The statement that failed, as `mapQueryError` reports it. */
export interface FailedQuery {
  /** The SQL as the caller stated it (before parameters were rendered into it). */
  readonly sql: string;
  readonly params?: SqlParams | undefined;
  /** A read on the analyst path: a refusal there (bad SQL, a write) is the caller's error, a 400. */
  readonly readOnly: boolean;
}

/** Maps a failed user query: refusals (bad SQL, writes) vs. engine failures (which keep the SQL and its parameters). */
export function mapQueryError(err: unknown, q: FailedQuery): Error {
  const { sql, params, readOnly } = q;
  const code = errorCode(err);
  if (readOnly && code !== null && REFUSED_CODES.has(code)) return new QueryRefusedError(`ClickHouse: ${errorText(err)}`);
  return new WarehouseError(`ClickHouse: ${errorText(err)}`, sql, { cause: err, params });
}
