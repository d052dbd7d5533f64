import { validateEvent, type EventType, type SegmentEvent, type Validation } from '@touchline/protocol';
import type { Spool } from '../spool/spool.js';
import { dedupKey, type RecentIds } from './dedup.js';
import { storableJson } from './storable.js';
import { buildEventRow, isBotEvent, type RequestFacts, type RowBuilderDeps } from './event-row.js';
import type { TouchStamping } from './touch-stamping.js';

export interface EventRejection {
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
  readonly rejected: readonly EventRejection[];
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
  /**
   * Stamps each event with its visitor's first / last touch (the touch store). Absent: events keep
   * what they carry (the tracker endpoint stamps its own, under its cookie's visitor id).
   */
  readonly touches?: TouchStamping;
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
    const rejected: EventRejection[] = [];
    let duplicates = 0;
    const checked = events.map((raw) => validateEvent(raw, endpointType));
    const stamped = await stampValid(checked, req, deps);
    for (let i = 0; i < events.length; i++) {
      const raw = events[i];
      const v = checked[i]!;
      // (An event refused here after stamping, for its stored size, may have moved its visitor's
      // touch state: the state is a cache of the views, which never see the refused event.)
      const built = v.ok ? buildEventRow(stamped.get(i) ?? v.event, req, deps) : v;
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

/** The valid events stamped with their visitors' touches, by index (none without `deps.touches`). */
async function stampValid(checked: readonly Validation[], req: RequestFacts, deps: IngestDeps): Promise<Map<number, SegmentEvent>> {
  const out = new Map<number, SegmentEvent>();
  if (!deps.touches) return out;
  const index: number[] = [];
  const valid: SegmentEvent[] = [];
  checked.forEach((v, i) => {
    if (!v.ok) return;
    index.push(i);
    valid.push(v.event);
  });
  if (valid.length === 0) return out;
  const bots = valid.map((e) => isBotEvent(e, deps.parseUserAgent));
  const stamped = await deps.touches.stamp(valid, bots, req);
  stamped.forEach((e, j) => out.set(index[j]!, e));
  return out;
}
