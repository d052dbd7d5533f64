/**
 * The table of attempts to get out of the analyst's read-only SQL: every write, DDL, COPY,
 * ATTACH, INSTALL/LOAD, SET, PRAGMA, CALL and EXPORT wrapped every way (plain, EXPLAIN, EXPLAIN
 * ANALYZE, in a CTE, commented, mixed case, multi-statement, string tricks), and every
 * file-reading function on host paths and on the data dir's own files. Each must be refused.
 */
import { dirname } from 'node:path';

export type Dialect = 'duckdb' | 'clickhouse';

export interface AttackTargets {
  /** A file that must never come to exist (every write attempt aims at it). */
  readonly canary: string;
  /** Files no query may read: host files, the data dir's secrets and spool, the database's own. */
  readonly files: readonly string[];
  /** ClickHouse: a reachable HTTP and TCP port (the server itself), for url()/remote(). */
  readonly httpPort?: number;
  readonly tcpPort?: number;
}

const sqlString = (d: Dialect, s: string) => (d === 'clickhouse' ? `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : `'${s.replace(/'/g, "''")}'`);

/** `sql` with `change` applied to each letter outside string literals (paths keep their case). */
function outsideStrings(sql: string, change: (c: string, i: number) => string): string {
  let out = '';
  let inString = false;
  [...sql].forEach((c, i) => {
    if (c === "'") inString = !inString;
    out += inString || !/[a-z]/i.test(c) ? c : change(c, i);
  });
  return out;
}

const mixCase = (sql: string) => outsideStrings(sql, (c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase()));
const lowerCase = (sql: string) => outsideStrings(sql, (c) => c.toLowerCase());

/** Statements that write, change settings or reach outside, before any wrapping. */
function writes(d: Dialect, t: AttackTargets): string[] {
  const canary = sqlString(d, t.canary);
  const common = [
    'DELETE FROM sources',
    "INSERT INTO events (message_id) VALUES ('forged')",
    "UPDATE sources SET name = 'pwned'",
    'DROP TABLE events',
    'TRUNCATE TABLE events',
    'CREATE TABLE pwned AS SELECT 1 AS a',
    'ALTER TABLE events ADD COLUMN pwned INTEGER',
    'CREATE VIEW pwned AS SELECT 1 AS a',
    'ATTACH TABLE events',
    'DETACH TABLE events',
    'RENAME TABLE events TO pwned',
    'USE system',
    'BEGIN TRANSACTION',
    'COMMIT',
  ];
  if (d === 'duckdb') {
    return [
      ...common,
      `COPY (SELECT 42) TO ${canary}`,
      `COPY events TO ${canary} (FORMAT csv)`,
      `COPY (SELECT * FROM sources) TO ${canary} (FORMAT parquet)`,
      `COPY events FROM ${canary}`,
      `EXPORT DATABASE ${canary}`,
      `IMPORT DATABASE ${sqlString(d, dirname(t.canary))}`,
      `ATTACH ${sqlString(d, `${t.canary}.duckdb`)} AS pwned`,
      "ATTACH ':memory:' AS pwned",
      'DETACH pwned',
      'INSTALL httpfs',
      'FORCE INSTALL httpfs',
      'LOAD httpfs',
      `LOAD ${sqlString(d, `${t.canary}.duckdb_extension`)}`,
      'UPDATE EXTENSIONS',
      'SET enable_external_access = true',
      'SET GLOBAL enable_external_access = true',
      'SET lock_configuration = false',
      "SET memory_limit = '1GB'",
      'RESET enable_external_access',
      'SET VARIABLE pwned = 1',
      'PRAGMA enable_profiling',
      "PRAGMA memory_limit = '1GB'",
      'PRAGMA version',
      'PRAGMA table_info(events)',
      'CALL pragma_version()',
      'CALL enable_logging()',
      'CHECKPOINT',
      'FORCE CHECKPOINT',
      'VACUUM',
      'ANALYZE',
      "CREATE SECRET pwned (TYPE s3, KEY_ID 'k', SECRET 's')",
      'CREATE TEMP TABLE pwned AS SELECT 1 AS a',
      'CREATE MACRO pwned(x) AS x',
      'CREATE TYPE pwned AS ENUM (\'a\')',
      'CREATE SEQUENCE pwned',
      'PIVOT events ON type',
      'INSERT INTO events (message_id) SELECT content FROM read_text(\'/etc/passwd\')',
      "WITH x AS (SELECT 1) INSERT INTO events (message_id) SELECT 'forged' FROM x",
      "PREPARE p AS DELETE FROM sources",
      'EXECUTE p',
    ];
  }
  return [
    ...common,
    "INSERT INTO events_store (message_id) VALUES ('forged')",
    'ALTER TABLE sources_store DELETE WHERE 1',
    "ALTER TABLE sources_store UPDATE name = 'pwned' WHERE 1",
    'OPTIMIZE TABLE events_store FINAL',
    'SYSTEM FLUSH LOGS',
    'SYSTEM STOP MERGES',
    'SYSTEM SHUTDOWN',
    'KILL QUERY WHERE 1',
    'KILL MUTATION WHERE 1',
    'SET readonly = 0',
    'SET max_memory_usage = 1',
    'SELECT 1 SETTINGS readonly = 0',
    'SELECT 1 SETTINGS max_memory_usage = 1000000000000',
    `SELECT 1 INTO OUTFILE ${canary}`,
    `SELECT * FROM events INTO OUTFILE ${canary} FORMAT CSV`,
    'CREATE TEMPORARY TABLE pwned (a UInt8)',
    `INSERT INTO FUNCTION file(${canary}, 'TSV', 'a String') VALUES ('x')`,
    "EXPLAIN AST INSERT INTO events_store (message_id) VALUES ('x')",
    'EXPLAIN SYNTAX DROP TABLE events',
    'EXCHANGE TABLES events AND pwned',
    'GRANT ALL ON *.* TO default',
    'SHOW CREATE USER default',
    'SHOW GRANTS',
    'WATCH events',
  ];
}

