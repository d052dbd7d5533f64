import { ClientError } from '../http/client-error.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** Row results one page shows at most (a run can touch millions of rows). */
const LIMIT = 500;

/**
 * One run's per-row results (`sync_row_results`): every attempt for every row, with the status
 * it left the row in and the destination's reason. Refused rows first, then by key.
 */
export async function readSyncResults(w: Warehouse, { sync, run }: { readonly sync: string; readonly run: string }): Promise<{ rows: Record<string, unknown>[]; truncated: boolean }> {
  if (sync === '' || run === '') throw new ClientError(400, 'bad_request', 'sync and run: give a sync name and one of its run ids');
  const b = w.dialect.binding('s');
  const sql = `SELECT pk, op, attempt, status, code, vendor_code, reason, field, http_status, recorded_at FROM sync_row_results
WHERE sync_name = ${b.value(sync)} AND run_id = ${b.value(run)}
ORDER BY CASE WHEN status = 'delivered' THEN 1 ELSE 0 END, pk, attempt LIMIT ${LIMIT + 1}`;
  const r = await w.query(sql, { params: b.params });
  const rows = r.rows.slice(0, LIMIT).map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
  return { rows, truncated: r.rows.length > LIMIT };
}
