import { EVENT_COLUMNS } from '../schema.js';
import { BulkFormat, LineReader, type BulkColumn, type BulkRow } from './clickhouse-bulk.js';
import type { TimestampFlavor } from './clickhouse-features.js';
import { scanEventLine } from './clickhouse-event-scan.js';
import { ByteSink, valueWriter, type Write } from './clickhouse-row-binary.js';
import { encodeValue } from './clickhouse-values.js';

/**
 * A chunk's event rows between reading and sending. A spooled event line is read into one value
 * per column of `EVENT_COLUMNS` (by the scanner, or from JSON.parse's object when the scanner
 * declines), checked and encoded by `encodeValue` in column order, and staged: for RowBinary as
 * the row's bytes in one buffer per chunk (a row is copied into the body only once it is known
 * not to be a duplicate), for the text formats as the row object the encoder writes.
 */
export interface EventRows {
  /** The values of the line last read, by column. */
  readonly values: unknown[];
  /** Reads an event line with the scanner; `false` when it declines (read the line with `fromObject`). */
  scan(text: string): boolean;
  /** Takes the values from a JSON.parse'd line. */
  fromObject(line: Record<string, unknown>): void;
  /** Encodes `values` plus the dedup bucket; throws `UnloadableValueError` for a value the table cannot hold. */
  stage(bucket: number): StagedRow;
  /** The staged row as the bulk encoder takes it (RowBinary bytes are valid until `reset`). */
  row(staged: StagedRow): BulkRow;
  /** Starts a new chunk. */
  reset(): void;
}

/** Where a staged RowBinary row lies in the chunk's buffer, or the row object for a text format. */
export type StagedRow = { readonly from: number; readonly to: number } | Record<string, unknown>;

/** The column indexes the loader reads back from `values`. */
export const EventColumn = Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c.name, i])) as Readonly<Record<string, number>>;

const NAMES: readonly string[] = EVENT_COLUMNS.map((c) => c.name);
const INDEX: ReadonlyMap<string, number> = new Map(NAMES.map((name, i) => [name, i]));

export function eventRows(format: BulkFormat, columns: readonly BulkColumn[], flavor: TimestampFlavor, lines: LineReader = LineReader.Scan): EventRows {
  const values: unknown[] = new Array(EVENT_COLUMNS.length).fill(undefined);
  const common = {
    values,
    scan: lines === LineReader.Scan ? (text: string) => scanEventLine(text, NAMES, INDEX, values) : () => false,
    fromObject(line: Record<string, unknown>) {
      for (let i = 0; i < EVENT_COLUMNS.length; i++) values[i] = line[EVENT_COLUMNS[i]!.name];
    },
  };
  if (format !== BulkFormat.RowBinary) return { ...common, ...objectStage(values, flavor) };
  return { ...common, ...binaryStage(values, columns, flavor) };
}

/** Text formats: the row object `encodeRow` gave, plus `dedup_bucket`. */
function objectStage(values: readonly unknown[], flavor: TimestampFlavor): Pick<EventRows, 'stage' | 'row' | 'reset'> {
  return {
    stage(bucket) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < EVENT_COLUMNS.length; i++) {
        const v = values[i];
        if (v !== undefined && v !== null) row[EVENT_COLUMNS[i]!.name] = encodeValue(EVENT_COLUMNS[i]!, v, flavor);
      }
      row['dedup_bucket'] = bucket;
      return row;
    },
    row: (staged) => staged as Record<string, unknown>,
    reset() {},
  };
}

/** RowBinary: every value checked first (a refused line leaves no bytes behind), then written. */
function binaryStage(values: readonly unknown[], columns: readonly BulkColumn[], flavor: TimestampFlavor): Pick<EventRows, 'stage' | 'row' | 'reset'> {
  if (columns.length !== EVENT_COLUMNS.length + 1 || EVENT_COLUMNS.some((c, i) => columns[i]!.name !== c.name)) {
    throw new Error('RowBinary: the bulk columns are not the event columns plus dedup_bucket');
  }
  const writers: Write[] = columns.map((c) => valueWriter(c.type));
  const encoded: unknown[] = new Array(EVENT_COLUMNS.length).fill(null);
  const sink = new ByteSink();
  return {
    stage(bucket) {
      for (let i = 0; i < EVENT_COLUMNS.length; i++) {
        const v = values[i];
        encoded[i] = v === undefined || v === null ? null : encodeValue(EVENT_COLUMNS[i]!, v, flavor);
      }
      const from = sink.pos;
      for (let i = 0; i < encoded.length; i++) writers[i]!(sink, encoded[i]);
      writers[encoded.length]!(sink, bucket);
      return { from, to: sink.pos };
    },
    row(staged) {
      const { from, to } = staged as { from: number; to: number };
      return sink.slice(from, to);
    },
    reset: () => sink.reset(),
  };
}
