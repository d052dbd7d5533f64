import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, DuckDBResultReader } from '@duckdb/node-api';
import { trimStatement } from '../sql-text.js';
import { jsonSafe } from '../json-safe.js';
import { DUCKDB_DIALECT, duckdbQuoteIdent } from '../dialect/duckdb-dialect.js';
import type { SqlParams, SqlValue } from '../dialect/sql-value.js';
import {
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
import { appendRows, bindParams, prepareBound } from './duckdb-statements.js';
import { decodeDuckDBTextExactly } from './duckdb-text.js';
import { openLockedInstance } from './duckdb-instance.js';
import { loadBatchRows } from './duckdb-load.js';
import { prepareAnalystRead } from './duckdb-read-check.js';
import { DUCKDB_MIGRATIONS, SCHEMA_TABLES, duckType } from './duckdb-schema.js';

export interface DuckDBWarehouseOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  /** Open read-only (another process may not hold it for writing). @defaultValue false */
  readonly readOnly?: boolean;
  /** Worker threads. @defaultValue DuckDB's default (one per core) */
  readonly threads?: number;
  /**
   * Further DuckDB settings for the whole instance (`memory_limit`, `temp_directory`,
   * `preserve_insertion_order`…; https://duckdb.org/docs/stable/configuration/overview), applied
   * once at open, before the configuration is locked. Per-connection settings cannot be given:
   * nothing can be `SET` once the warehouse is open (see `duckdb-instance.ts`).
   */
  readonly settings?: Readonly<Record<string, string>>;
}

/** Opens (creating if needed) an embedded DuckDB warehouse. */
export async function openDuckDBWarehouse(options: DuckDBWarehouseOptions): Promise<Warehouse> {
  decodeDuckDBTextExactly();
  const instance = await openLockedInstance({
    path: options.path,
    readOnly: options.readOnly ?? false,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  return new DuckDBWarehouse(instance, await instance.connect());
}

function wrapped(sql: string, params?: SqlParams): (err: Error) => never {
  return (err) => {
    throw new WarehouseError(`DuckDB: ${err.message}`, sql, { cause: err, ...(params ? { params } : {}) });
  };
}

/** An analyst's read, checked and prepared, with its parameters bound. */
async function analystStatement(conn: DuckDBConnection, text: string, params: SqlParams | undefined): Promise<DuckDBPreparedStatement> {
  const prepared = await prepareAnalystRead(conn, text);
  try {
    bindParams(prepared, params ?? {});
  } catch (err) {
    prepared.destroySync();
    throw err;
  }
  return prepared;
}

function resultOf(reader: DuckDBResultReader, maxRows: number | undefined): QueryResult {
  let rows = reader.getRowsJS().map((r) => r.map(jsonSafe));
  if (maxRows !== undefined) rows = rows.slice(0, maxRows);
  return { columns: reader.columnNames(), rows };
}

class DuckDBWarehouse implements Warehouse {
  readonly engine = WarehouseEngine.DuckDB;
  readonly dialect = DUCKDB_DIALECT;
  // The loader's writes are serialised on the main connection; reads get their own connections.
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly main: DuckDBConnection,
  ) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    // The chain only orders the work; each caller's own promise (`next`) carries its failure.
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
          // A failed ROLLBACK cannot commit anything; the statement's own result or error stands.
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
          await this.run(this.main, `ALTER TABLE ${duckdbQuoteIdent(table)} ADD COLUMN ${duckdbQuoteIdent(c.name)} ${duckType(c)}`);
        }
      }
    }
  }

  load(batch: LoadBatch): Promise<LoadResult> {
    return this.serial(() => loadBatchRows(this.main, batch));
  }

  async checkpoint(collectorId: string): Promise<number | null> {
    const r = await this.main.runAndReadAll('SELECT segment_seq FROM loader_checkpoints WHERE collector_id = $1', [collectorId]);
    const v = r.getRows()[0]?.[0];
    return v === undefined || v === null ? null : Number(v);
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const conn = await this.instance.connect();
    try {
      const text = trimStatement(sql);
      if (options.readOnly !== false) return await this.analystQuery(conn, text, options.maxRows, options.params);
      const until = options.maxRows ?? Number.MAX_SAFE_INTEGER;
      const { params } = options;
      const reader = await (params ? prepareBound(conn, text, params).then((p) => p.runAndReadUntil(until)) : conn.runAndReadUntil(text, until)).catch(
        wrapped(text, params),
      );
      return resultOf(reader, options.maxRows);
    } finally {
      conn.closeSync();
    }
  }

  /**
   * An analyst's read, on a connection of its own: checked (`duckdb-read-check.ts`), then run in a
   * READ ONLY transaction that is rolled back. The instance itself has no file access and locked
   * settings, whatever the statement.
   */
  private async analystQuery(conn: DuckDBConnection, text: string, maxRows: number | undefined, params: SqlParams | undefined): Promise<QueryResult> {
    const prepared = await analystStatement(conn, text, params);
    try {
      await conn.run('BEGIN TRANSACTION READ ONLY');
      return resultOf(await prepared.runAndReadUntil(maxRows ?? Number.MAX_SAFE_INTEGER).catch(wrapped(text, params)), maxRows);
    } finally {
      prepared.destroySync();
      // A failed ROLLBACK cannot commit anything; the statement's own result or error stands.
      await conn.run('ROLLBACK').catch(() => undefined);
    }
  }

  /** Streams an analyst's read (same checks and transaction as `query`). */
  async *stream(sql: string, options: StreamOptions = {}): AsyncIterable<Record<string, unknown>[]> {
    const conn = await this.instance.connect();
    try {
      const text = trimStatement(sql);
      const prepared = await analystStatement(conn, text, options.params);
      try {
        await conn.run('BEGIN TRANSACTION READ ONLY');
        const result = await prepared.stream().catch(wrapped(text, options.params));
        for await (const chunk of result.yieldRowObjectJs()) {
          yield chunk.map((row) => {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(row)) out[k] = jsonSafe(v);
            return out;
          });
        }
      } finally {
        prepared.destroySync();
        // A failed ROLLBACK cannot commit anything; the statement's own result or error stands.
        await conn.run('ROLLBACK').catch(() => undefined);
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
    const conn = await this.instance.connect();
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
        // A failed ROLLBACK cannot commit anything; the statement's own result or error stands.
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    // Waits for the work in flight; its failures went to its callers.
    await this.chain.catch(() => undefined);
    this.main.closeSync();
    this.instance.closeSync();
  }
}
