import { createHash } from 'node:crypto';
import { EVENT_COLUMNS, FAILED_EVENT_COLUMNS } from '../schema.js';
import type { LoadBatch, LoadResult } from '../warehouse.js';
import { BulkFormat, rowsEncoder, type BulkColumn, type EncodedRows, type RowsEncoder } from './clickhouse-bulk.js';
import type { TimestampFlavor } from './clickhouse-features.js';
import { EVENT_KEY_COLUMNS, STORE, columnType } from './clickhouse-schema.js';
import { UnloadableValueError, encodeRow, encodeTimestamp } from './clickhouse-values.js';

/**
 * Loading sealed spool segments into ClickHouse. There are no transactions, so the order of the
 * writes is what makes a crash harmless: events before their ids in `event_ids`, identity links
 * and quarantined rows (both idempotent) as they come, and the checkpoint last. A crash anywhere before the
 * checkpoint replays the batch; the replayed events are found in `event_ids` and dropped, and any
 * that slipped through (crash between the first two writes) have the same sorting key as their
 * first copy, so the `events` view (FINAL) shows them once.
 *
 * Dedup semantics, the same as DuckDB's: an event whose (source_id, message_id) was loaded with a
 * `received_at` no earlier than the batch's earliest minus the window is a duplicate; a re-send
 * outside the window is kept as a new row. Two collectors loading the same message at the same
 * moment cannot see each other's insert, but their copies share the key (actor, window bucket,
 * source, message), so the view collapses them too.
 */
export interface LoadPort {
  readonly flavor: TimestampFlavor;
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Sends an encoded bulk body (the path for events). */
  insertEncoded(table: string, rows: EncodedRows): Promise<void>;
  /** How events are encoded, and how many go in one INSERT. @defaultValue RowBinary, 100 000 */
  readonly bulk?: { readonly format: BulkFormat; readonly rows: number };
  /** (source_id, message_id) pairs in `event_ids` among these message ids, received at or after `sinceMs`. */
  loadedIds(messageIds: readonly string[], sinceMs: number): Promise<Set<string>>;
  checkpoint(collectorId: string, seq: number): Promise<void>;
}

/** Lines parsed and checked against `event_ids` at a time: bounds memory and the lookup's size. */
const CHUNK_LINES = 10_000;
/**
 * Events written per INSERT. Each INSERT makes a part (a few hundred files for this wide table),
 * so fewer, larger inserts are much faster; pending rows are kept encoded (compact bytes).
 */
export const DEFAULT_BULK_ROWS = 100_000;
const EVENT_PREFIX = '{"kind":"event"';
const MAX_VERSION = Number.MAX_SAFE_INTEGER;

const idKey = (sourceId: string, messageId: string) => `${sourceId}\u0000${messageId}`;
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

interface Totals {
  events: number;
  duplicates: number;
  failed: number;
  unloadable: number;
}

/** `events_store`'s columns with their types for this server, in insert order. */
export function eventStoreColumns(flavor: TimestampFlavor): BulkColumn[] {
  const features = { timestamps: flavor };
  return [
    ...EVENT_COLUMNS.map((c) => ({ name: c.name, type: columnType(c, features, !EVENT_KEY_COLUMNS.has(c.name)) })),
    { name: 'dedup_bucket', type: 'UInt64' },
  ];
}

/** Events accepted but not yet written; written events first, then their ids (see above). */
class PendingEvents {
  private readonly encoder: RowsEncoder;
  private readonly maxRows: number;
  ids: Record<string, unknown>[] = [];

  constructor(private readonly port: LoadPort) {
    this.encoder = rowsEncoder(port.bulk?.format ?? BulkFormat.RowBinary, eventStoreColumns(port.flavor));
    this.maxRows = port.bulk?.rows ?? DEFAULT_BULK_ROWS;
  }

  add(row: Record<string, unknown>, id: Record<string, unknown>): void {
    this.encoder.add(row);
    this.ids.push(id);
  }

  async flush(force: boolean): Promise<void> {
    if (this.encoder.rows === 0 || (!force && this.encoder.rows < this.maxRows)) return;
    const ids = this.ids;
    this.ids = [];
    await this.port.insertEncoded(STORE.events, this.encoder.take());
    await this.port.insert(STORE.eventIds, ids);
  }
}

