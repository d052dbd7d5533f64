import { JOURNEY_COLUMNS, journeyRowsSql, type PathRows } from './paths-sql.js';
import type { SqlParams, WarehouseTransaction } from '../warehouse/warehouse.js';

export const PATHS_TABLE = 'attribution_stored_paths';
export const JOURNEYS_TABLE = 'attribution_stored_journeys';
/** The persons an incremental refresh recomputes (filled and emptied inside its transaction). */
export const DIRTY_PERSONS = 'attribution_stored_dirty';
/** Which stored persons hold a touch from which device: the device check reads it, not every journey. */
export const DEVICES_TABLE = 'attribution_stored_devices';

export const JOURNEYS_DDL = [
  `CREATE TABLE IF NOT EXISTS ${JOURNEYS_TABLE} (key VARCHAR NOT NULL, person VARCHAR, conv BOOLEAN, t BIGINT, n BIGINT, mid VARCHAR, value DOUBLE, touches STRUCT(t BIGINT, s VARCHAR, l VARCHAR, d VARCHAR)[])`,
  `CREATE TABLE IF NOT EXISTS ${DIRTY_PERSONS} (person VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS ${DEVICES_TABLE} (key VARCHAR NOT NULL, device VARCHAR, person VARCHAR)`,
];

/**
 * What a stored key is computed from: the whole statement's text (its key, with the parameters),
 * and its two stages — the journeys of every person or of the persons in {@link DIRTY_PERSONS}
 * (`duckdbJourneysSql`), and the rows they aggregate to (`journeyRowsSql`, by `rows`).
 */
export interface PathsStatement {
  readonly sql: string;
  readonly journeys: string;
  readonly dirtyJourneys: string;
  readonly rows: PathRows;
}

/** The events' count and latest `received_at`: what a key was computed from. */
export interface EventsMark {
  readonly events: number;
  readonly watermark: string | null;
}

type Tx = Pick<WarehouseTransaction, 'run'>;

export async function eventsMarkIn(tx: Tx): Promise<EventsMark> {
  const r = await tx.run(`SELECT count(*), CAST(max(received_at) AS VARCHAR) FROM events`);
  const [events, watermark] = r.rows[0] ?? [];
  return { events: Number(events ?? 0), watermark: watermark == null ? null : String(watermark) };
}

/**
 * Whether the events changed only by rows received after `since` (loads), so the persons of
 * those rows are all that changed: no event at or before its watermark went (a privacy deletion,
 * retention) or came (a row sharing the watermark's instant). Anything else is recomputed whole.
 */
export async function appendedSince(tx: Tx, since: EventsMark): Promise<boolean> {
  if (since.watermark === null) return false;
  const r = await tx.run(`SELECT count(*) FROM events WHERE received_at <= CAST($tl_wm AS TIMESTAMPTZ)`, { tl_wm: since.watermark });
  return Number(r.rows[0]?.[0] ?? -1) === since.events;
}

/** Every person's journeys, then the key's path rows from them. */
export async function storeWhole(tx: Tx, key: string, s: PathsStatement, params: SqlParams): Promise<void> {
  await tx.run(`DELETE FROM ${JOURNEYS_TABLE} WHERE key = $tl_key`, { tl_key: key });
  await tx.run(`INSERT INTO ${JOURNEYS_TABLE} SELECT $tl_key, ${JOURNEY_COLUMNS} FROM (${s.journeys})`, { ...params, tl_key: key });
  await tx.run(`DELETE FROM ${DEVICES_TABLE} WHERE key = $tl_key`, { tl_key: key });
  await tx.run(`INSERT INTO ${DEVICES_TABLE} ${devicesOf('TRUE')}`, { tl_key: key });
  await aggregate(tx, key, s);
}

