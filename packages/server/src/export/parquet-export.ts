import { DuckDBInstance } from '@duckdb/node-api';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColumnType, EVENT_COLUMNS, FAILED_EVENT_COLUMNS, IDENTITY_COLUMNS, type Column } from '../warehouse/schema.js';
import { duckdbLiteral, duckdbQuoteIdent } from '../warehouse/dialect/duckdb-dialect.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/**
 * Lake export: warehouse rows as Parquet files partitioned by day (`<out>/<table>/dt=YYYY-MM-DD/`),
 * the layout Snowflake, BigQuery, Databricks and ClickHouse all load directly. It works from
 * either engine the same way: rows are streamed out of the warehouse (bounded memory) and written
 * by DuckDB in-process, which every Touchline install already has, so even a ClickHouse 18.x
 * without `FORMAT Parquet` exports typed Parquet.
 */
export const EXPORT_TABLES = {
  events: { columns: EVENT_COLUMNS, time: 'timestamp' },
  failed_events: { columns: FAILED_EVENT_COLUMNS, time: 'received_at' },
  identities: { columns: IDENTITY_COLUMNS, time: 'first_seen' },
} as const satisfies Record<string, { columns: readonly Column[]; time: string }>;
export type ExportTable = keyof typeof EXPORT_TABLES;

export interface ExportOptions {
  readonly table: ExportTable;
  /** First day exported (UTC, `YYYY-MM-DD`), inclusive. */
  readonly since: string;
  /** Day after the last one exported (UTC, `YYYY-MM-DD`), exclusive. */
  readonly until: string;
  readonly outDir: string;
  /** Called after each day with the rows written so far and the total to write. */
  readonly onProgress?: (done: number, total: number, day: string) => void;
}

export interface ExportedFile {
  readonly day: string;
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PARQUET_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMPTZ',
  bool: 'BOOLEAN',
  int: 'BIGINT',
  json: 'VARCHAR',
};

function days(since: string, until: string): string[] {
  for (const [name, v] of [['--since', since], ['--until', until]] as const) {
    if (!DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new Error(`${name} must be a day, YYYY-MM-DD (got "${v}")`);
  }
  const out: string[] = [];
  for (let t = Date.parse(`${since}T00:00:00Z`); t < Date.parse(`${until}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  if (out.length === 0) throw new Error(`--until (${until}) must be after --since (${since})`);
  return out;
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** Writes one Parquet file per day that has rows; returns them. */
export async function exportParquet(warehouse: Warehouse, options: ExportOptions): Promise<ExportedFile[]> {
  const spec = EXPORT_TABLES[options.table];
  if (!spec) throw new Error(`--table must be one of ${Object.keys(EXPORT_TABLES).join(', ')}`);
  const list = days(options.since, options.until);
  const q = (name: string) => warehouse.dialect.quoteIdent(name);
  const time = q(spec.time);
  const cols = spec.columns.map((c) => q(c.name)).join(', ');
  // Days (from --since / --until) are bound; day text compares correctly with every timestamp
  // representation (see docs/clickhouse.md).
  const range = `${time} >= $from AND ${time} < $to`;
  const between = (from: string, to: string) => ({ params: { from, to } });
  const totalResult = await warehouse.query(`SELECT count(*) FROM ${q(options.table)} WHERE ${range}`, between(list[0]!, nextDay(list[list.length - 1]!)));
  const total = Number(totalResult.rows[0]?.[0] ?? 0);

  const tmp = await mkdtemp(join(tmpdir(), 'touchline-export-'));
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  const files: ExportedFile[] = [];
  let done = 0;
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    // The export's own DuckDB: file paths (from --out) cannot be parameters of COPY, so they go
    // through DuckDB's one quoting function; a NUL byte has no place in a path.
    const path = (p: string) => {
      if (p.includes('\0')) throw new RangeError('--out: the path holds a NUL byte');
      return duckdbLiteral(p);
    };
    const readColumns = `{${spec.columns.map((c) => `${duckdbLiteral(c.name)}: ${duckdbLiteral(PARQUET_TYPES[c.type])}`).join(', ')}}`;
    for (const day of list) {
      const ndjson = join(tmp, `${day}.ndjson`);
      const sink = createWriteStream(ndjson);
      let rows = 0;
      for await (const chunk of warehouse.stream(`SELECT ${cols} FROM ${q(options.table)} WHERE ${range}`, between(day, nextDay(day)))) {
        const text = chunk.map((r) => JSON.stringify(r)).join('\n') + '\n';
        if (!sink.write(text)) await once(sink, 'drain');
        rows += chunk.length;
      }
      sink.end();
      await once(sink, 'finish');
      if (rows > 0) {
        const dir = join(options.outDir, options.table, `dt=${day}`);
        await mkdir(dir, { recursive: true });
        const file = join(dir, `${options.table}-${day}.parquet`);
        await conn.run(
          `COPY (SELECT * FROM read_json(${path(ndjson)}, format = 'newline_delimited', columns = ${readColumns}, ` +
            `maximum_object_size = 67108864) ORDER BY ${duckdbQuoteIdent(spec.time)}) TO ${path(file)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        files.push({ day, path: file, rows, bytes: (await stat(file)).size });
      }
      await rm(ndjson, { force: true });
      done += rows;
      options.onProgress?.(done, total, day);
    }
  } finally {
    conn.closeSync();
    duck.closeSync();
    await rm(tmp, { recursive: true, force: true });
  }
  return files;
}
