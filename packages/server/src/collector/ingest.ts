import { validateEvent, type EventType, type SegmentEvent, type Validation } from '@touchline/protocol';
import type { Spool } from '../spool/spool.js';
import { dedupKey, type RecentIds } from './dedup.js';
import { storableJson } from './storable.js';
import { buildEventRow, isBotEvent, type RequestFacts, type RowBuilderDeps } from './event-row.js';
import type { TouchStamping } from './touch-stamping.js';
import { judgeWithPlan, type PlanGate, type PlanMark } from '../plans/plan-gate.js';

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
  /**
   * Events of persons a privacy request removed: dropped, never stored (docs/governance.md).
   * Absent when none were. Not told to the sender: they are counted in `accepted` too, so an
   * answer (its status included) is the same as if they had been stored.
   */
  readonly suppressed?: number;
}

/**
 * Events another protocol sent (Amplitude, Snowplow, PostHog, postbacks), mapped to Segment
 * events before ingest: what is quarantined is what the sender sent, under its own field names.
 */
export interface MappedBatch {
  /** The events as the sender sent them, by index: a refused event is stored as this. */
  readonly raw: readonly unknown[];
  /** Events the protocol could not map at all (index → why); quarantined with the others. */
  readonly refused: ReadonlyMap<number, { readonly reason: string; readonly field: string }>;
  /** The protocol's name of a Segment field (`userId` → `user_id`), for rejections and reasons. */
  readonly fieldName: (segmentField: string) => string;
}

export interface Ingest {
  /**
   * Validates, enriches and spools events. Resolves once every accepted and quarantined row is
   * durable; rejects (SpoolFullError / SpoolWriteError) when nothing of the request was kept.
   * `mapped`: the events came from another protocol (refused ones may be `undefined` here).
   */
  (events: readonly unknown[], req: RequestFacts, endpointType?: EventType, mapped?: MappedBatch): Promise<IngestResult>;
}

export interface IngestDeps extends RowBuilderDeps {
  readonly spool: Spool;
  readonly recent: RecentIds;
  /**
   * Stamps each event with its visitor's first / last touch (the touch store). Absent: events keep
   * what they carry (the tracker endpoint stamps its own, under its cookie's visitor id).
   */
  readonly touches?: TouchStamping;
  /** The tracking plan (src/plans/): absent, events are not judged. */
  readonly plans?: PlanGate;
  /**
   * Whether an event (as sent, or as mapped from another protocol) names a suppressed person
   * (src/privacy/): such events are dropped before anything else sees them. @defaultValue none
   */
  readonly suppressed?: (event: unknown) => boolean;
  /**
   * Removes PII from a valid event before anything stores it (src/privacy/redact-event.ts):
   * URLs, referrers, titles, free-text properties. @defaultValue none
   */
  readonly redact?: (event: SegmentEvent) => SegmentEvent;
  /** Removes PII from a refused event's raw value before `failed_events` keeps it (src/privacy/redact-failed.ts). @defaultValue none */
  readonly redactFailed?: (raw: unknown) => unknown;
}

/** A quarantine row for `failed_events`. */
export function failedRow(
  req: RequestFacts,
  index: number,
  raw: unknown,
  reason: string,
  field: string,
  rawIsText = false,
  knownMessageId?: string,
  plan?: PlanMark,
): string {
  const messageId =
    knownMessageId?.slice(0, 512) ??
    (typeof raw === 'object' && raw !== null && typeof (raw as { messageId?: unknown }).messageId === 'string'
      ? (raw as { messageId: string }).messageId.slice(0, 512)
      : undefined);
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
    ...plan,
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

/** A Segment-named refusal told in the sender's protocol: its field, and its names in the reason. */
function inProtocol(mapped: MappedBatch | undefined, reason: string, field: string): { reason: string; field: string } {
  if (!mapped) return { reason, field };
  return { reason: reason.replace(/`([A-Za-z]+)`/g, (_m, f: string) => `\`${mapped.fieldName(f)}\``), field: mapped.fieldName(field) };
}

export function createIngest(deps: IngestDeps): Ingest {
  return async (events, req, endpointType, mapped) => {
    const lines: string[] = [];
    const keys: string[] = [];
    const inRequest = new Set<string>();
    const rejected: EventRejection[] = [];
    let duplicates = 0;
    // Before validation, stamping and the spool: a suppressed person's event leaves no trace.
    const dropped = suppressedIndexes(events, deps.suppressed);
    const validated = events.map((raw, i): Validation => {
      const refused = mapped?.refused.get(i);
      if (refused) return { ok: false, ...refused };
      const v = validateEvent(raw, endpointType);
      return v.ok && deps.redact ? { ok: true, event: deps.redact(v.event) } : v;
    });
    // The tracking plan: a blocked event becomes a refusal; each judged event carries its mark.
    const { checked, marks } = judgeWithPlan(deps.plans, validated, req.sourceId);
    const stamped = await stampValid(checked, req, deps, dropped);
    for (let i = 0; i < events.length; i++) {
      if (dropped.has(i)) continue;
      const raw = events[i];
      const v = checked[i]!;
      // (An event refused here after stamping, for its stored size, may have moved its visitor's
      // touch state: the state is a cache of the views, which never see the refused event.)
      const built = v.ok ? buildEventRow(stamped.get(i) ?? v.event, req, deps, marks[i]) : v;
      if (!built.ok) {
        // A protocol's own refusals are already in its words; Segment's are translated.
        const told = mapped?.refused.has(i) ? built : inProtocol(mapped, built.reason, built.field);
        rejected.push({ index: i, reason: told.reason, field: told.field });
        const sent = validated[i]!;
        const messageId = sent.ok ? sent.event.messageId : undefined;
        const sentRaw = mapped ? mapped.raw[i] : raw;
        lines.push(failedRow(req, i, deps.redactFailed ? deps.redactFailed(sentRaw) : sentRaw, told.reason, told.field, false, messageId, marks[i]));
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
    // The request id rides beside each row in its spool record: the loader's log lines name it.
    await deps.spool.append(lines, { requestId: req.requestId });
    for (const k of keys) deps.recent.add(k);
    return { accepted: keys.length + dropped.size, duplicates, rejected, ...(dropped.size > 0 ? { suppressed: dropped.size } : {}) };
  };
}

/** Indexes of the events that name a suppressed person (none without a check). */
function suppressedIndexes(events: readonly unknown[], suppressed: IngestDeps['suppressed']): ReadonlySet<number> {
  const out = new Set<number>();
  if (suppressed) events.forEach((e, i) => suppressed(e) && out.add(i));
  return out;
}

/** The valid events stamped with their visitors' touches, by index (none without `deps.touches`). */
async function stampValid(checked: readonly Validation[], req: RequestFacts, deps: IngestDeps, dropped: ReadonlySet<number>): Promise<Map<number, SegmentEvent>> {
  const out = new Map<number, SegmentEvent>();
  if (!deps.touches) return out;
  const index: number[] = [];
  const valid: SegmentEvent[] = [];
  checked.forEach((v, i) => {
    if (!v.ok || dropped.has(i)) return;
    index.push(i);
    valid.push(v.event);
  });
  if (valid.length === 0) return out;
  const bots = valid.map((e) => isBotEvent(e, deps.parseUserAgent));
  const stamped = await deps.touches.stamp(valid, bots, req);
  stamped.forEach((e, j) => out.set(index[j]!, e));
  return out;
}
