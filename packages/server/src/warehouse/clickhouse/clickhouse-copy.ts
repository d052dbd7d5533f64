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
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
}

const MAX_VERSION = Number.MAX_SAFE_INTEGER;
const ms = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : NaN);

/** One table's rows into ClickHouse (`touchline migrate-to`): a switch with one short case per table, long as a list is. */
export async function copyRows(
  port: CopyPort,
  table: CopyTable,
  rows: readonly Record<string, unknown>[],
  dedupWindowMs: number,
): Promise<void> {
  const f = port.flavor;
  switch (table) {
    case 'events': {
      const w = Math.max(0, Math.floor(dedupWindowMs));
      const out = rows.map((r) => {
        const row = encodeRow(r, EVENT_COLUMNS, f);
        const received = ms(r['received_at']);
        row['dedup_bucket'] = w > 0 ? Math.floor(received / w) * w : received;
        return row;
      });
      await port.insert(STORE.events, out);
      await port.insert(
        STORE.eventIds,
        rows.map((r) => ({ message_id: r['message_id'] ?? '', source_id: r['source_id'] ?? '', received_ms: ms(r['received_at']) })),
      );
      return;
    }
    case 'failed_events':
      return port.insert(
        STORE.failed,
        rows.map((r) => ({
          ...encodeRow(r, FAILED_EVENT_COLUMNS, f),
          row_key: createHash('sha1').update(JSON.stringify(r)).digest('hex'),
          received_ms: Number.isFinite(ms(r['received_at'])) ? ms(r['received_at']) : 0,
        })),
      );
    case 'identities':
      return port.insert(
        STORE.identities,
        rows.map((r) => {
          const row = encodeRow(r, IDENTITY_COLUMNS, f);
          for (const k of IDENTITY_KEY_COLUMNS) row[k] = row[k] ?? '';
          const seen = Number.isFinite(ms(r['first_seen'])) ? ms(r['first_seen']) : 0;
          return { ...row, first_seen_ms: seen, version: MAX_VERSION - seen };
        }),
      );
    case 'sources':
      return port.insert(
        STORE.sources,
        rows.map((r) => ({
          id: r['id'],
          name: r['name'],
          write_key: r['write_key'],
          created_at: encodeTimestamp(r['created_at'], f),
          revoked_at: r['revoked_at'] === null ? null : encodeTimestamp(r['revoked_at'], f),
          version: r['revoked_at'] === null ? 1 : 2,
        })),
      );
    case 'loader_checkpoints':
      return port.insert(
        STORE.checkpoints,
        rows.map((r) => ({
          collector_id: r['collector_id'],
          segment_seq: r['segment_seq'],
          updated_at: Math.floor((Number.isFinite(ms(r['updated_at'])) ? ms(r['updated_at']) : Date.now()) / 1000),
        })),
      );
  }
}