/** Each write, wrapped every way that could slip past a check that reads only the surface. */
function wrapped(d: Dialect, s: string): string[] {
  const quotedSemicolon = d === 'clickhouse' ? "SELECT '\\';'" : "SELECT ''';'";
  return [
    s,
    lowerCase(s),
    mixCase(s),
    `/* harmless */ ${s}`,
    `-- note\n${s}`,
    `${s} -- trailing`,
    `  \n\t${s};`,
    `EXPLAIN ${s}`,
    `EXPLAIN ANALYZE ${s}`,
    `explain analyze /* x */ ${mixCase(s)}`,
    `EXPLAIN (ANALYZE) ${s}`,
    `EXPLAIN -- x\n ANALYZE ${s}`,
    `WITH c AS (SELECT 1) ${s}`,
    `(${s})`,
    `SELECT 1; ${s}`,
    `${s}; SELECT 1`,
    `SELECT ';'; ${s}`,
    `${quotedSemicolon}; ${s}`,
    `SELECT 1 -- ';\n; ${s}`,
    `SELECT 1 /* ; */; ${s}`,
    `SELECT "a;b" FROM events; ${s}`,
  ];
}

/** Ways to read a file (or reach the network) from a SELECT. */
function fileReads(d: Dialect, t: AttackTargets): string[] {
  const out: string[] = [];
  for (const f of t.files) {
    const p = sqlString(d, f);
    if (d === 'duckdb') {
      const inner = sqlString(d, `SELECT * FROM read_text(${p})`);
      out.push(
        `SELECT * FROM read_text(${p})`,
        `SELECT * FROM read_blob(${p})`,
        `SELECT * FROM read_csv(${p})`,
        `SELECT * FROM read_csv_auto(${p}, header = false)`,
        `SELECT * FROM read_json_auto(${p})`,
        `SELECT * FROM read_ndjson_objects(${p})`,
        `SELECT * FROM read_parquet(${p})`,
        `SELECT * FROM parquet_metadata(${p})`,
        `SELECT * FROM glob(${sqlString(d, `${dirname(f)}/*`)})`,
        `SELECT * FROM sniff_csv(${p})`,
        `SELECT * FROM ${p}`,
        `DESCRIBE ${p}`,
        `SUMMARIZE SELECT * FROM read_text(${p})`,
        `SELECT * FROM query(${inner})`,
        `SELECT * FROM query_table(${p})`,
        `WITH x AS (SELECT * FROM read_text(${p})) SELECT * FROM x`,
        `WITH x AS MATERIALIZED (SELECT content FROM read_text(${p})) SELECT * FROM x`,
        `SELECT (SELECT content FROM read_text(${p})) AS c`,
        `SELECT count(*) FROM events WHERE EXISTS (SELECT * FROM read_blob(${p}))`,
        `SELECT * FROM range(1) r, LATERAL (SELECT * FROM read_text(${p}))`,
        `SELECT 'x' UNION ALL SELECT content FROM read_text(${p})`,
        `SeLeCt * FrOm ReAd_TeXt(${p})`,
        `SELECT * FROM "read_text"(${p})`,
        `SELECT * FROM main.read_text(${p})`,
        `SELECT * FROM read_text /* hidden */ (${p})`,
        `EXPLAIN ANALYZE SELECT * FROM read_text(${p})`,
        `EXPLAIN SELECT * FROM read_blob(${p})`,
        `SELECT * FROM json_execute_serialized_sql(json_serialize_sql(${inner}))`,
        `SELECT * FROM events e JOIN read_text(${p}) f ON true`,
        `SELECT list_transform([1], x -> (SELECT content FROM read_text(${p})))`,
      );
    } else {
      out.push(
        `SELECT * FROM file(${p}, 'TSV', 'l String')`,
        `SELECT file(${p})`,
        `SELECT * FROM \`file\`(${p}, 'TSV', 'l String')`,
        `SELECT * FROM "file"(${p}, 'TSV', 'l String')`,
        `SELECT * FROM FILE(${p}, 'TSV', 'l String')`,
        `SELECT * FROM file /* x */ (${p}, 'TSV', 'l String')`,
        `SELECT * FROM (SELECT * FROM file(${p}, 'TSV', 'l String'))`,
        `WITH x AS (SELECT * FROM file(${p}, 'TSV', 'l String')) SELECT * FROM x`,
        `SELECT 1 WHERE 1 IN (SELECT 1 FROM file(${p}, 'TSV', 'l String'))`,
        `DESCRIBE TABLE file(${p}, 'TSV', 'l String')`,
        `EXPLAIN SELECT * FROM file(${p}, 'TSV', 'l String')`,
        `SELECT * FROM fileCluster('self', ${p}, 'TSV', 'l String')`,
        `SELECT * FROM sqlite(${p}, 't')`,
        `SELECT * FROM icebergLocal(${p})`,
        `SELECT * FROM executable(${sqlString(d, `cat ${f}`)}, 'TSV', 'l String')`,
      );
    }
  }
  if (d === 'clickhouse') {
    const here = `127.0.0.1:${t.tcpPort ?? 9000}`;
    out.push(
      `SELECT * FROM url('http://127.0.0.1:${t.httpPort ?? 8123}/?query=SELECT+1', 'TSV', 'l String')`,
      `SELECT * FROM urlCluster('self', 'http://127.0.0.1:${t.httpPort ?? 8123}/', 'TSV', 'l String')`,
      `SELECT * FROM remote('${here}', system.one)`,
      `SELECT * FROM remoteSecure('${here}', system.one)`,
      'SELECT * FROM cluster(\'self\', system.one)',
      'SELECT * FROM clusterAllReplicas(\'self\', system.one)',
      "SELECT * FROM s3('http://127.0.0.1:1/b/k.csv', 'CSV', 'l String')",
      "SELECT * FROM s3Cluster('self', 'http://127.0.0.1:1/b/k.csv', 'CSV', 'l String')",
      "SELECT * FROM gcs('http://127.0.0.1:1/b/k.csv', 'CSV', 'l String')",
      "SELECT * FROM azureBlobStorage('http://127.0.0.1:1', 'c', 'k.csv')",
      "SELECT * FROM hdfs('hdfs://127.0.0.1:1/x', 'TSV', 'l String')",
      "SELECT * FROM input('l String')",
      "SELECT * FROM mysql('127.0.0.1:1', 'db', 't', 'u', 'p')",
      "SELECT * FROM postgresql('127.0.0.1:1', 'db', 't', 'u', 'p')",
      "SELECT * FROM jdbc('jdbc:x', 'y')",
      "SELECT * FROM odbc('DSN=x', 't')",
      "SELECT * FROM mongodb('127.0.0.1:1', 'db', 'c', 'u', 'p', 'x String')",
      "SELECT * FROM redis('127.0.0.1:1', 'k', 'k String')",
      "SELECT * FROM dictionary('d')",
      "SELECT dictGet('d', 'x', toUInt64(1))",
      "SELECT dictGetString('d', 'x', toUInt64(1))",
      "SELECT * FROM deltaLake('http://127.0.0.1:1/x')",
      "SELECT * FROM hudi('http://127.0.0.1:1/x')",
      "SELECT * FROM iceberg('http://127.0.0.1:1/x')",
      "SELECT $$x$$",
      'SELECT 1 # comment',
      'SELECT 1 /* a /* nested */ still */',
      'SELECT "fi\\le"(1)',
    );
  }
  return out;
}