export async function loadBatch(port: LoadPort, batch: LoadBatch, now: () => Date = () => new Date()): Promise<LoadResult> {
  const totals: Totals = { events: 0, duplicates: 0, failed: 0, unloadable: 0 };
  const seen = new Set<string>();
  const windowMs = Math.max(0, Math.floor(batch.dedupWindowMs));
  const pending = new PendingEvents(port);
  let chunk: string[] = [];
  for await (const rows of batch.rows()) {
    for (const line of rows) {
      if (!line) continue;
      chunk.push(line);
      if (chunk.length >= CHUNK_LINES) {
        await loadChunk(port, chunk, windowMs, seen, totals, now, pending);
        await pending.flush(false);
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) await loadChunk(port, chunk, windowMs, seen, totals, now, pending);
  await pending.flush(true);
  await port.checkpoint(batch.collectorId, batch.lastSeq);
  return totals;
}

interface Candidate {
  readonly key: string;
  readonly receivedMs: number;
  readonly row: Record<string, unknown>;
  readonly line: Record<string, unknown>;
}

interface Classified {
  readonly candidates: Map<string, Candidate>;
  readonly events: Record<string, unknown>[];
  readonly failed: Record<string, unknown>[];
  readonly unloadable: { line: string; reason: string }[];
  /** Event lines that could be loaded (kept or duplicate). */
  eventLines: number;
}

/** Parses and encodes a chunk's lines: event candidates (earliest copy per id), quarantine rows, unloadables. */
function classify(lines: readonly string[], windowMs: number, flavor: TimestampFlavor, now: () => Date): Classified {
  const out: Classified = { candidates: new Map(), events: [], failed: [], unloadable: [], eventLines: 0 };
  for (const text of lines) {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      out.unloadable.push({ line: text, reason: `not JSON (${(err as Error).message})` });
      continue;
    }
    try {
      if (text.startsWith(EVENT_PREFIX) || line['kind'] === 'event') {
        const receivedMs = Date.parse(String(line['received_at']));
        if (!Number.isFinite(receivedMs)) throw new UnloadableValueError('received_at is missing or not a timestamp');
        const row = encodeRow(line, EVENT_COLUMNS, flavor);
        row['dedup_bucket'] = windowMs > 0 ? Math.floor(receivedMs / windowMs) * windowMs : receivedMs;
        out.eventLines++;
        out.events.push(line);
        const key = idKey(String(line['source_id'] ?? ''), String(line['message_id'] ?? ''));
        const prev = out.candidates.get(key);
        // Inside one batch the earliest received copy wins, as in DuckDB.
        if (!prev || receivedMs < prev.receivedMs) out.candidates.set(key, { key, receivedMs, row, line });
      } else {
        const row = encodeRow(line, FAILED_EVENT_COLUMNS, flavor);
        const receivedMs = Date.parse(String(line['received_at']));
        row['row_key'] = sha1(text);
        row['received_ms'] = Number.isFinite(receivedMs) ? receivedMs : now().getTime();
        out.failed.push(row);
      }
    } catch (err) {
      if (!(err instanceof UnloadableValueError)) throw err;
      out.unloadable.push({ line: text, reason: err.message });
    }
  }
  return out;
}

async function loadChunk(
  port: LoadPort,
  lines: readonly string[],
  windowMs: number,
  seen: Set<string>,
  totals: Totals,
  now: () => Date,
  pending: PendingEvents,
): Promise<void> {
  const flavor = port.flavor;
  const { candidates, events: parsedEvents, failed, unloadable, eventLines } = classify(lines, windowMs, flavor, now);

  // Duplicates of rows loaded earlier (this batch, or within the window before it).
  const fresh = [...candidates.values()].filter((c) => !seen.has(c.key));
  let kept = 0;
  if (fresh.length > 0) {
    const since = Math.min(...fresh.map((c) => c.receivedMs)) - windowMs;
    const ids = [...new Set(fresh.map((c) => String(c.line['message_id'] ?? '')))];
    const loaded = await port.loadedIds(ids, since);
    const keep = fresh.filter((c) => !loaded.has(c.key));
    for (const c of keep) {
      pending.add(c.row, { message_id: c.line['message_id'] ?? '', source_id: c.line['source_id'] ?? '', received_ms: c.receivedMs });
    }
    for (const c of fresh) seen.add(c.key);
    kept = keep.length;
  }
  totals.events += kept;
  totals.duplicates += eventLines - kept;

  const links = identityLinks(parsedEvents, flavor);
  if (links.length > 0) await port.insert(STORE.identities, links);

  for (const u of unloadable) {
    failed.push({
      received_at: encodeTimestamp(now().getTime(), flavor),
      reason: `the warehouse could not load this spooled row: ${u.reason}`,
      raw: u.line,
      row_key: sha1(`unloadable\u0000${u.line}`),
      received_ms: now().getTime(),
    });
  }
  if (failed.length > 0) await port.insert(STORE.failed, failed);
  totals.failed += failed.length - unloadable.length;
  totals.unloadable += unloadable.length;
}

/**
 * Identity links reported by these events: anonymous id + user id on one event (`identify`, or
 * `event` for any other type), and `alias` (previous id -> user id). Every sighting is written;
 * the `identities` view keeps one row per link with its earliest sighting.
 */
function identityLinks(events: readonly Record<string, unknown>[], flavor: TimestampFlavor): Record<string, unknown>[] {
  const links = new Map<string, Record<string, unknown>>();
  const add = (kind: string, anon: string, user: string, previous: string, e: Record<string, unknown>) => {
    const ms = Date.parse(String(e['timestamp']));
    if (!Number.isFinite(ms)) return;
    const key = [kind, anon, user, previous].join('\u0000');
    const prev = links.get(key);
    if (prev && Number(prev['first_seen_ms']) <= ms) return;
    links.set(key, {
      kind,
      anonymous_id: anon,
      user_id: user,
      previous_id: previous,
      source_id: e['source_id'] ?? null,
      first_seen: encodeTimestamp(ms, flavor),
      message_id: e['message_id'] ?? null,
      first_seen_ms: ms,
      // ReplacingMergeTree keeps the highest version: the earliest sighting.
      version: MAX_VERSION - ms,
    });
  };
  for (const e of events) {
    const anon = typeof e['anonymous_id'] === 'string' ? e['anonymous_id'] : '';
    const user = typeof e['user_id'] === 'string' ? e['user_id'] : '';
    const previous = typeof e['previous_id'] === 'string' ? e['previous_id'] : '';
    if (anon && user) add(e['type'] === 'identify' ? 'identify' : 'event', anon, user, '', e);
    if (e['type'] === 'alias' && previous && user) add('alias', '', user, previous, e);
  }
  return [...links.values()];
}
