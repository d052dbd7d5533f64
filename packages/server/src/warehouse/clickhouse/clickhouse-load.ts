import { createHash } from 'node:crypto';
import { EVENT_COLUMNS, FAILED_EVENT_COLUMNS } from '../schema.js';
import type { LoadBatch, LoadResult } from '../warehouse.js';
import { BulkFormat, LineReader, rowsEncoder, type BulkColumn, type BulkRow, type EncodedRows, type RowsEncoder } from './clickhouse-bulk.js';
import { EVENT_PREFIX } from './clickhouse-event-scan.js';
import { EventColumn, eventRows, type EventRows, type StagedRow } from './clickhouse-event-rows.js';
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
  /** How events are encoded, how many go in one INSERT, how lines are read. @defaultValue RowBinary, 100 000, scan */
  readonly bulk?: { readonly format: BulkFormat; readonly rows: number; readonly lines?: LineReader };
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

/**
 * Events accepted but not yet written; written events first, then their ids (see above). One
 * body is sent while the next is encoded, never more than one: memory stays at two bodies, and
 * the checkpoint waits for the last one (nothing is checkpointed before its INSERT is acknowledged).
 */
class PendingEvents {
  private readonly encoder: RowsEncoder;
  private readonly maxRows: number;
  private ids: Record<string, unknown>[] = [];
  private inflight: Promise<void> | null = null;

  constructor(private readonly port: LoadPort) {
    this.encoder = rowsEncoder(port.bulk?.format ?? BulkFormat.RowBinary, eventStoreColumns(port.flavor));
    this.maxRows = port.bulk?.rows ?? DEFAULT_BULK_ROWS;
  }

  add(row: BulkRow, id: Record<string, unknown>): void {
    this.encoder.add(row);
    this.ids.push(id);
  }

  /** Starts sending the pending rows when there are enough (`force`: any), once the previous send is acknowledged. */
  async flush(force: boolean): Promise<void> {
    if (this.encoder.rows === 0 || (!force && this.encoder.rows < this.maxRows)) return;
    await this.settled();
    const ids = this.ids;
    this.ids = [];
    const body = this.encoder.take();
    const send = (async () => {
      await this.port.insertEncoded(STORE.events, body);
      await this.port.insert(STORE.eventIds, ids);
    })();
    // Its failure is thrown by `settled`; until then it must not count as unhandled.
    send.catch(() => {});
    this.inflight = send;
  }

  /** Waits for the body in flight, if any; throws its failure. */
  async settled(): Promise<void> {
    const p = this.inflight;
    this.inflight = null;
    if (p) await p;
  }
}

export async function loadBatch(port: LoadPort, batch: LoadBatch, now: () => Date = () => new Date()): Promise<LoadResult> {
  const totals: Totals = { events: 0, duplicates: 0, failed: 0, unloadable: 0 };
  const seen = new Set<string>();
  const windowMs = Math.max(0, Math.floor(batch.dedupWindowMs));
  const pending = new PendingEvents(port);
  const rows = eventRows(port.bulk?.format ?? BulkFormat.RowBinary, eventStoreColumns(port.flavor), port.flavor, port.bulk?.lines ?? LineReader.Scan);
  const chunkOf = { port, windowMs, seen, totals, now, pending, rows };
  try {
    let chunk: string[] = [];
    for await (const lines of batch.rows()) {
      for (const line of lines) {
        if (!line) continue;
        chunk.push(line);
        if (chunk.length >= CHUNK_LINES) {
          await loadChunk(chunkOf, chunk);
          await pending.flush(false);
          chunk = [];
        }
      }
    }
    if (chunk.length > 0) await loadChunk(chunkOf, chunk);
    await pending.flush(true);
    await pending.settled();
  } catch (err) {
    // No send outlives a failed load (a retry starts with none in flight); the first failure is the one thrown.
    await pending.settled().catch(() => {});
    throw err;
  }
  await port.checkpoint(batch.collectorId, batch.lastSeq);
  return totals;
}

