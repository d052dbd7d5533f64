import { DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColumnType, EVENT_COLUMNS, FAILED_EVENT_COLUMNS, SPOOL_COLUMNS } from '../schema.js';
import { trimStatement } from '../sql-text.js';
import { jsonSafe } from '../json-safe.js';
import { DUCKDB_DIALECT, duckdbLiteral, duckdbQuoteIdent } from '../dialect/duckdb-dialect.js';
import type { SqlParams, SqlValue } from '../dialect/sql-value.js';
import {
  QueryRefusedError,
  WarehouseEngine,
  WarehouseError,
  type InsertColumn,
  type InsertOptions,
  type LoadBatch,
  type LoadResult,
  type QueryOptions,
  type QueryResult,
  type Source,
  type SourceStats,
  type StreamOptions,
  type Warehouse,
  type WarehouseTransaction,
} from '../warehouse.js';
import { appendRows, prepareBound } from './duckdb-statements.js';
import { decodeDuckDBTextExactly } from './duckdb-text.js';
import { DUCKDB_MIGRATIONS, SCHEMA_TABLES, SPOOL_READ_COLUMNS, duckType } from './duckdb-schema.js';

export interface DuckDBWarehouseOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  /** Open read-only (another process may not hold it for writing). @defaultValue false */
  readonly readOnly?: boolean;
  /** Worker threads. @defaultValue DuckDB's default (one per core) */
  readonly threads?: number;
  /**
   * Further DuckDB settings, applied with `SET` on every connection the warehouse opens, so that
   * session-scoped ones hold too (`memory_limit`, `temp_directory`, `streaming_buffer_size`…;
   * https://duckdb.org/docs/stable/configuration/overview).
   */
  readonly settings?: Readonly<Record<string, string>>;
}

const READ_STATEMENTS = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);
const quoteIdent = duckdbQuoteIdent;
const eventCols = EVENT_COLUMNS.map((c) => quoteIdent(c.name)).join(', ');
const failedCols = FAILED_EVENT_COLUMNS.map((c) => quoteIdent(c.name)).join(', ');
// A row that always loads: if it does not, the database (not the data) is failing.
const CANARY_ROW = JSON.stringify({ kind: 'failed', received_at: '2026-01-01T00:00:00.000Z', reason: 'canary', raw: '{}' });
// The conversions the bulk insert performs, for checking lines apart.
const JSON_CASTS = SPOOL_COLUMNS.map((c) =>
  c.type === ColumnType.Json ? `${quoteIdent(c.name)}::JSON` : quoteIdent(c.name),
).join(', ');

/** Opens (creating if needed) an embedded DuckDB warehouse. */
export async function openDuckDBWarehouse(options: DuckDBWarehouseOptions): Promise<Warehouse> {
  decodeDuckDBTextExactly();
  const config: Record<string, string> = {};
  if (options.readOnly) config['access_mode'] = 'READ_ONLY';
  if (options.threads) config['threads'] = String(options.threads);
  const instance = await DuckDBInstance.create(options.path, config);
  const main = await instance.connect();
  // Times are shown in UTC whatever the machine's zone (ICU is built in).
  await main.run(`SET GLOBAL TimeZone = 'UTC'`);
  // Checkpoint when the WAL reaches 128 MB rather than DuckDB's 16 MB: each checkpoint
  // recompresses the open row group, so small, frequent ones cost the loader most of its time.
  if (!options.readOnly) await main.run(`SET GLOBAL checkpoint_threshold = '128MB'`);
  const settings = Object.entries(options.settings ?? {}).map(([name, value]) => {
    if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new RangeError(`DuckDB setting "${name}": not a setting name`);
    // SET takes a constant: the literal, which a NUL byte would turn into an expression.
    if (value.includes('\0')) throw new RangeError(`DuckDB setting "${name}": the value holds a NUL byte`);
    return `SET ${name} = ${duckdbLiteral(value)}`;
  });
  for (const set of settings) await main.run(set);
  return new DuckDBWarehouse(instance, main, settings);
}

