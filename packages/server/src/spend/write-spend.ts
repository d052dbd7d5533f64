import { WarehouseEngine, type SqlParams, type SqlValue, type Warehouse } from '../warehouse/warehouse.js';
import { SPEND_COLUMNS } from '../warehouse/spend-tables.js';
import type { SpendRow } from './spend-row.js';

/** A day of one account: the unit a load replaces. */
export interface SpendDay {
  readonly network: string;
  readonly account: string;
  readonly date: string;
}

export interface WriteSpendOptions {
  /** Unique per load (an import, a pull): the rows it writes carry it. */
  readonly loadId: string;
  /** When the load happened (ms): `loaded_at`, and the version that makes the newest load win on ClickHouse. */
  readonly nowMs: number;
  /** `csv:<file>` or `pull:<network>`: where the rows came from. */
  readonly origin: string;
  /**
   * Days the load covers even where it has no row (a pull of a range in which a campaign stopped
   * spending): they are replaced too, by nothing. @defaultValue the days of `rows`
   */
  readonly days?: readonly SpendDay[];
}

const dayKey = (d: SpendDay) => JSON.stringify([d.network, d.account, d.date]);
/** Rows per INSERT statement: every value a bound parameter, and a statement of bounded size. */
const CHUNK = 200;

function rowValues(r: SpendRow, origin: string): SqlValue[] {
  return [
    r.network, r.account, r.date, r.campaignId, r.campaignName, r.adGroupId, r.adGroupName, r.costMicros, r.currency,
    r.impressions, r.clicks, r.networkConversions, r.networkConversionValue, origin,
  ];
}

/** `INSERT … VALUES ($p0, …), (…)` with the values in `params`; `tail` is SQL appended to each tuple. */
function valuesInsert(table: string, columns: readonly string[], rows: readonly SqlValue[][], tail: string[]): { sql: string; params: SqlParams } {
  const params: Record<string, SqlValue> = {};
  let n = 0;
  const tuples = rows.map((values) => `(${[...values.map((v) => ((params[`p${n}`] = v), `$p${n++}`)), ...tail].join(', ')})`);
  return { sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params };
}

/**
 * Writes a load of spend rows and makes it the current load of every day it covers: a re-import
 * or re-pull of a day replaces that day whole (networks restate recent days), on both engines.
 * The rows go in first and the days switch to them after, so a crash in between leaves the old
 * load in place (the new rows are unreferenced), never half of each.
 */
export async function writeSpend(warehouse: Warehouse, rows: readonly SpendRow[], o: WriteSpendOptions): Promise<{ rows: number; days: number }> {
  const days = new Map<string, SpendDay>();
  for (const d of o.days ?? []) days.set(dayKey(d), d);
  for (const r of rows) days.set(dayKey(r), { network: r.network, account: r.account, date: r.date });
  const f = warehouse.dialect;
  const at = f.timestamp(o.nowMs);
  const duck = warehouse.engine === WarehouseEngine.DuckDB;
  await warehouse.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK).map((r) => [...rowValues(r, o.origin), o.loadId]);
      const q = valuesInsert('ad_spend_rows', [...SPEND_COLUMNS, 'load_id', 'loaded_at'], chunk, [at]);
      await tx.run(q.sql, q.params);
    }
    const list = [...days.values()];
    for (let i = 0; i < list.length; i += CHUNK) {
      const chunk = list.slice(i, i + CHUNK).map((d) => [d.network, d.account, d.date, o.loadId]);
      const cols = ['network', 'account', 'date', 'load_id', 'loaded_at', ...(duck ? [] : ['version'])];
      const q = valuesInsert('ad_spend_loads', cols, chunk, duck ? [at] : [at, String(o.nowMs)]);
      await tx.run(duck ? q.sql.replace('INSERT INTO', 'INSERT OR REPLACE INTO') : q.sql, q.params);
    }
    // DuckDB can delete in the same transaction: the rows no day points at any more go.
    if (duck && list.length > 0) {
      await tx.run(
        `DELETE FROM ad_spend_rows WHERE (network, account, date, load_id) NOT IN (SELECT network, account, date, load_id FROM ad_spend_loads)`,
      );
    }
  });
  return { rows: rows.length, days: days.size };
}
