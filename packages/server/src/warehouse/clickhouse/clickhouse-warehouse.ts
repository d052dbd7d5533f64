import type { ClickHouseClient } from '@clickhouse/client';
import { systemClock } from '../../clock/clock.js';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { trimStatement } from '../sql-text.js';
import { clickhouseDialect } from '../dialect/clickhouse-dialect.js';
import { renderClickHouseParams } from '../dialect/clickhouse-params.js';
import { clickhouseQuoteIdent as quoteIdent } from '../dialect/clickhouse-quoting.js';
import type { SqlDialect } from '../dialect/dialect.js';
import type { SqlParams, SqlValue } from '../dialect/sql-value.js';
import {
  WarehouseEngine,
  WarehouseError,
  type InsertColumn,
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
import { newClickHouseClient, type ClickHouseConnectionOptions } from './clickhouse-client.js';
import { detectFeatures, readSettings, type ClickHouseFeatures } from './clickhouse-features.js';
import { copyRows, type CopyTable } from './clickhouse-copy.js';
import { BulkFormat, LineReader, type BulkInsertOptions, type EncodedRows } from './clickhouse-bulk.js';
import { DEFAULT_BULK_ROWS, eventStoreColumns, loadBatch } from './clickhouse-load.js';
import { migrateClickHouse } from './clickhouse-migrate.js';
import { STORE } from './clickhouse-schema.js';
import { assertReadOnlySql, errorText, leadingKeyword, mapQueryError } from './clickhouse-sql-guard.js';
import { checkedRows } from '../insert-values.js';
import { encodeInsertRow } from './clickhouse-insert.js';
import { encodeTimestamp, rowDecoder } from './clickhouse-values.js';

/** `warehouse.clickhouse`: see `ClickHouseConnectionOptions`. */
export interface ClickHouseWarehouseOptions extends ClickHouseConnectionOptions {
  /** The time of checkpoints, source versions, the event-id prune's throttle and copied checkpoints without one. @defaultValue the system clock */
  readonly clock?: { now(): number };
  /** How the loader encodes and batches events (the bench compares them). @defaultValue RowBinary, uncompressed, 100 000 rows */
  readonly bulkInsert?: BulkInsertOptions;
}

/** The ClickHouse engine, plus what it detected about its server (for tools and tests). */
export interface ClickHouseWarehouse extends Warehouse {
  readonly features: ClickHouseFeatures;
  readonly database: string;
  /** Writes rows read from another Touchline warehouse as they are (see `clickhouse-copy.ts`). */
  copyRows(table: CopyTable, rows: readonly Record<string, unknown>[], dedupWindowMs: number): Promise<void>;
}

/** The client and encoding of the loader's event inserts. */
interface BulkPath {
  readonly client: ClickHouseClient;
  readonly format: BulkFormat;
  readonly rows: number | undefined;
  readonly lines: LineReader | undefined;
}

const STREAM_CHUNK_ROWS = 2048;
/** Rows per bulk-insert request. */
const INSERT_ROWS = 50_000;
/** Statements that answer with rows (the rest run as commands on the write path). */
const RESULT_STATEMENTS = new Set(['SELECT', 'WITH', 'SHOW', 'DESC', 'DESCRIBE', 'EXISTS', 'EXPLAIN']);

/**
 * Connects to ClickHouse over HTTP, creates the database if needed and detects the server's
 * features. Tables are created by `migrate()`.
 */
export async function openClickHouseWarehouse(options: ClickHouseWarehouseOptions): Promise<ClickHouseWarehouse> {
  const database = options.database ?? 'touchline';
  const boot = newClickHouseClient(options, undefined);
  try {
    await boot.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}` });
  } catch (err) {
    throw new WarehouseError(
      `ClickHouse at ${options.url} is not reachable or refused to create database "${database}" ` +
        `(warehouse.clickhouse.url / database / username / password): ${errorText(err)}`,
      '',
      { cause: err },
    );
  } finally {
    await boot.close();
  }
  const client = newClickHouseClient(options, database);
  const bulkClient = options.bulkInsert?.compress ? newClickHouseClient(options, database, { compressRequest: true }) : client;
  const scalar = async (sql: string, params: SqlParams = {}) => {
    const rs = await client.query({ query: renderClickHouseParams(sql, params), format: 'JSONCompact' });
    const j = (await rs.json()) as { data: unknown[][] };
    return String(j.data[0]?.[0] ?? '');
  };
  const existing = await scalar(`SELECT any(type) FROM system.columns WHERE database = $database AND table = $table AND name = 'received_at'`, {
    database,
    table: STORE.events,
  });
  const features = await detectFeatures({ scalar }, existing === '' ? null : existing);
  const bulk = { client: bulkClient, format: options.bulkInsert?.format ?? BulkFormat.RowBinary, rows: options.bulkInsert?.rows, lines: options.bulkInsert?.lines };
  return new ClickHouseWarehouseImpl(client, database, features, options.clock ?? systemClock, bulk);
}

class ClickHouseWarehouseImpl implements ClickHouseWarehouse {
  readonly engine = WarehouseEngine.ClickHouse;
  readonly dialect: SqlDialect;

  constructor(
    private readonly client: ClickHouseClient,
    readonly database: string,
    readonly features: ClickHouseFeatures,
    private readonly clock: { now(): number },
    private readonly bulk: BulkPath,
  ) {
    this.dialect = clickhouseDialect(features);
  }

  private get db(): string {
    return quoteIdent(this.database);
  }

  /** Runs a statement that returns nothing; failures keep the SQL and its parameters. */
  private async command(sql: string, params?: SqlParams): Promise<void> {
    try {
      await this.client.command({ query: params ? renderClickHouseParams(sql, params) : sql });
    } catch (err) {
      throw new WarehouseError(`ClickHouse: ${errorText(err)}`, sql, { cause: err, params });
    }
  }

  /** Internal read: rows as decoded arrays. */
  private async rows(sql: string, params?: SqlParams, settings: Record<string, string> = {}): Promise<{ columns: string[]; rows: unknown[][] }> {
    try {
      const query = params ? renderClickHouseParams(sql, params) : sql;
      const rs = await this.client.query({ query, format: 'JSONCompact', clickhouse_settings: settings });
      const j = (await rs.json()) as { meta: { name: string; type: string }[]; data: unknown[][] };
      const decode = rowDecoder(j.meta, this.features.serverTimezone);
      return { columns: j.meta.map((m) => m.name), rows: j.data.map(decode) };
    } catch (err) {
      throw new WarehouseError(`ClickHouse: ${errorText(err)}`, sql, { cause: err, params });
    }
  }

  private async insert(table: string, values: readonly Record<string, unknown>[]): Promise<void> {
    if (values.length === 0) return;
    try {
      await this.client.insert({
        table: `${this.db}.${quoteIdent(table)}`,
        values: values as Record<string, unknown>[],
        format: 'JSONEachRow',
        // On a cluster the store tables are Distributed: the checkpoint may only follow rows the
        // shards hold, not rows queued on this node. A no-op for plain tables.
        clickhouse_settings: { insert_distributed_sync: 1 },
      });
    } catch (err) {
      throw new WarehouseError(`ClickHouse: insert into ${table} failed: ${errorText(err)}`, `INSERT INTO ${table}`, { cause: err });
    }
  }

  /** An encoded bulk body (see clickhouse-bulk.ts); `exec` because the client's `insert` takes no RowBinary. */
  private async insertEncoded(table: string, rows: EncodedRows): Promise<void> {
    if (rows.rows === 0) return;
    const sql = `INSERT INTO ${this.db}.${quoteIdent(table)} (${rows.columns.map(quoteIdent).join(', ')}) FORMAT ${rows.format}`;
    try {
      const r = await this.bulk.client.exec({
        query: sql,
        values: Readable.from(rows.chunks, { objectMode: false }),
        clickhouse_settings: { insert_distributed_sync: 1 },
      });
      r.stream.resume();
      await finished(r.stream);
    } catch (err) {
      throw new WarehouseError(`ClickHouse: insert into ${table} failed: ${errorText(err)}`, sql, { cause: err });
    }
  }

  /**
   * RowBinary carries no types: the bytes are read as the table's columns are typed. Checked
   * once against what this version creates; a table changed by hand gets TabSeparated, which the
   * server parses (and refuses when a value does not fit) instead of misreading.
   */
  private async bulkFormat(): Promise<BulkFormat> {
    if (this.bulk.format !== BulkFormat.RowBinary) return this.bulk.format;
    this.bulkChecked ??= this.rows(`SELECT name, type FROM system.columns WHERE database = $database AND table = $table`, {
      database: this.database,
      table: STORE.events,
    }).then((r) => {
      const actual = new Map(r.rows.map(([n, t]) => [String(n), String(t)]));
      const same = eventStoreColumns(this.features.timestamps).every((c) => actual.get(c.name) === c.type);
      return same ? BulkFormat.RowBinary : BulkFormat.TabSeparated;
    });
    return this.bulkChecked;
  }

  private bulkChecked: Promise<BulkFormat> | undefined;

  async schemaVersion(): Promise<number> {
    const r = await this.rows(`SELECT count() FROM system.tables WHERE database = $database AND name = $table`, {
      database: this.database,
      table: STORE.migrations,
    });
    if (Number(r.rows[0]?.[0] ?? 0) === 0) return 0;
    const v = await this.rows(`SELECT max(version) FROM ${this.db}.${STORE.migrations}`);
    return Number(v.rows[0]?.[0] ?? 0);
  }

  migrate(): Promise<number[]> {
    return migrateClickHouse({
      database: this.database,
      features: this.features,
      command: (sql, params) => this.command(sql, params),
      rows: (sql, params) => this.rows(sql, params),
      schemaVersion: () => this.schemaVersion(),
    });
  }

  async load(batch: LoadBatch): Promise<LoadResult> {
    const result = await this.loadOnce(batch);
    await this.pruneEventIds(batch.dedupWindowMs);
    return result;
  }

  private lastPrune = 0;

  /**
   * `event_ids` only answers "loaded within the window?": months that ended before the window
   * (counted back from the newest load) began are dropped, at most once an hour (18.x has no TTL). A replay older than that is still
   * shown once: its copies share a sorting key in `events_store`.
   */
  private async pruneEventIds(windowMs: number): Promise<void> {
    if (this.clock.now() - this.lastPrune < 3600_000) return;
    this.lastPrune = this.clock.now();
    const table = { database: this.database, table: STORE.eventIds };
    const engine = await this.rows(`SELECT any(engine) FROM system.tables WHERE database = $database AND name = $table`, table);
    if (String(engine.rows[0]?.[0] ?? '') === 'Distributed') return; // on a cluster: drop on the locals, ON CLUSTER
    // Relative to the newest load, not the wall clock: imports and tests carry older times.
    const newest = Number((await this.rows(`SELECT max(received_ms) FROM ${this.db}.${STORE.eventIds}`)).rows[0]?.[0] ?? 0);
    if (!newest) return;
    const cutoff = new Date(newest - Math.max(0, windowMs) - 86_400_000);
    const month = cutoff.getUTCFullYear() * 100 + cutoff.getUTCMonth() + 1;
    const parts = await this.rows(`SELECT DISTINCT partition FROM system.parts WHERE database = $database AND table = $table AND active`, table);
    for (const [p] of parts.rows) {
      if (/^\d{6}$/.test(String(p)) && Number(p) < month) {
        await this.command(`ALTER TABLE ${this.db}.${STORE.eventIds} DROP PARTITION ${String(p)}`);
      }
    }
  }

  private async loadOnce(batch: LoadBatch): Promise<LoadResult> {
    const format = await this.bulkFormat();
    return loadBatch({
      flavor: this.features.timestamps,
      insert: (table, rows) => this.insert(table, rows),
      insertEncoded: (table, rows) => this.insertEncoded(table, rows),
      bulk: { format, rows: this.bulk.rows ?? DEFAULT_BULK_ROWS, lines: this.bulk.lines ?? LineReader.Scan },
      loadedIds: async (ids, sinceMs) => {
        const params: Record<string, SqlValue> = { since: Math.max(0, Math.floor(sinceMs)) };
        ids.forEach((id, i) => (params[`m${i}`] = id));
        const r = await this.rows(
          `SELECT source_id, message_id FROM ${this.db}.${STORE.eventIds} ` +
            `WHERE received_ms >= $since AND message_id IN (${ids.map((_, i) => `$m${i}`).join(', ')})`,
          params,
          { max_query_size: String(64 * 1024 * 1024) },
        );
        return new Set(r.rows.map(([s, m]) => `${String(s)}\u0000${String(m)}`));
      },
      checkpoint: (collectorId, seq) =>
        this.insert(STORE.checkpoints, [
          { collector_id: collectorId, segment_seq: seq, updated_at: Math.floor(this.clock.now() / 1000) },
        ]),
    }, batch, () => new Date(this.clock.now()));
  }

  copyRows(table: CopyTable, rows: readonly Record<string, unknown>[], dedupWindowMs: number): Promise<void> {
    return copyRows({ flavor: this.features.timestamps, now: () => this.clock.now(), insert: (t, r) => this.insert(t, r) }, table, rows, dedupWindowMs);
  }

  async checkpoint(collectorId: string): Promise<number | null> {
    const r = await this.rows(`SELECT count(), max(segment_seq) FROM ${this.db}.${STORE.checkpoints} WHERE collector_id = $collector`, {
      collector: collectorId,
    });
    return Number(r.rows[0]?.[0] ?? 0) === 0 ? null : Number(r.rows[0]?.[1]);
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const { params } = options;
    const stated = trimStatement(sql);
    // 18.16 has no server-side parameters: values are rendered by the one quoting function.
    const text = params ? renderClickHouseParams(stated, params) : stated;
    const readOnly = options.readOnly !== false;
    if (readOnly) assertReadOnlySql(text);
    if (!readOnly && !RESULT_STATEMENTS.has(leadingKeyword(text))) {
      await this.command(stated, params);
      return { columns: [], rows: [] };
    }
    const max = options.maxRows;
    // The row limit is a setting, not a wrapper around the user's SQL: the server stops reading
    // once it has the rows, whatever the statement, and the SQL runs exactly as written.
    const limit: Record<string, string> = max === undefined ? {} : { max_result_rows: String(Math.max(1, Math.floor(max))), result_overflow_mode: 'break' };
    const settings = readOnly ? readSettings(this.features, limit) : limit;
    let j;
    try {
      const rs = await this.client.query({ query: text, format: 'JSONCompact', clickhouse_settings: settings });
      j = (await rs.json()) as { meta: { name: string; type: string }[]; data: unknown[][] };
    } catch (err) {
      throw mapQueryError(err, { sql: stated, params, readOnly });
    }
    const decode = rowDecoder(j.meta, this.features.serverTimezone);
    let rows = j.data.map(decode);
    if (max !== undefined) rows = rows.slice(0, Math.max(0, Math.floor(max)));
    return { columns: j.meta.map((m) => m.name), rows };
  }

  async *stream(sql: string, options: StreamOptions = {}): AsyncIterable<Record<string, unknown>[]> {
    const { params } = options;
    const stated = trimStatement(sql);
    const text = params ? renderClickHouseParams(stated, params) : stated;
    assertReadOnlySql(text);
    if (!['SELECT', 'WITH'].includes(leadingKeyword(text))) {
      const r = await this.query(text);
      yield r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
      return;
    }
    const settings = readSettings(this.features);
    let meta: { name: string; type: string }[];
    try {
      // The column types, without reading any rows: they decide how each value is converted.
      const probe = await this.client.query({ query: `SELECT * FROM (\n${text}\n) LIMIT 0`, format: 'JSONCompact', clickhouse_settings: settings });
      meta = ((await probe.json()) as { meta: { name: string; type: string }[] }).meta;
    } catch (err) {
      throw mapQueryError(err, { sql: stated, params, readOnly: true });
    }
    const decode = rowDecoder(meta, this.features.serverTimezone);
    let rs;
    try {
      rs = await this.client.query({ query: text, format: 'JSONEachRow', clickhouse_settings: settings });
    } catch (err) {
      throw mapQueryError(err, { sql: stated, params, readOnly: true });
    }
    let out: Record<string, unknown>[] = [];
    for await (const batch of rs.stream<Record<string, unknown>>()) {
      for (const r of batch) {
        const obj = r.json();
        const values = decode(meta.map((m) => obj[m.name]));
        out.push(Object.fromEntries(meta.map((m, i) => [m.name, values[i]])));
        if (out.length >= STREAM_CHUNK_ROWS) {
          yield out;
          out = [];
        }
      }
    }
    if (out.length > 0) yield out;
  }

  async listSources(): Promise<Source[]> {
    const r = await this.rows(`SELECT id, name, write_key, created_at, revoked_at FROM ${this.db}.sources ORDER BY created_at, name`);
    return r.rows.map(([id, name, writeKey, createdAt, revokedAt]) => ({
      id: String(id),
      name: String(name),
      writeKey: String(writeKey),
      createdAt: String(createdAt),
      revokedAt: revokedAt === null ? null : String(revokedAt),
    }));
  }

  private async sourceVersion(id: string): Promise<number> {
    const r = await this.rows(`SELECT max(version) FROM ${this.db}.${STORE.sources} WHERE id = $id`, { id });
    return Math.max(this.clock.now(), Number(r.rows[0]?.[0] ?? 0) + 1);
  }

  async createSource(s: Omit<Source, 'revokedAt'>): Promise<Source> {
    const flavor = this.features.timestamps;
    await this.insert(STORE.sources, [
      { id: s.id, name: s.name, write_key: s.writeKey, created_at: encodeTimestamp(s.createdAt, flavor), version: await this.sourceVersion(s.id) },
    ]);
    return { ...s, revokedAt: null };
  }

  async revokeSource(idOrName: string, at: string): Promise<Source | null> {
    const flavor = this.features.timestamps;
    const found = (await this.listSources()).find((x) => (x.id === idOrName || x.name === idOrName) && x.revokedAt === null);
    if (found) {
      await this.insert(STORE.sources, [
        {
          id: found.id,
          name: found.name,
          write_key: found.writeKey,
          created_at: encodeTimestamp(found.createdAt, flavor),
          revoked_at: encodeTimestamp(at, flavor),
          version: await this.sourceVersion(found.id),
        },
      ]);
    }
    return (await this.listSources()).find((x) => x.id === idOrName || x.name === idOrName) ?? null;
  }

  async sourceStats(): Promise<SourceStats[]> {
    const [events, failed, sources] = await Promise.all([
      this.rows(`SELECT source_id, count(), max(received_at) FROM ${this.db}.events GROUP BY source_id`),
      this.rows(`SELECT source_id, count() FROM ${this.db}.failed_events GROUP BY source_id`),
      this.rows(`SELECT id FROM ${this.db}.sources`),
    ]);
    const stats = new Map<string | null, { events: number; failed: number; last: string | null }>();
    const at = (id: unknown) => {
      const key = id === null ? null : String(id);
      let s = stats.get(key);
      if (!s) stats.set(key, (s = { events: 0, failed: 0, last: null }));
      return s;
    };
    for (const [id, n, last] of events.rows) Object.assign(at(id), { events: Number(n), last: last === null ? null : String(last) });
    for (const [id, n] of failed.rows) at(id).failed = Number(n);
    for (const [id] of sources.rows) at(id);
    return [...stats.entries()]
      .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0))
      .map(([id, s]) => ({ sourceId: id ?? '(unknown)', events: s.events, failedEvents: s.failed, lastReceivedAt: s.last }));
  }

  /** JSONEachRow bodies of up to INSERT_ROWS rows, each value encoded for its column type. */
  async insertRows(table: string, columns: readonly InsertColumn[], rows: Iterable<readonly SqlValue[]>): Promise<number> {
    let n = 0;
    let part: Record<string, unknown>[] = [];
    for (const row of checkedRows(table, columns, rows)) {
      part.push(encodeInsertRow(table, columns, row, n++, this.features.timestamps));
      if (part.length >= INSERT_ROWS) {
        await this.insert(table, part);
        part = [];
      }
    }
    await this.insert(table, part);
    return n;
  }

  /** No transactions in ClickHouse: the statements run in order, each on its own. */
  transaction<T>(work: (tx: WarehouseTransaction) => Promise<T>): Promise<T> {
    return work({
      run: (sql, params) => this.query(sql, { readOnly: false, ...(params ? { params } : {}) }),
      insertRows: (table, columns, rows) => this.insertRows(table, columns, rows),
    });
  }

  async close(): Promise<void> {
    if (this.bulk.client !== this.client) await this.bulk.client.close();
    await this.client.close();
  }
}