/**
 * The journeys of the persons whose touches or conversions may have changed since `since`
 * replaced, then the key's path rows aggregated again from every stored journey. Returns how many
 * persons were recomputed.
 *
 * A person's journeys depend only on their own touches and conversions, so recomputing the
 * persons the new events reach gives what a whole recomputation gives. Those persons: each id on a
 * new event (a person that is its own root) and its root now (a merge moves the new event's
 * person); the holder of any stored touch from a device with new events (a late event re-cuts the
 * device's sessions, and may change whose they are); a stored person that is no longer a root (merged into
 * another); and a conversion without a usable id (a person of its own).
 */
export async function storeIncrement(tx: Tx, key: string, s: PathsStatement, params: SqlParams, since: EventsMark): Promise<number> {
  await tx.run(`DELETE FROM ${DIRTY_PERSONS}`);
  await tx.run(
    `INSERT INTO ${DIRTY_PERSONS}
WITH e AS (SELECT user_id, anonymous_id, source_id, message_id FROM events WHERE received_at > CAST($tl_wm AS TIMESTAMPTZ)),
ids AS (SELECT user_id AS id FROM e WHERE user_id IS NOT NULL UNION SELECT anonymous_id FROM e WHERE anonymous_id IS NOT NULL)
SELECT id FROM ids
UNION SELECT root_id FROM id_map WHERE id IN (SELECT id FROM ids) AND root_id IS NOT NULL
UNION SELECT concat('#', source_id, ':', message_id) FROM e
UNION SELECT person FROM ${DEVICES_TABLE} WHERE key = $tl_key AND device IN (SELECT id FROM ids)
UNION SELECT person FROM ${JOURNEYS_TABLE} WHERE key = $tl_key AND person IN (SELECT id FROM id_map WHERE root_id IS DISTINCT FROM id)`,
    { tl_wm: since.watermark, tl_key: key },
  );
  await tx.run(`DELETE FROM ${JOURNEYS_TABLE} WHERE key = $tl_key AND person IN (SELECT person FROM ${DIRTY_PERSONS})`, { tl_key: key });
  await tx.run(`INSERT INTO ${JOURNEYS_TABLE} SELECT $tl_key, ${JOURNEY_COLUMNS} FROM (${s.dirtyJourneys})`, { ...params, tl_key: key });
  const dirty = `person IN (SELECT person FROM ${DIRTY_PERSONS})`;
  await tx.run(`DELETE FROM ${DEVICES_TABLE} WHERE key = $tl_key AND ${dirty}`, { tl_key: key });
  await tx.run(`INSERT INTO ${DEVICES_TABLE} ${devicesOf(dirty)}`, { tl_key: key });
  // Candidates with journeys now (the rest were merged away, or had none): the persons recomputed.
  const n = await tx.run(`SELECT count(DISTINCT person) FROM ${JOURNEYS_TABLE} WHERE key = $tl_key AND person IN (SELECT person FROM ${DIRTY_PERSONS})`, { tl_key: key });
  await tx.run(`DELETE FROM ${DIRTY_PERSONS}`);
  await aggregate(tx, key, s);
  return Number(n.rows[0]?.[0] ?? 0);
}

/** The (device, person) pairs of the key's stored journeys that `where` keeps. */
function devicesOf(where: string): string {
  return `SELECT DISTINCT $tl_key, d, person FROM (SELECT person, unnest(list_transform(touches, x -> x.d)) AS d FROM ${JOURNEYS_TABLE} WHERE key = $tl_key AND ${where}) WHERE d IS NOT NULL`;
}

/** The key's path rows, from its stored journeys (a few seconds on 10 million events, not the journeys' tens). */
async function aggregate(tx: Tx, key: string, s: PathsStatement): Promise<void> {
  await tx.run(`DELETE FROM ${PATHS_TABLE} WHERE key = $tl_key`, { tl_key: key });
  await tx.run(
    `INSERT INTO ${PATHS_TABLE} SELECT $tl_key, kind, path, conversions, value, nulls, days, packed FROM (
WITH jj AS MATERIALIZED (SELECT ${JOURNEY_COLUMNS} FROM ${JOURNEYS_TABLE} WHERE key = $tl_key),
${journeyRowsSql('jj', s.rows)})`,
    { tl_key: key },
  );
}
