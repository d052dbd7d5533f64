import { inspect } from 'node:util';
import type { SqlDialect } from './dialect/dialect.js';
import { maskParams, scrubParams, type SqlParams, type SqlValue } from './dialect/sql-value.js';
import type { WarehouseEngine } from './engine.js';
import type { ColumnType } from './schema.js';

export type { SqlDialect } from './dialect/dialect.js';
export type { SqlParams, SqlValue, Statement } from './dialect/sql-value.js';

/**
 * The warehouse port. DuckDB (embedded, the default) and ClickHouse (scale-out) implement it, and
 * one conformance suite (`test/warehouse-conformance.ts`) runs against both. Everything above this
 * layer (loader, CLI, attribution, activation) talks to this interface only.
 */
export { WarehouseEngine } from './engine.js';

/** A batch of sealed spool segments to move into the warehouse, with the checkpoint it reaches. */
export interface LoadBatch {
  /** Spool that produced the rows (one per collector process / data dir). */
  readonly collectorId: string;
  /**
   * The batch's rows, one JSON `SpoolRow` per string, in spool order, in chunks of bounded size.
   * Every call reads them again from the start (a load that must retry part of a batch may).
   */
  rows(): AsyncIterable<readonly string[]>;
  /** Sequence number of the last segment: the checkpoint once this batch is committed. */
  readonly lastSeq: number;
  /** Events whose (source_id, message_id) was loaded within this window are dropped as duplicates. */
  readonly dedupWindowMs: number;
}

/** A batch over rows held in memory (imports, tests). */
export function batchOfRows(
  rows: readonly string[],
  batch: { readonly collectorId: string; readonly lastSeq: number; readonly dedupWindowMs: number },
): LoadBatch {
  return {
    ...batch,
    async *rows() {
      yield rows;
    },
  };
}

export interface LoadResult {
  readonly events: number;
  readonly duplicates: number;
  readonly failed: number;
  /** Lines the warehouse could not load, quarantined into failed_events with the database's reason. */
  readonly unloadable: number;
  /**
   * What went wrong after the batch committed (a staging table left behind…): the load stands,
   * the loader logs each line.
   */
  readonly warnings?: readonly string[];
}

export interface QueryResult {
  readonly columns: readonly string[];
  /** Rows as JSON-safe values: timestamps as ISO strings, big integers as numbers when safe. */
  readonly rows: readonly (readonly unknown[])[];
}

export interface QueryOptions extends StreamOptions {
  /** Refuse anything but reads (the `touchline sql` path). @defaultValue true */
  readonly readOnly?: boolean;
  /** Stop after this many rows. */
  readonly maxRows?: number;
}

export interface StreamOptions {
  /**
   * Values of the statement's `$name` placeholders: every value from events, configuration or
   * input travels here, never in the text. DuckDB binds them; ClickHouse, which has no server-side
   * parameters on 18.16, renders each through its one quoting function. Each placeholder needs a
   * value and each value a placeholder.
   * @example `query('SELECT count(*) FROM events WHERE event = $name', { params: { name } })`
   */
  readonly params?: SqlParams;
}

/** A column of a bulk insert: its name and how its values are typed (schema.ts). */
export interface InsertColumn {
  readonly name: string;
  readonly type: ColumnType;
}

export interface InsertOptions {
  /**
   * A row replaces the row with the same primary key (DuckDB `INSERT OR REPLACE`). ClickHouse
   * tables that take such rows are ReplacingMergeTree, where the newest version wins on read, so
   * nothing changes there. @defaultValue false
   */
  readonly upsert?: boolean;
}

/**
 * Statements that commit together: DuckDB runs them in one transaction on one connection (so a
 * TEMP table lives through it); ClickHouse has no transactions and runs them one after another,
 * in order, which its callers are written for.
 */
