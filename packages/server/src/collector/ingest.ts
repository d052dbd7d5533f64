import { validateEvent, type EventType } from '@touchline/protocol';
import type { Spool } from '../spool/spool.js';
import { dedupKey, type RecentIds } from './dedup.js';
import { storableJson } from './storable.js';
import { buildEventRow, type RequestFacts, type RowBuilderDeps } from './event-row.js';

export interface Rejection {
  readonly index: number;
  readonly reason: string;
  readonly field: string;
}

export interface IngestResult {
  /** Events now durable in the spool. */
  readonly accepted: number;
  /** Events already accepted earlier (same source and messageId): acknowledged, not stored twice. */
  readonly duplicates: number;
  /** Events refused; each one is quarantined in failed_events. */
  readonly rejected: readonly Rejection[];
}

export interface Ingest {
  /**
   * Validates, enriches and spools events. Resolves once every accepted and quarantined row is
   * durable; rejects (SpoolFullError / SpoolWriteError) when nothing of the request was kept.
   */
  (events: readonly unknown[], req: RequestFacts, endpointType?: EventType): Promise<IngestResult>;
}

export interface IngestDeps extends RowBuilderDeps {
  readonly spool: Spool;
  readonly recent: RecentIds;
}

/** A quarantine row for `failed_events`. */
export function failedRow(
  req: RequestFacts,
  index: number,
  raw: unknown,
  reason: string,
  field: string,
  rawIsText = false,
): string {
  const messageId =
    typeof raw === 'object' && raw !== null && typeof (raw as { messageId?: unknown }).messageId === 'string'
      ? (raw as { messageId: string }).messageId.slice(0, 512)
      : undefined;
  return storableJson(JSON.stringify({
    kind: 'failed',
    received_at: req.receivedAt,
    source_id: req.sourceId,
    endpoint: req.endpoint,
    request_id: req.requestId,
    batch_index: index,
    message_id: messageId,
    reason,
    field: field || undefined,
    raw: rawIsText && typeof raw === 'string' ? raw : rawText(raw),
  }));
}

/** The raw event as JSON text; hostile values that cannot be serialised are described instead. */
export function rawText(raw: unknown): string {
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch (err) {
    return `[not serialisable: ${(err as Error).message}]`;
  }
}

export function createIngest(deps: IngestDeps): Ingest {
  return async (events, req, endpointType) => {
    const lines: string[] = [];
    const keys: string[] = [];
    const inRequest = new Set<string>();
    const rejected: Rejection[] = [];
    let duplicates = 0;
    for (let i = 0; i < events.length; i++) {
      const raw = events[i];
      const v = validateEvent(raw, endpointType);
      const built = v.ok ? buildEventRow(v.event, req, deps) : v;
      if (!built.ok) {
        rejected.push({ index: i, reason: built.reason, field: built.field });
        lines.push(failedRow(req, i, raw, built.reason, built.field));
        continue;
      }
      const key = dedupKey(req.sourceId, built.messageId);
      if (inRequest.has(key) || deps.recent.has(key)) {
        duplicates++;
        continue;
      }
      inRequest.add(key);
      keys.push(key);
      lines.push(built.line);
    }
    await deps.spool.append(lines);
    for (const k of keys) deps.recent.add(k);
    return { accepted: keys.length, duplicates, rejected };
  };
}
