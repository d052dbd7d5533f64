import type { SegmentEvent } from '@touchline/protocol';
import type { Warehouse } from '../warehouse/warehouse.js';

/** A time range over `received_at`, in ms since the epoch: [sinceMs, untilMs). */
export interface ReceivedRange {
  readonly sinceMs: number;
  readonly untilMs: number;
}

/** Most rows a report reads: reports stay bounded whatever the traffic (the result says when cut). */
export const REPORT_ROW_LIMIT = 200_000;

/** A JSON column's value as an object (DuckDB gives JSON text, ClickHouse a String of it). */
export function jsonObject(v: unknown): Record<string, unknown> | undefined {
  let o = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch {
      // Text that is not JSON holds no object: the report reads the column as empty.
      return undefined;
    }
  }
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
}

/** A JSON column holding an array (plan_violations). */
export function jsonArray(v: unknown): unknown[] {
  let o = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch {
      // Text that is not JSON holds no violations: the report reads the column as empty.
      return [];
    }
  }
  return Array.isArray(o) ? o : [];
}

export interface StoredCall {
  readonly sourceId: string;
  readonly messageId: string;
  readonly event: SegmentEvent;
}

/**
 * The stored track, identify and group calls of a range, rebuilt as the plan sees them (type,
 * event, properties, traits), in chunks: what `plan infer` and `plan diff` judge.
 */
export async function* storedCalls(w: Warehouse, range: ReceivedRange, limit = REPORT_ROW_LIMIT): AsyncGenerator<StoredCall> {
  const b = w.dialect.binding('r');
  const sql = `SELECT source_id, message_id, type, event, properties, traits FROM events
WHERE received_at >= ${b.timestamp(range.sinceMs)} AND received_at < ${b.timestamp(range.untilMs)} AND type IN ('track', 'identify', 'group')
ORDER BY received_at DESC LIMIT ${Math.trunc(limit)}`;
  for await (const chunk of w.stream(sql, { params: b.params })) {
    for (const r of chunk) {
      const type = String(r['type']) as 'track' | 'identify' | 'group';
      const props = jsonObject(r['properties']);
      const traits = jsonObject(r['traits']);
      const event = {
        type,
        ...(r['event'] === null || r['event'] === undefined ? {} : { event: String(r['event']) }),
        ...(props ? { properties: props } : {}),
        ...(traits ? { traits } : {}),
      } as SegmentEvent;
      yield { sourceId: String(r['source_id'] ?? ''), messageId: String(r['message_id'] ?? ''), event };
    }
  }
}