export interface WarehouseTransaction {
  /** Runs one statement of any kind, with its parameters. */
  run(sql: string, params?: SqlParams): Promise<QueryResult>;
  insertRows(table: string, columns: readonly InsertColumn[], rows: Iterable<readonly SqlValue[]>, options?: InsertOptions): Promise<number>;
}

export interface Source {
  readonly id: string;
  readonly name: string;
  readonly writeKey: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface SourceStats {
  readonly sourceId: string;
  readonly events: number;
  readonly failedEvents: number;
  readonly lastReceivedAt: string | null;
}

export interface Warehouse {
  readonly engine: WarehouseEngine;
  /** How this warehouse spells SQL (ClickHouse's: for the features its server has). */
  readonly dialect: SqlDialect;
  /** Applies pending schema migrations; returns the versions applied now. */
  migrate(): Promise<number[]>;
  /** Current schema version. */
  schemaVersion(): Promise<number>;

  /** Loads a batch and records its checkpoint, atomically where the engine allows it. */
  load(batch: LoadBatch): Promise<LoadResult>;
  /** Last loaded segment sequence of a spool, or null if nothing was loaded yet. */
  checkpoint(collectorId: string): Promise<number | null>;

  /**
   * Runs SQL. Unless `readOnly: false` (Touchline's own writes), one read statement only, run where
   * it cannot write, change settings, load extensions or reach files, URLs or other servers (DuckDB:
   * a locked instance without file access and a read-only transaction; ClickHouse: `readonly=1`),
   * after a statement check that refuses the rest with a `QueryRefusedError` saying why.
   */
  query(sql: string, options?: QueryOptions): Promise<QueryResult>;
  /** Streams a read query in chunks of row objects, with bounded memory (read-only, as `query`). */
  stream(sql: string, options?: StreamOptions): AsyncIterable<Record<string, unknown>[]>;
  /**
   * Writes rows in bulk, typed by `columns` (DuckDB's appender; ClickHouse a JSONEachRow body):
   * no statement text is built from the values. Returns the rows written.
   */
  insertRows(table: string, columns: readonly InsertColumn[], rows: Iterable<readonly SqlValue[]>, options?: InsertOptions): Promise<number>;
  /** Runs `work` as one transaction where the engine has them (see {@link WarehouseTransaction}). */
  transaction<T>(work: (tx: WarehouseTransaction) => Promise<T>): Promise<T>;

  listSources(): Promise<Source[]>;
  createSource(source: Omit<Source, 'revokedAt'>): Promise<Source>;
  revokeSource(idOrName: string, at: string): Promise<Source | null>;
  sourceStats(): Promise<SourceStats[]>;

  close(): Promise<void>;
}

/** A query was refused before it ran (not a read, bad SQL): the message says why. */
export class QueryRefusedError extends Error {
  override readonly name = 'QueryRefusedError';
}

/**
 * A statement failed in the engine. Keeps the SQL and its parameters for whoever handles it
 * (drizzle's style); when the error is logged or printed, the parameters show as names and
 * kinds only, since their values are event data, and an engine message quoting a value names
 * the parameter instead (`<$p3>`). The engine's own error stays in `cause`.
 */
export class WarehouseError extends Error {
  override readonly name = 'WarehouseError';
  declare readonly params: SqlParams | undefined;
  constructor(
    message: string,
    readonly sql: string,
    options?: { cause?: unknown; params?: SqlParams | undefined },
  ) {
    super(scrubParams(message, options?.params), options?.cause === undefined ? undefined : { cause: options.cause });
    // Not enumerable: loggers that walk an error's own keys see the masked form below.
    Object.defineProperty(this, 'params', { value: options?.params, enumerable: false });
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, sql: this.sql, params: maskParams(this.params) };
  }

  [inspect.custom](): string {
    return `${this.stack ?? `${this.name}: ${this.message}`}\n  sql: ${this.sql}\n  params: ${inspect(maskParams(this.params))}`;
  }
}
