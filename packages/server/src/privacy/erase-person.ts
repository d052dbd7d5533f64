import { WarehouseEngine } from '../warehouse/engine.js';
import type { SqlParams, Warehouse } from '../warehouse/warehouse.js';
import { inList, type PersonIdentifiers } from './person-identifiers.js';

/** One table a person is removed from: how its rows are matched. */
export interface EraseTarget {
  /** The name `privacy delete` prints (what an analyst queries). */
  readonly name: string;
  /** The table the rows live in (ClickHouse: the stored table behind the view). */
  readonly table: string;
  readonly where: string;
}

/** Rows removed (or, in a dry run, that would be), by table. */
export type RemovedRows = Record<string, number>;

/** The person's lists as SQL, every value a bound parameter (`params` holds them all). */
interface Lists {
  /** Every id of the person. */
  readonly ids: string;
  /** The ids minus anonymous ids shared with another person. */
  readonly own: string;
  /** Anonymous ids id_map gives this person that another person used too. */
  readonly shared: string;
  readonly emails: string;
  /** The column's text holds one of the ids or emails as a JSON string (raw events, sync rows). */
  contains(col: string): string;
  readonly params: Readonly<Record<string, string>>;
}

function listsOf(w: Warehouse, p: PersonIdentifiers): Lists {
  const ids = inList(w, p.ids, 'u');
  const own = inList(w, p.ids.filter((id) => !p.shared.includes(id)), 'a');
  const emails = inList(w, p.emails, 'e');
  const shared = inList(w, p.shared, 's');
  const needles = [...p.ids, ...p.emails].map((v) => JSON.stringify(v));
  const params: Record<string, string> = { ...ids.params, ...own.params, ...emails.params, ...shared.params };
  needles.forEach((n, i) => (params[`q${i}`] = n));
  const duck = w.engine === WarehouseEngine.DuckDB;
  const contains = (col: string): string => {
    if (needles.length === 0) return '1 = 0';
    const text = duck ? `CAST(${col} AS VARCHAR)` : `ifNull(${col}, '')`;
    return `(${needles.map((_, i) => `${duck ? 'strpos' : 'position'}(${text}, $q${i}) > 0`).join(' OR ')})`;
  };
  return { ids: ids.sql, own: own.sql, shared: shared.sql, emails: emails.sql, contains, params };
}

/**
 * Where a person's rows are, on each engine: events and identity links by their ids (a device
 * shared with another person: only its rows without a user id, which the identity views give to
 * this person), failed events, sync state and row results by the ids in their text, and DuckDB's
 * derived tables.
 */
export function eraseTargets(engine: WarehouseEngine, l: Lists): EraseTarget[] {
  const person = `(user_id IN ${l.ids} OR anonymous_id IN ${l.own} OR (anonymous_id IN ${l.shared} AND coalesce(user_id, '') = ''))`;
  const sync = (col: string) => `(pk IN ${l.ids} OR pk IN ${l.emails} OR ${l.contains(col)})`;
  if (engine === WarehouseEngine.DuckDB) {
    return [
      { name: 'events', table: 'events', where: person },
      { name: 'identities', table: 'identities', where: `(${person} OR previous_id IN ${l.own})` },
      { name: 'failed_events', table: 'failed_events', where: l.contains('raw') },
      { name: 'touch_sessions', table: 'touch_sessions', where: `(user_id IN ${l.ids} OR device_id IN ${l.own} OR (device_id IN ${l.shared} AND coalesce(user_id, '') = ''))` },
      { name: 'identity_aliases', table: 'identity_aliases', where: `(id IN ${l.own} OR root_id IN ${l.ids})` },
      { name: 'last_load_ids', table: 'last_load_ids', where: person },
      { name: 'dashboard_visitor_days', table: 'dashboard_visitor_days', where: `anonymous_id IN ${l.own}` },
      // The Journeys page's lookup copy of the events (src/dashboard/journey-index.ts): a row per key, each with the event's ids.
      { name: 'dashboard_journey_events', table: 'dashboard_journey_events', where: person },
      { name: 'sync_state', table: 'sync_state', where: sync('"row"') },
      { name: 'sync_row_results', table: 'sync_row_results', where: sync('request') },
    ];
  }
  return [
    { name: 'events', table: 'events_store', where: person },
    { name: 'identities', table: 'identities_store', where: `(${person} OR previous_id IN ${l.own})` },
    { name: 'failed_events', table: 'failed_events_store', where: l.contains('raw') },
    { name: 'identity_aliases', table: 'identity_aliases_store', where: `(id IN ${l.own} OR root_id IN ${l.ids})` },
    { name: 'sync_state', table: 'sync_state', where: sync('row') },
    { name: 'sync_row_results', table: 'sync_row_results', where: sync('request') },
  ];
}

