import type { Warehouse } from '../../warehouse/warehouse.js';
import { isDay } from './pull-http.js';

/** The load ids of pulls start with this, which is how the last pulled day is found again. */
export const PULL_LOAD_PREFIX = 'pull-';

/**
 * The last day a pull covered for an account, or null. Read from `ad_spend_loads` (every day of
 * a pulled window gets a load there, even a day without spend), so it survives restarts and
 * needs no table of its own; a CSV import of a day does not count as pulling it.
 */
export async function lastPulledDay(warehouse: Warehouse, network: string, account: string): Promise<string | null> {
  const r = await warehouse.query(
    `SELECT max(date) AS last_day, count(*) AS days FROM ad_spend_loads WHERE network = $network AND account = $account AND load_id LIKE $prefix`,
    { params: { network, account, prefix: `${PULL_LOAD_PREFIX}%` }, readOnly: true },
  );
  const row = r.rows[0];
  if (!row || Number(row[1]) === 0) return null;
  const day = String(row[0]).slice(0, 10);
  return isDay(day) ? day : null;
}
