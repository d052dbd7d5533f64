/**
 * The warehouse port. DuckDB (embedded, the default) and ClickHouse (scale-out) implement it, and
 * one conformance suite (`test/warehouse-conformance.ts`) runs against both. Everything above this
 * layer (loader, CLI, attribution, activation) talks to this interface only.
 */
export const WarehouseEngine = { DuckDB: 'duckdb', ClickHouse: 'clickhouse' } as const;
export type WarehouseEngine = (typeof WarehouseEngine)[keyof typeof WarehouseEngine];

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
}

export interface QueryResult {
  readonly columns: readonly string[];
  /** Rows as JSON-safe values: timestamps as ISO strings, big integers as numbers when safe. */
  readonly rows: readonly (readonly unknown[])[];
}

export interface QueryOptions {
  /** Refuse anything but reads (the `touchline sql` path). @defaultValue true */
  readonly readOnly?: boolean;
  /** Stop after this many rows. */
  readonly maxRows?: number;
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
  stream(sql: string): AsyncIterable<Record<string, unknown>[]>;

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

/** A statement failed in the engine; keeps the SQL for the error report. */
export class WarehouseError extends Error {
  override readonly name = 'WarehouseError';
  constructor(
    message: string,
    readonly sql: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