interface Candidate {
  readonly key: string;
  readonly receivedMs: number;
  readonly row: StagedRow;
  readonly messageId: unknown;
  readonly sourceId: unknown;
}

interface Classified {
  readonly candidates: Map<string, Candidate>;
  /** What identity links need of the event lines that could carry one. */
  readonly events: Record<string, unknown>[];
  readonly failed: Record<string, unknown>[];
  readonly unloadable: { line: string; reason: string }[];
  /** Event lines that could be loaded (kept or duplicate). */
  eventLines: number;
}

/** Parses and encodes a chunk's lines: event candidates (earliest copy per id), quarantine rows, unloadables. */
function classify(lines: readonly string[], windowMs: number, flavor: TimestampFlavor, now: () => Date, rows: EventRows): Classified {
  const out: Classified = { candidates: new Map(), events: [], failed: [], unloadable: [], eventLines: 0 };
  rows.reset();
  for (const text of lines) {
    // Most event lines are read by the scanner; any other line, and any it declines, by JSON.parse.
    let line: Record<string, unknown> | null = null;
    if (!rows.scan(text)) {
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch (err) {
        out.unloadable.push({ line: text, reason: `not JSON (${(err as Error).message})` });
        continue;
      }
    }
    try {
      if (line === null || text.startsWith(EVENT_PREFIX) || line['kind'] === 'event') {
        if (line !== null) rows.fromObject(line);
        classifyEvent(out, rows, windowMs);
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

const C = EventColumn;

/** One event line's values (in `rows.values`): checked, staged, and kept if it is the earliest copy of its id. */
function classifyEvent(out: Classified, rows: EventRows, windowMs: number): void {
  const v = rows.values;
  const receivedMs = Date.parse(String(v[C['received_at']!]));
  if (!Number.isFinite(receivedMs)) throw new UnloadableValueError('received_at is missing or not a timestamp');
  const row = rows.stage(windowMs > 0 ? Math.floor(receivedMs / windowMs) * windowMs : receivedMs);
  out.eventLines++;
  const messageId = v[C['message_id']!];
  const sourceId = v[C['source_id']!];
  const user = v[C['user_id']!];
  // Only a line with a user id can report a link (see identityLinks).
  if (typeof user === 'string' && user !== '') {
    const facts: Record<string, unknown> = { message_id: messageId, source_id: sourceId, user_id: user };
    for (const k of ['type', 'anonymous_id', 'previous_id', 'timestamp']) facts[k] = v[C[k]!];
    out.events.push(facts);
  }
  const key = idKey(String(sourceId ?? ''), String(messageId ?? ''));
  const prev = out.candidates.get(key);
  // Inside one batch the earliest received copy wins, as in DuckDB.
  if (!prev || receivedMs < prev.receivedMs) out.candidates.set(key, { key, receivedMs, row, messageId, sourceId });
}

interface ChunkContext {
  readonly port: LoadPort;
  readonly windowMs: number;
  readonly seen: Set<string>;
  readonly totals: Totals;
  readonly now: () => Date;
  readonly pending: PendingEvents;
  readonly rows: EventRows;
}

async function loadChunk(ctx: ChunkContext, lines: readonly string[]): Promise<void> {
  const { port, windowMs, seen, totals, now, pending, rows } = ctx;
  const flavor = port.flavor;
  const { candidates, events: parsedEvents, failed, unloadable, eventLines } = classify(lines, windowMs, flavor, now, rows);

  // Duplicates of rows loaded earlier (this batch, or within the window before it).
  const fresh = [...candidates.values()].filter((c) => !seen.has(c.key));
  let kept = 0;
  if (fresh.length > 0) {
    let since = Infinity;
    for (const c of fresh) since = Math.min(since, c.receivedMs);
    const ids = [...new Set(fresh.map((c) => String(c.messageId ?? '')))];
    const loaded = await port.loadedIds(ids, since - windowMs);
    const keep = fresh.filter((c) => !loaded.has(c.key));
    for (const c of keep) {
      pending.add(rows.row(c.row), { message_id: c.messageId ?? '', source_id: c.sourceId ?? '', received_ms: c.receivedMs });
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
