import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader } from '@duckdb/node-api';
import { duckString, quoteIdent, trimStatement } from '../sql-text.js';
import { jsonSafe } from '../json-safe.js';
import {
  WarehouseEngine,
  WarehouseError,
  type LoadBatch,
  type LoadResult,
  type QueryOptions,
  type QueryResult,
  type Source,
  type SourceStats,
  type Warehouse,
} from '../warehouse.js';
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
  const instance = await openLockedInstance({
    path: options.path,
    readOnly: options.readOnly ?? false,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  return new DuckDBWarehouse(instance, await instance.connect());
}

function wrapped(sql: string): (err: Error) => never {
  return (err) => {
    throw new WarehouseError(`DuckDB: ${err.message}`, sql, { cause: err });
  };
}

function resultOf(reader: DuckDBResultReader, maxRows: number | undefined): QueryResult {
  let rows = reader.getRowsJS().map((r) => r.map(jsonSafe));
  if (maxRows !== undefined) rows = rows.slice(0, maxRows);
  return { columns: reader.columnNames(), rows };
}

class DuckDBWarehouse implements Warehouse {
  readonly engine = WarehouseEngine.DuckDB;
  // The loader's writes are serialised on the main connection; reads get their own connections.
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly main: DuckDBConnection,
  ) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async run(conn: DuckDBConnection, sql: string): Promise<number> {
    try {
      const r = await conn.run(sql);
      return r.rowsChanged;
    } catch (err) {
      throw new WarehouseError(`DuckDB: ${(err as Error).message}`, sql, { cause: err });
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
          await this.run(
            this.main,
            `INSERT INTO schema_migrations VALUES (${m.version}, ${duckString(m.name)}, now())`,
          );
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
      const r = await this.main.runAndReadAll(
        `SELECT column_name FROM information_schema.columns WHERE table_name = ${duckString(table)}`,
      );
      const have = new Set(r.getRows().map((row) => String(row[0])));
      for (const c of cols) {
        if (!have.has(c.name)) {
          await this.run(this.main, `ALTER TABLE ${table} ADD COLUMN ${quoteIdent(c.name)} ${duckType(c)}`);
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
      if (options.readOnly !== false) return await this.analystQuery(conn, text, options.maxRows);
      return resultOf(await conn.runAndReadUntil(text, options.maxRows ?? Number.MAX_SAFE_INTEGER).catch(wrapped(text)), options.maxRows);
    } finally {
      conn.closeSync();
    }
  }

  /**
   * An analyst's read, on a connection of its own: checked (`duckdb-read-check.ts`), then run in a
   * READ ONLY transaction that is rolled back. The instance itself has no file access and locked
   * settings, whatever the statement.
   */
  private async analystQuery(conn: DuckDBConnection, text: string, maxRows: number | undefined): Promise<QueryResult> {
    const prepared = await prepareAnalystRead(conn, text);
    try {
      await conn.run('BEGIN TRANSACTION READ ONLY');
      return resultOf(await prepared.runAndReadUntil(maxRows ?? Number.MAX_SAFE_INTEGER).catch(wrapped(text)), maxRows);
    } finally {
      prepared.destroySync();
      await conn.run('ROLLBACK').catch(() => undefined);
    }
  }

  /** Streams an analyst's read (same checks and transaction as `query`). */
  async *stream(sql: string): AsyncIterable<Record<string, unknown>[]> {
    const conn = await this.instance.connect();
    try {
      const text = trimStatement(sql);
      const prepared = await prepareAnalystRead(conn, text);
      try {
        await conn.run('BEGIN TRANSACTION READ ONLY');
        const result = await prepared.stream().catch(wrapped(text));
        for await (const chunk of result.yieldRowObjectJs()) {
          yield chunk.map((row) => {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(row)) out[k] = jsonSafe(v);
            return out;
          });
        }
      } finally {
        prepared.destroySync();
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
      await this.run(
        this.main,
        `INSERT INTO sources VALUES (${duckString(s.id)}, ${duckString(s.name)}, ${duckString(s.writeKey)}, ${duckString(
          s.createdAt,
        )}::TIMESTAMPTZ, NULL)`,
      );
      return { ...s, revokedAt: null };
    });
  }

  revokeSource(idOrName: string, at: string): Promise<Source | null> {
    return this.serial(async () => {
      const key = duckString(idOrName);
      await this.run(
        this.main,
        `UPDATE sources SET revoked_at = ${duckString(at)}::TIMESTAMPTZ WHERE (id = ${key} OR name = ${key}) AND revoked_at IS NULL`,
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

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    this.main.closeSync();
    this.instance.closeSync();
  }
}
