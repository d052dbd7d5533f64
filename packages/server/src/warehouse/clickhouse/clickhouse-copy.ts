import { createHash } from 'node:crypto';
import { EVENT_COLUMNS, FAILED_EVENT_COLUMNS, IDENTITY_COLUMNS } from '../schema.js';
import type { TimestampFlavor } from './clickhouse-features.js';
import { IDENTITY_KEY_COLUMNS, STORE } from './clickhouse-schema.js';
import { encodeRow, encodeTimestamp } from './clickhouse-values.js';

/**
 * Rows copied as they are from another Touchline warehouse (`touchline migrate --to clickhouse`):
 * already deduplicated, so nothing is dropped, and shaped for the store tables. Copying the same
 * rows twice changes nothing a query can see: every store table collapses identical keys.
 */
export const COPY_TABLES = ['sources', 'loader_checkpoints', 'identities', 'failed_events', 'events'] as const;
export type CopyTable = (typeof COPY_TABLES)[number];

export interface CopyPort {
  readonly flavor: TimestampFlavor;
  /** The warehouse clock's time (epoch ms): a checkpoint row copied without its time is stamped with it. */
  now(): number;
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
}

const MAX_VERSION = Number.MAX_SAFE_INTEGER;
const ms = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : NaN);

type Rows = readonly Record<string, unknown>[];
/** What one table's copy needs: the port, the rows, and the events' dedup window. */
type CopyStep = (port: CopyPort, rows: Rows, dedupWindowMs: number) => Promise<void>;

/** Events with their dedup bucket, and the ids the dedup looks up. */
async function copyEvents(port: CopyPort, rows: Rows, dedupWindowMs: number): Promise<void> {
  const w = Math.max(0, Math.floor(dedupWindowMs));
  const out = rows.map((r) => {
    const row = encodeRow(r, EVENT_COLUMNS, port.flavor);
    const received = ms(r['received_at']);
    row['dedup_bucket'] = w > 0 ? Math.floor(received / w) * w : received;
    return row;
  });
  await port.insert(STORE.events, out);
  await port.insert(
    STORE.eventIds,
    rows.map((r) => ({ message_id: r['message_id'] ?? '', source_id: r['source_id'] ?? '', received_ms: ms(r['received_at']) })),
  );
}

/** Failed events, keyed by a hash of the whole row: the same row copied twice collapses to one. */
const copyFailed: CopyStep = (port, rows) =>
  port.insert(
    STORE.failed,
    rows.map((r) => ({
      ...encodeRow(r, FAILED_EVENT_COLUMNS, port.flavor),
      row_key: createHash('sha1').update(JSON.stringify(r)).digest('hex'),
      received_ms: Number.isFinite(ms(r['received_at'])) ? ms(r['received_at']) : 0,
    })),
  );

/** Identity links: the earliest first_seen wins, so its version is the highest. */
const copyIdentities: CopyStep = (port, rows) =>
  port.insert(
    STORE.identities,
    rows.map((r) => {
      const row = encodeRow(r, IDENTITY_COLUMNS, port.flavor);
      for (const k of IDENTITY_KEY_COLUMNS) row[k] = row[k] ?? '';
      const seen = Number.isFinite(ms(r['first_seen'])) ? ms(r['first_seen']) : 0;
      return { ...row, first_seen_ms: seen, version: MAX_VERSION - seen };
    }),
  );

/** Sources: a revoked one is version 2, so it replaces the live row it revokes. */
const copySources: CopyStep = (port, rows) =>
  port.insert(
    STORE.sources,
    rows.map((r) => ({
      id: r['id'],
      name: r['name'],
      write_key: r['write_key'],
      created_at: encodeTimestamp(r['created_at'], port.flavor),
      revoked_at: r['revoked_at'] === null ? null : encodeTimestamp(r['revoked_at'], port.flavor),
      version: r['revoked_at'] === null ? 1 : 2,
    })),
  );

/** Loader checkpoints, in whole seconds; a row without a time is stamped with the copy's time. */
const copyCheckpoints: CopyStep = (port, rows) =>
  port.insert(
    STORE.checkpoints,
    rows.map((r) => ({
      collector_id: r['collector_id'],
      segment_seq: r['segment_seq'],
      updated_at: Math.floor((Number.isFinite(ms(r['updated_at'])) ? ms(r['updated_at']) : port.now()) / 1000),
    })),
  );

const COPY_STEPS: Record<CopyTable, CopyStep> = {
  events: copyEvents,
  failed_events: copyFailed,
  identities: copyIdentities,
  sources: copySources,
  loader_checkpoints: copyCheckpoints,
};

/** One table's rows into ClickHouse (`touchline migrate-to`), shaped by that table's step above. */
export function copyRows(port: CopyPort, table: CopyTable, rows: Rows, dedupWindowMs: number): Promise<void> {
  return COPY_STEPS[table](port, rows, dedupWindowMs);
}