/** The parameters a statement uses, out of all of them (each engine refuses unused ones). */
function used(sql: string, all: Readonly<Record<string, string>>): SqlParams {
  const out: Record<string, string> = {};
  for (const m of sql.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) if (Object.hasOwn(all, m[1]!)) out[m[1]!] = all[m[1]!]!;
  return out;
}

/** Which of the targets exist (DuckDB's derived tables are made at start; a bare warehouse lacks them). */
async function existing(w: Warehouse, ts: readonly EraseTarget[]): Promise<EraseTarget[]> {
  const sql = w.engine === WarehouseEngine.DuckDB
    ? `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'`
    : `SELECT name FROM system.tables WHERE database = currentDatabase()`;
  const names = new Set((await w.query(sql)).rows.map((r) => String(r[0])));
  return ts.filter((t) => names.has(t.table));
}

/** How many rows each target holds for the person (the dry run, and what a delete reports). */
export async function countPersonRows(w: Warehouse, p: PersonIdentifiers): Promise<{ counts: RemovedRows; targets: EraseTarget[]; lists: Lists }> {
  const lists = listsOf(w, p);
  const ts = await existing(w, eraseTargets(w.engine, lists));
  const counts: RemovedRows = {};
  for (const t of ts) {
    const sql = `SELECT count(*) FROM ${w.dialect.quoteIdent(t.table)} WHERE ${t.where}`;
    counts[t.name] = Number((await w.query(sql, { params: used(sql, lists.params) })).rows[0]?.[0] ?? 0);
  }
  return { counts, targets: ts, lists };
}

/**
 * Deletes the person's rows: DuckDB in one transaction; ClickHouse as one mutation per table
 * (`ALTER TABLE … DELETE`), which the server finishes later (see `pendingMutations`). Returns the
 * rows counted before the delete, by table.
 */
export async function erasePersonRows(w: Warehouse, p: PersonIdentifiers): Promise<RemovedRows> {
  const { counts, targets, lists } = await countPersonRows(w, p);
  const todo = targets.filter((t) => (counts[t.name] ?? 0) > 0);
  if (w.engine === WarehouseEngine.DuckDB) {
    await w.transaction(async (tx) => {
      for (const t of todo) {
        const sql = `DELETE FROM ${w.dialect.quoteIdent(t.table)} WHERE ${t.where}`;
        await tx.run(sql, used(sql, lists.params));
      }
    });
  } else {
    for (const t of todo) {
      const sql = `ALTER TABLE ${w.dialect.quoteIdent(t.table)} DELETE WHERE ${t.where}`;
      await w.query(sql, { readOnly: false, params: used(sql, lists.params) });
    }
  }
  return counts;
}

/** ClickHouse: the tables of this database with a DELETE created since `since` (ISO) still running. */
export async function pendingMutations(w: Warehouse, since: string): Promise<string[]> {
  if (w.engine !== WarehouseEngine.ClickHouse) return [];
  const r = await w.query(
    // Seconds since the epoch: create_time is in the server's time zone, a number is in none.
    `SELECT DISTINCT table FROM system.mutations WHERE database = currentDatabase() AND is_done = 0 AND toUInt32(create_time) >= $since`,
    { params: { since: Math.floor(Date.parse(since) / 1000) - 1 } },
  );
  return r.rows.map((row) => String(row[0])).sort();
}