/** The whole table: every write wrapped every way, and every file read. */
export function attacks(d: Dialect, t: AttackTargets): string[] {
  return [...new Set([...writes(d, t).flatMap((s) => wrapped(d, s)), ...fileReads(d, t)])];
}

/** Reads an analyst may run, which the checks must not refuse (strings that look like attacks included). */
export function allowedReads(d: Dialect): string[] {
  const common = [
    'SELECT count(*) AS n FROM events',
    "SELECT 'DROP TABLE events; -- read_text(''/etc/passwd''), file(''x'')' AS s",
    'SELECT 1 AS "read_text", 2 AS "file"',
    '/* a comment */ SELECT 1 -- and another',
    '(SELECT 1)',
    'SELECT 1;',
    'SHOW TABLES',
  ];
  if (d === 'duckdb') {
    return [
      ...common,
      'WITH x AS (SELECT 1 AS a) SELECT a FROM x',
      'EXPLAIN SELECT count(*) FROM events',
      'EXPLAIN ANALYZE SELECT count(*) FROM events',
      'DESCRIBE events',
      'SUMMARIZE events',
      'VALUES (1, 2)',
      'FROM events SELECT count(*)',
      'SELECT * FROM range(3)',
      'SELECT count(*) FROM duckdb_tables()',
      "SELECT current_setting('enable_external_access') AS access",
      "SELECT properties->>'plan' FROM events",
      'PIVOT (SELECT type FROM events) ON type IN (\'track\', \'page\') USING count(*)',
    ];
  }
  return [
    ...common,
    'WITH 1 AS a SELECT a',
    'DESCRIBE TABLE events',
    'SELECT count() FROM system.tables',
    'SELECT name FROM system.settings LIMIT 1',
    "SELECT URLHierarchy('https://shop.test/a/b')",
    "SELECT domain('https://shop.test/a')",
  ];
}
