import type { Receipt } from '@touchline/destinations';
import type { SqlDialect } from '../../warehouse/dialect/dialect.js';
import type { ResultStatus } from './records.js';
import { num, parseJson, rowsOf } from './run-rows.js';
import type { SyncStore } from './sync-store.js';

/** One row accepted with a receipt whose verdict has not been recorded yet. */
export interface AwaitingRow {
  readonly runId: string;
  readonly pk: string;
  readonly op: string;
  readonly attempt: number;
  readonly dedupKey: string | null;
  /** The vendor payload sent for the row (resent alone when the vendor will not name refused rows). */
  readonly request: unknown;
  readonly receipt: Receipt;
}

/** A receipt column read back; null for anything Touchline did not write. */
function receiptOf(v: unknown): Receipt | null {
  const r = parseJson(v);
  if (!r || typeof r['requestId'] !== 'string' || typeof r['sentAt'] !== 'number' || typeof r['rows'] !== 'number') return null;
  return { requestId: r['requestId'], sentAt: r['sentAt'], rows: r['rows'] };
}

const VERDICTS: ReadonlySet<ResultStatus> = new Set(['delivered', 'rejected', 'isolating']);

/**
 * The sync's rows still awaiting a verdict, accepted since `sinceMs`: an `accepted` result of
 * one attempt with no verdict (`delivered`, `rejected`, `isolating`) recorded for that attempt.
 * Verdicts carry the receipt too, so one read finds both sides; the pairing is done here rather
 * than in SQL because ClickHouse 18.16 has no correlated subqueries.
 */
export async function awaitingRows(store: SyncStore, dialect: SqlDialect, syncName: string, sinceMs: number): Promise<AwaitingRow[]> {
  const b = dialect.binding();
  const r = await store.query(
    `SELECT run_id, pk, op, attempt, status, dedup_key, request, receipt FROM sync_row_results
      WHERE sync_name = ${b.string(syncName)} AND receipt IS NOT NULL AND recorded_at >= ${b.timestamp(sinceMs)}
      ORDER BY run_id, pk, attempt`,
    b.params,
  );
  const accepted = new Map<string, AwaitingRow>();
  const decided = new Set<string>();
  for (const row of rowsOf(r)) {
    const key = JSON.stringify([row['run_id'], row['pk'], num(row['attempt'])]);
    const status = String(row['status']) as ResultStatus;
    if (VERDICTS.has(status)) decided.add(key);
    const receipt = receiptOf(row['receipt']);
    if (status !== 'accepted' || !receipt) continue;
    accepted.set(key, {
      runId: String(row['run_id']), pk: String(row['pk']), op: String(row['op']), attempt: num(row['attempt']),
      dedupKey: row['dedup_key'] === null || row['dedup_key'] === undefined ? null : String(row['dedup_key']),
      request: parseJson(row['request']) ?? row['request'], receipt,
    });
  }
  return [...accepted].filter(([k]) => !decided.has(k)).map(([, v]) => v);
}