class DuckDBWarehouse implements Warehouse {
  readonly engine = WarehouseEngine.DuckDB;
  readonly dialect = DUCKDB_DIALECT;
  // The loader's writes are serialised on the main connection; reads get their own connections.
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly main: DuckDBConnection,
    private readonly settings: readonly string[],
  ) {}

  /** A connection of its own for a read, with the configured settings. */
  private async connect(): Promise<DuckDBConnection> {
    const conn = await this.instance.connect();
    for (const set of this.settings) await conn.run(set);
    return conn;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async run(conn: DuckDBConnection, sql: string, params?: SqlParams): Promise<number> {
    try {
      const r = params ? await (await prepareBound(conn, sql, params)).run() : await conn.run(sql);
      return r.rowsChanged;
    } catch (err) {
      throw new WarehouseError(`DuckDB: ${(err as Error).message}`, sql, { cause: err, params });
    }
  }

  async schemaVersion(): Promise<number> {
    const r = await this.main.runAndReadAll(
      `SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'`,
    );
    if (Number(r.getRows()[0]?.[0] ?? 0) === 0) return 0;
    const v = await this.main.runAndReadAll('SELECT coalesce(max(version), 0) FROM schema_migrations');
    return Number(v.getRows()[0]?.[0] ?? 0);
  }

  migrate(): Promise<number[]> {
    return this.serial(async () => {
      await this.run(
        this.main,
        `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)`,
      );
      const current = await this.schemaVersion();
      const applied: number[] = [];
      for (const m of DUCKDB_MIGRATIONS) {
        if (m.version <= current) continue;
        await this.run(this.main, 'BEGIN TRANSACTION');
        try {
          for (const s of m.statements) await this.run(this.main, s);
          await this.run(this.main, `INSERT INTO schema_migrations VALUES ($version, $name, now())`, { version: m.version, name: m.name });
          await this.run(this.main, 'COMMIT');
        } catch (err) {
          await this.main.run('ROLLBACK').catch(() => undefined);
          throw err;
        }
        applied.push(m.version);
      }
      await this.addMissingColumns();
      return applied;
    });
  }

  /** Columns added to `schema.ts` (e.g. a new click id in the registry) are added in place. */
  private async addMissingColumns(): Promise<void> {
    for (const [table, cols] of SCHEMA_TABLES) {
      const r = await this.main.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = $table`, { table });
      const have = new Set(r.getRows().map((row) => String(row[0])));
      for (const c of cols) {
        if (!have.has(c.name)) {
          await this.run(this.main, `ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(c.name)} ${duckType(c)}`);
        }
      }
    }
  }

  load(batch: LoadBatch): Promise<LoadResult> {
    return this.serial(async () => {
      try {
        return await this.loadFiles(batch);
      } catch (err) {
        if (!(err instanceof WarehouseError)) throw err;
        return this.loadLineByLine(batch, err);
      }
    });
  }

  private async loadFiles(batch: LoadBatch, unloadable: readonly { line: string; reason: string }[] = []): Promise<LoadResult> {
    const dir = await mkdtemp(join(tmpdir(), 'touchline-load-'));
    try {
      const file = await writeRowsFile(batch, join(dir, 'batch.ndjson'));
      return await this.loadFile(batch, file, unloadable);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async loadFile(batch: LoadBatch, file: string, unloadable: readonly { line: string; reason: string }[]): Promise<LoadResult> {
    const files = `[${duckdbLiteral(file)}]`;
    const c = this.main;
    await this.run(c, 'BEGIN TRANSACTION');
    try {
      await this.run(
        c,
        `CREATE OR REPLACE TEMP TABLE _load AS SELECT * FROM read_json(${files}, format = 'newline_delimited', ` +
          `columns = ${SPOOL_READ_COLUMNS}, maximum_object_size = 67108864)`,
      );
      const result = await this.insertFromLoadTable(batch);
      for (const u of unloadable) {
        await this.run(c, `INSERT INTO failed_events (received_at, reason, raw) VALUES (now(), $reason, $raw)`, {
          reason: 'the warehouse could not load this spooled row: ' + u.reason,
          raw: u.line,
        });
      }
      await this.run(c, 'DROP TABLE _load');
      await this.run(c, 'COMMIT');
      return result;
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Distributes the rows of `_load` into the tables and moves the checkpoint; inside a transaction. */
  private async insertFromLoadTable(batch: LoadBatch): Promise<LoadResult> {
    const c = this.main;
    const windowMs = Math.max(0, Math.floor(batch.dedupWindowMs));
    const candidates = await this.scalar(c, `SELECT count(*) FROM _load WHERE kind = 'event'`);
    const events = await this.run(
      c,
      `INSERT INTO events (${eventCols})
       SELECT ${eventCols} FROM (
         SELECT *, row_number() OVER (PARTITION BY source_id, message_id ORDER BY received_at) AS _n
         FROM _load WHERE kind = 'event'
       ) b
       WHERE _n = 1 AND NOT EXISTS (
         SELECT 1 FROM events e
         WHERE e.source_id = b.source_id AND e.message_id = b.message_id
           AND e.received_at >= (SELECT min(received_at) FROM _load) - to_milliseconds($window_ms)
       )`,
      { window_ms: windowMs },
    );
    const failed = await this.run(
      c,
      `INSERT INTO failed_events (${failedCols}) SELECT ${failedCols} FROM _load WHERE kind = 'failed'`,
    );
    await this.run(c, IDENTITY_INSERT);
    await this.run(c, `INSERT OR REPLACE INTO loader_checkpoints VALUES ($collector, $seq, now())`, {
      collector: batch.collectorId,
      seq: batch.lastSeq,
    });
    return { events, duplicates: candidates - events, failed, unloadable: 0 };
  }

  /**
   * Safety net for a batch the bulk path refused: the lines are split in halves until every line
   * that DuckDB cannot convert is isolated (k bad lines cost O(k log n) checks, each the same
   * `read_json` conversion the bulk path does). Those lines are quarantined in failed_events
   * with the database's reason and the rest loads in bulk. If a known-good row does not load
   * either, the fault is not in the data: the error is raised so the loader backs off and retries.
   */
  private async loadLineByLine(batch: LoadBatch, cause: WarehouseError): Promise<LoadResult> {
    const lines: string[] = [];
    for await (const rows of batch.rows()) for (const line of rows) if (line) lines.push(line);
    const dir = await mkdtemp(join(tmpdir(), 'touchline-load-'));
    try {
      const good: string[] = [];
      const bad: { line: string; reason: string }[] = [];
      let n = 0;
      const check = async (chunk: readonly string[]): Promise<string | null> => {
        const file = join(dir, `check-${n++}.ndjson`);
        await writeFile(file, chunk.join('\n') + '\n');
        try {
          await this.main.run(
            `CREATE OR REPLACE TEMP TABLE _check AS SELECT ${JSON_CASTS} FROM read_json(${duckdbLiteral(file)}, ` +
              `format = 'newline_delimited', columns = ${SPOOL_READ_COLUMNS}, maximum_object_size = 67108864)`,
          );
          return null;
        } catch (err) {
          return (err as Error).message;
        } finally {
          await rm(file, { force: true });
        }
      };
      const split = async (chunk: readonly string[]): Promise<void> => {
        const error = await check(chunk);
        if (error === null) good.push(...chunk);
        else if (chunk.length === 1) bad.push({ line: chunk[0]!, reason: error });
        else {
          const mid = chunk.length >> 1;
          await split(chunk.slice(0, mid));
          await split(chunk.slice(mid));
        }
      };
      if ((await check([CANARY_ROW])) !== null) throw cause;
      await split(lines);
      await this.main.run('DROP TABLE IF EXISTS _check').catch(() => undefined);
      const file = join(dir, 'good.ndjson');
      await writeFile(file, good.length > 0 ? good.join('\n') + '\n' : '');
      const result = await this.loadFile(batch, file, bad);
      return { ...result, unloadable: bad.length };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async scalar(c: DuckDBConnection, sql: string): Promise<number> {
    try {
      const r = await c.runAndReadAll(sql);
      return Number(r.getRows()[0]?.[0] ?? 0);
    } catch (err) {
      throw new WarehouseError(`DuckDB: ${(err as Error).message}`, sql, { cause: err });
    }
  }

  async checkpoint(collectorId: string): Promise<number | null> {
    const r = await this.main.runAndReadAll(`SELECT segment_seq FROM loader_checkpoints WHERE collector_id = $collector`, { collector: collectorId });
    const v = r.getRows()[0]?.[0];
    return v === undefined || v === null ? null : Number(v);
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const conn = await this.connect();
    try {
      const text = trimStatement(sql);
      if (options.readOnly !== false) await assertReadOnly(conn, text);
      const until = options.maxRows ?? Number.MAX_SAFE_INTEGER;
      const { params } = options;
      const reader = await (params ? prepareBound(conn, text, params).then((p) => p.runAndReadUntil(until)) : conn.runAndReadUntil(text, until)).catch(
        (err: Error) => {
          throw new WarehouseError(`DuckDB: ${err.message}`, text, { cause: err, params });
        },
      );
      let rows = reader.getRowsJS().map((r) => r.map(jsonSafe));
      if (options.maxRows !== undefined) rows = rows.slice(0, options.maxRows);
      return { columns: reader.columnNames(), rows };
    } finally {
      conn.closeSync();
    }
  }

  async *stream(sql: string, options: StreamOptions = {}): AsyncIterable<Record<string, unknown>[]> {
    const conn = await this.connect();
    try {
      const text = trimStatement(sql);
      await assertReadOnly(conn, text);
      const { params } = options;
      const result = await (params ? prepareBound(conn, text, params).then((p) => p.stream()) : conn.stream(text)).catch((err: Error) => {
        throw new WarehouseError(`DuckDB: ${err.message}`, text, { cause: err, params });
      });
      for await (const chunk of result.yieldRowObjectJs()) {
        yield chunk.map((row) => {
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(row)) out[k] = jsonSafe(v);
          return out;
        });
      }
    } finally {
      conn.closeSync();
    }
  }

  async listSources(): Promise<Source[]> {
    const r = await this.query(
      'SELECT id, name, write_key, created_at, revoked_at FROM sources ORDER BY created_at, name',
    );
    return r.rows.map(([id, name, writeKey, createdAt, revokedAt]) => ({
      id: String(id),
      name: String(name),
      writeKey: String(writeKey),
      createdAt: String(createdAt),
      revokedAt: revokedAt === null ? null : String(revokedAt),
    }));
  }

  createSource(s: Omit<Source, 'revokedAt'>): Promise<Source> {
    return this.serial(async () => {
      await this.run(this.main, `INSERT INTO sources VALUES ($id, $name, $write_key, CAST($created_at AS TIMESTAMPTZ), NULL)`, {
        id: s.id,
        name: s.name,
        write_key: s.writeKey,
        created_at: s.createdAt,
      });
      return { ...s, revokedAt: null };
    });
  }

  revokeSource(idOrName: string, at: string): Promise<Source | null> {
    return this.serial(async () => {
      await this.run(
        this.main,
        `UPDATE sources SET revoked_at = CAST($at AS TIMESTAMPTZ) WHERE (id = $key OR name = $key) AND revoked_at IS NULL`,
        { at, key: idOrName },
      );
      const all = await this.listSources();
      return all.find((x) => x.id === idOrName || x.name === idOrName) ?? null;
    });
  }

  async sourceStats(): Promise<SourceStats[]> {
    const r = await this.query(`
      WITH e AS (SELECT source_id, count(*) AS n, max(received_at) AS last FROM events GROUP BY source_id),
           f AS (SELECT source_id, count(*) AS n FROM failed_events GROUP BY source_id),
           ids AS (SELECT source_id FROM e UNION SELECT source_id FROM f UNION SELECT id FROM sources)
      SELECT ids.source_id, coalesce(e.n, 0), coalesce(f.n, 0), e.last
      FROM ids LEFT JOIN e USING (source_id) LEFT JOIN f USING (source_id)
      ORDER BY 1 NULLS LAST`);
    return r.rows.map(([sourceId, events, failed, last]) => ({
      sourceId: sourceId === null ? '(unknown)' : String(sourceId),
      events: Number(events),
      failedEvents: Number(failed),
      lastReceivedAt: last === null ? null : String(last),
    }));
  }

  insertRows(table: string, columns: readonly InsertColumn[], rows: Iterable<readonly SqlValue[]>, options?: InsertOptions): Promise<number> {
    return this.transaction((tx) => tx.insertRows(table, columns, rows, options));
  }

  /** One connection of its own, BEGIN … COMMIT (ROLLBACK on any failure). */
  async transaction<T>(work: (tx: WarehouseTransaction) => Promise<T>): Promise<T> {
    const conn = await this.connect();
    try {
      await this.run(conn, 'BEGIN TRANSACTION');
      try {
        const result = await work({
          run: async (sql, params) => {
            const reader = await (params ? prepareBound(conn, sql, params).then((p) => p.runAndReadAll()) : conn.runAndReadAll(sql)).catch((err: Error) => {
              throw new WarehouseError(`DuckDB: ${err.message}`, sql, { cause: err, params });
            });
            return { columns: reader.columnNames(), rows: reader.getRowsJS().map((r) => r.map(jsonSafe)) };
          },
          insertRows: (table, columns, rows, options) => appendRows(conn, table, columns, rows, options),
        });
        await this.run(conn, 'COMMIT');
        return result;
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    this.main.closeSync();
    this.instance.closeSync();
  }
}

/** Writes a batch's rows to an NDJSON file (what `read_json` loads). */
export async function writeRowsFile(batch: LoadBatch, path: string): Promise<string> {
  const sink = createWriteStream(path);
  for await (const rows of batch.rows()) {
    if (rows.length === 0) continue;
    if (!sink.write(rows.join('\n') + '\n')) await once(sink, 'drain');
  }
  sink.end();
  await once(sink, 'finish');
  return path;
}

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

async function assertReadOnly(conn: DuckDBConnection, sql: string): Promise<void> {
  if (!sql) throw new QueryRefusedError('the query is empty');
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (err) {
    throw new QueryRefusedError(`the query does not parse: ${(err as Error).message}`);
  }
  if (extracted.count !== 1) {
    throw new QueryRefusedError(`send one statement at a time (got ${extracted.count})`);
  }
  let prepared;
  try {
    prepared = await extracted.prepare(0);
  } catch (err) {
    throw new QueryRefusedError((err as Error).message);
  }
  if (!READ_STATEMENTS.has(prepared.statementType)) {
    throw new QueryRefusedError('only read queries (SELECT, WITH … SELECT, EXPLAIN) are allowed here');
  }
}
