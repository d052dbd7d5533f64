import type { Warehouse } from '../warehouse/warehouse.js';
import type { DayRange } from './date-range.js';

/** Longest example shown per reason: a refused event can be a megabyte of junk. */
const EXAMPLE_CHARS = 2000;

export interface FailureGroup {
  readonly reason: string;
  readonly field: string | null;
  readonly endpoint: string | null;
  readonly count: number;
  readonly lastAt: string;
  /** The latest refused event of this reason, as received (cut to 2,000 characters). */
  readonly example: string | null;
}

/** Failed events of the range grouped by reason (and field, endpoint), most frequent first, one example each. */
export async function readQuality(w: Warehouse, r: DayRange, limit = 100): Promise<{ total: number; groups: FailureGroup[] }> {
  const f = w.dialect;
  const b = f.binding('q');
  const where = `received_at >= ${b.timestamp(r.sinceMs)} AND received_at < ${b.timestamp(r.untilMs)}`;
  const sql = `SELECT reason, field, endpoint, count(*) AS n, max(received_at) AS last_at, ${f.argMax('raw', 'received_at')} AS example
FROM failed_events WHERE ${where} GROUP BY reason, field, endpoint ORDER BY n DESC, reason LIMIT ${Math.trunc(limit)}`;
  const res = await w.query(sql, { params: b.params });
  const groups = res.rows.map(([reason, field, endpoint, n, lastAt, example]) => ({
    reason: String(reason),
    field: field === null ? null : String(field),
    endpoint: endpoint === null ? null : String(endpoint),
    count: Number(n),
    lastAt: String(lastAt),
    example: example === null ? null : String(example).slice(0, EXAMPLE_CHARS),
  }));
  return { total: groups.reduce((s, g) => s + g.count, 0), groups };
}
