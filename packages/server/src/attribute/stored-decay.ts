import { JOURNEY_COLUMNS, numberedConversionsSql, PathRowKind } from './paths-sql.js';
import { JOURNEYS_TABLE } from './stored-journeys.js';
import { decayedCreditsSql, decayParams, type DecaySettings } from './time-decay-rows.js';
import type { SqlParams, WarehouseTransaction } from '../warehouse/warehouse.js';

/**
 * Time decay's credit per level value of a stored key, per half-life and direct handling asked
 * for (`decayedCreditsSql` over the key's stored journeys): what a view of every model reads in
 * place of the key's packed per-conversion rows. The key's own rows and statement are unchanged;
 * these rows are derived from its journeys, computed when a view first asks for the settings,
 * and computed again whenever the key's rows are aggregated again (a load), in the same
 * transaction — so they are as current as the key.
 */
export const DECAY_TABLE = 'attribution_stored_decay';

export const DECAY_DDL = `CREATE TABLE IF NOT EXISTS ${DECAY_TABLE} (key VARCHAR NOT NULL, rate DOUBLE NOT NULL, direct VARCHAR, level VARCHAR, credit DOUBLE, value DOUBLE, computed BOOLEAN)`;

type Tx = Pick<WarehouseTransaction, 'run'>;

const SAME_SETTINGS = `key = $tl_key AND rate = CAST($tl_decay_rate AS DOUBLE) AND direct IS NOT DISTINCT FROM CAST($tl_decay_direct AS VARCHAR)`;

/** Whether the key has rows for these settings (a marker row says so even when no conversion needs one). */
export async function hasDecay(tx: Tx, key: string, d: DecaySettings): Promise<boolean> {
  const r = await tx.run(`SELECT count(*) FROM ${DECAY_TABLE} WHERE ${SAME_SETTINGS} AND computed`, { tl_key: key, ...decayParams(d) });
  return Number(r.rows[0]?.[0] ?? 0) > 0;
}

/** The key's rows for these settings, from its stored journeys (replacing any). */
export async function storeDecay(tx: Tx, key: string, d: DecaySettings): Promise<void> {
  const params = { tl_key: key, ...decayParams(d) };
  await tx.run(`DELETE FROM ${DECAY_TABLE} WHERE ${SAME_SETTINGS}`, params);
  await tx.run(
    `INSERT INTO ${DECAY_TABLE} SELECT $tl_key, CAST($tl_decay_rate AS DOUBLE), CAST($tl_decay_direct AS VARCHAR), level, credit, value, false FROM (
WITH jj AS MATERIALIZED (SELECT ${JOURNEY_COLUMNS} FROM ${JOURNEYS_TABLE} WHERE key = $tl_key),
p AS MATERIALIZED (${numberedConversionsSql('jj')})
${decayedCreditsSql('p')})`,
    params,
  );
  await tx.run(`INSERT INTO ${DECAY_TABLE} VALUES ($tl_key, CAST($tl_decay_rate AS DOUBLE), CAST($tl_decay_direct AS VARCHAR), NULL, NULL, NULL, true)`, params);
}

/** Every settings' rows of the key computed again (after its journeys changed). */
export async function refreshDecay(tx: Tx, key: string): Promise<void> {
  const r = await tx.run(`SELECT rate, direct FROM ${DECAY_TABLE} WHERE key = $tl_key AND computed`, { tl_key: key });
  for (const [rate, direct] of r.rows) await storeDecay(tx, key, { tl_decay_rate: Number(rate), tl_decay_direct: direct == null ? null : String(direct) });
}

/**
 * The key's stored rows as the `PathRows.Decayed` statement returns them: its own rows but the
 * packed ones, and the decay rows as `w` rows, in the statement's order.
 */
export function decayedRowsSql(paths: string, order: string): string {
  return `SELECT * FROM (
SELECT kind, path, CAST(conversions AS DOUBLE) AS conversions, value, nulls, days, packed FROM ${paths} WHERE key = $tl_key AND kind <> '${PathRowKind.Packed}'
UNION ALL
SELECT '${PathRowKind.Decayed}', [level], credit, value, 0, NULL, NULL FROM ${DECAY_TABLE} WHERE ${SAME_SETTINGS} AND NOT computed
) ORDER BY ${order}`;
}

export function decayedRowsParams(key: string, d: DecaySettings): SqlParams {
  return { tl_key: key, ...decayParams(d) };
}
