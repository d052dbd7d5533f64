import { ColumnType } from '../warehouse/schema.js';
import { PLAN_REPLAYS } from '../warehouse/plan-tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { jsonObject, REPORT_ROW_LIMIT, type ReceivedRange } from './plan-rows.js';

/** What the collector's ingest is told of a replayed batch (the collector's RequestFacts). */
export interface ReplayRequest {
  readonly sourceId: string;
  readonly endpoint: string;
  readonly requestId: string;
  readonly receivedAt: string;
  readonly ip: undefined;
  readonly userAgent: undefined;
  readonly gpc: boolean;
}

/** The collector's ingest, as replay uses it: refusals by index, duplicates counted. */
export type ReplayIngest = (events: readonly unknown[], req: ReplayRequest) => Promise<{ readonly accepted: number; readonly duplicates: number; readonly rejected: readonly { readonly index: number }[] }>;

export interface ReplayOptions extends ReceivedRange {
  /** Only failed events whose reason contains this text (`tracking plan`, `unplanned_event`…). */
  readonly reason?: string;
  readonly sourceId?: string;
  /** Count what would be replayed; re-ingest nothing. */
  readonly dryRun?: boolean;
}

export interface ReplayResult {
  /** Failed events of the range matching the filters. */
  readonly matched: number;
  /** Of those, replayed before (by an earlier run): skipped. */
  readonly alreadyReplayed: number;
  /** Re-ingested now: stored, quarantined again (a new failed row, with today's reason), or already stored. */
  readonly stored: number;
  readonly quarantinedAgain: number;
  readonly duplicates: number;
  readonly dryRun: boolean;
}

export interface ReplayDeps {
  readonly warehouse: Warehouse;
  readonly ingest: ReplayIngest;
  readonly now: () => Date;
  readonly newRequestId: () => string;
}

interface FailedRow {
  readonly requestId: string;
  readonly batchIndex: number;
  readonly sourceId: string;
  readonly receivedAt: string;
  readonly raw: Record<string, unknown>;
}

const LEDGER_COLUMNS = [
  { name: 'request_id', type: ColumnType.String },
  { name: 'batch_index', type: ColumnType.Int },
  { name: 'source_id', type: ColumnType.String },
  { name: 'message_id', type: ColumnType.String },
  { name: 'replayed_at', type: ColumnType.Timestamp },
  { name: 'plan_version', type: ColumnType.String },
  { name: 'outcome', type: ColumnType.String },
] as const;

const keyOf = (requestId: string, batchIndex: number) => `${requestId}\u0000${batchIndex}`;

async function replayedKeys(w: Warehouse): Promise<Set<string>> {
  const r = await w.query(`SELECT request_id, batch_index FROM ${PLAN_REPLAYS}`);
  return new Set(r.rows.map(([id, i]) => keyOf(String(id), Number(i))));
}

/** The failed rows of the range matching the filters, oldest first, once each (a row loaded twice counts once). */
async function matchingFailed(w: Warehouse, o: ReplayOptions): Promise<{ rows: FailedRow[]; matched: number }> {
  const b = w.dialect.binding('f');
  const sql = `SELECT request_id, batch_index, source_id, received_at, reason, raw FROM failed_events
WHERE received_at >= ${b.timestamp(o.sinceMs)} AND received_at < ${b.timestamp(o.untilMs)} AND request_id IS NOT NULL${o.sourceId === undefined ? '' : ` AND source_id = ${b.string(o.sourceId)}`}
ORDER BY received_at LIMIT ${REPORT_ROW_LIMIT}`;
  const seen = new Set<string>();
  const rows: FailedRow[] = [];
  let matched = 0;
  for await (const chunk of w.stream(sql, { params: b.params })) {
    for (const r of chunk) {
      if (o.reason !== undefined && !String(r['reason'] ?? '').includes(o.reason)) continue;
      const key = keyOf(String(r['request_id']), Number(r['batch_index']));
      if (seen.has(key)) continue;
      seen.add(key);
      matched++;
      const raw = jsonObject(r['raw']);
      // Damaged spool bytes and unparsable bodies have no event to replay: counted, left as they are.
      if (!raw) continue;
      rows.push({ requestId: String(r['request_id']), batchIndex: Number(r['batch_index']), sourceId: String(r['source_id'] ?? ''), receivedAt: String(r['received_at']), raw });
    }
  }
  return { rows, matched };
}

/**
 * `touchline replay`: re-ingests quarantined events through the plan in force now, exactly once.
 * Each failed row replayed is recorded in `plan_replays` (its request id and batch index) after
 * its events are durable in the spool, and a later run skips it. A crash between the two leaves
 * the row unrecorded; the next run sends the same event again with the same messageId and the
 * same received_at, so the loader's deduplication stores it once. The event keeps the time it was
 * first received (its timestamp is corrected as it was then).
 */
export async function replayQuarantined(d: ReplayDeps, o: ReplayOptions): Promise<ReplayResult> {
  const done = await replayedKeys(d.warehouse);
  const { rows, matched } = await matchingFailed(d.warehouse, o);
  const todo = rows.filter((r) => !done.has(keyOf(r.requestId, r.batchIndex)));
  const result = { matched, alreadyReplayed: matched - todo.length, stored: 0, quarantinedAgain: 0, duplicates: 0, dryRun: o.dryRun === true };
  if (o.dryRun) return result;
  // One ingest call per source and original receipt time, so each event keeps its received_at.
  const groups = new Map<string, FailedRow[]>();
  for (const r of todo) {
    const k = `${r.sourceId}\u0000${r.receivedAt}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const group of groups.values()) {
    const events = group.map((r) => (typeof r.raw['messageId'] === 'string' ? r.raw : { ...r.raw, messageId: `replay-${r.requestId}-${r.batchIndex}` }));
    const first = group[0]!;
    const req: ReplayRequest = { sourceId: first.sourceId, endpoint: '/replay', requestId: d.newRequestId(), receivedAt: new Date(first.receivedAt).toISOString(), ip: undefined, userAgent: undefined, gpc: false };
    const res = await d.ingest(events, req);
    const refused = new Set(res.rejected.map((x) => x.index));
    result.stored += res.accepted;
    result.duplicates += res.duplicates;
    result.quarantinedAgain += refused.size;
    const at = d.now().toISOString();
    await d.warehouse.insertRows(
      PLAN_REPLAYS,
      LEDGER_COLUMNS,
      group.map((r, i) => [r.requestId, r.batchIndex, r.sourceId, String(events[i]!['messageId']), at, null, refused.has(i) ? 'quarantined' : 'stored']),
      { upsert: true },
    );
  }
  return result;
}
