import type { ClickHouseClient } from '@clickhouse/client';
import { randomBytes } from 'node:crypto';
import type { TouchState } from '@touchline/protocol';
import { newClickHouseClient, type ClickHouseConnectionOptions } from '../warehouse/clickhouse/clickhouse-client.js';
import { errorText } from '../warehouse/clickhouse/clickhouse-sql-guard.js';
import { TOUCH_TABLES, touchExpiredCountSql, touchPruneSql, touchReadSql, type TouchSql } from '../warehouse/clickhouse/clickhouse-touch-tables.js';
import { renderClickHouseParams } from '../warehouse/dialect/clickhouse-params.js';
import { clickhouseQuoteIdent as quoteIdent } from '../warehouse/dialect/clickhouse-quoting.js';
import { factsFromRow, factsOf, isEmptyFacts, mergeFacts, NO_FACTS, stateOf, writeStamps, type TouchFacts } from './touch-facts.js';
import { mergeStored, type TouchStore } from './touch-store.js';
import { wellFormed } from '../warehouse/dialect/well-formed.js';
import { systemClock, type Clock } from '../clock/clock.js';

export interface ClickHouseTouchStoreOptions {
  /** The warehouse's ClickHouse (`warehouse.clickhouse`): the store's tables are in its database. */
  readonly connection: ClickHouseConnectionOptions & { readonly database: string };
  /** Buffered facts are inserted at least this often. @defaultValue 250 */
  readonly flushIntervalMs?: number;
  /** ...or as soon as this many are buffered. @defaultValue 1000 */
  readonly flushRows?: number;
  /**
   * Timeout of a read or insert on the request path. A read that fails or times out is answered
   * from this collector's own recent writes; until a read succeeds again, one update at a time
   * still reads ClickHouse and the others do not wait for it. @defaultValue 2000
   */
  readonly timeoutMs?: number;
  /** Facts kept while ClickHouse cannot take them; the oldest are dropped beyond. @defaultValue 100000 */
  readonly maxBufferedRows?: number;
  /**
   * A prune is skipped when any collector pruned the store less than this long ago: every
   * collector schedules pruning, and each `ALTER … DELETE` rewrites the table's parts.
   * @defaultValue 5 hours
   */
  readonly pruneIntervalMs?: number;
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Time, and the flush timer (tests advance a manual clock instead of waiting). @defaultValue the system clock */
  readonly clock?: Clock;
}

/** The ClickHouse store, plus what tools and tests need besides the port. */
export interface ClickHouseTouchStore extends TouchStore {
  /** Inserts what is buffered now. */
  flush(): Promise<void>;
  /** Adds whole states (a SQLite store being moved here), merged like any update. Returns how many. */
  importStates(states: Iterable<readonly [string, TouchState]>): Promise<number>;
}

/**
 * How the store reaches ClickHouse: SQL and its parameters in (built in clickhouse-touch-tables.ts,
 * visitor ids always bound, rendered by the ClickHouse quoting function), rows out.
 */
interface Port {
  select(statement: TouchSql, timeoutMs?: number): Promise<unknown[][]>;
  insert(rows: readonly Record<string, string>[], timeoutMs: number): Promise<void>;
  command(statement: TouchSql): Promise<void>;
}

function clickhousePort(client: ClickHouseClient, database: string): Port {
  // The SQL, not the rendered text: error messages name no visitor id.
  const fail = (what: string, sql: string, err: unknown) => new Error(`ClickHouse touch store: ${what} failed: ${errorText(err)}\n${sql}`, { cause: err });
  return {
    async select({ sql, params }, timeoutMs) {
      try {
        const query = renderClickHouseParams(sql, params);
        const rs = await client.query({ query, format: 'JSONCompact', ...(timeoutMs ? { abort_signal: AbortSignal.timeout(timeoutMs) } : {}) });
        return ((await rs.json()) as { data: unknown[][] }).data;
      } catch (err) {
        throw fail('read', sql, err);
      }
    },
    async insert(rows, timeoutMs) {
      try {
        await client.insert({
          table: `${quoteIdent(database)}.${quoteIdent(TOUCH_TABLES.facts)}`,
          // ClickHouse refuses JSON with a lone surrogate (a visitor id from JSON such as "\ud800"): store what UTF-8 can hold, as lookups do
          values: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, wellFormed(v)]))),
          format: 'JSONEachRow',
          // on a cluster the facts table is Distributed: return once the shards have the rows
          clickhouse_settings: { insert_distributed_sync: 1 },
          abort_signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw fail(`insert of ${rows.length} facts`, `INSERT INTO ${TOUCH_TABLES.facts}`, err);
      }
    },
    async command({ sql, params }) {
      try {
        await client.command({ query: renderClickHouseParams(sql, params) });
      } catch (err) {
        throw fail('statement', sql, err);
      }
    },
  };
}

const MAX_READS_IN_FLIGHT = 4;
const MAX_IDS_PER_READ = 500;
const MUTATION_WAIT_MS = 10 * 60_000;

/**
 * The touch store shared by stateless collectors, in the warehouse's ClickHouse. Facts, not
 * state (see `touch-facts.ts` and `clickhouse-touch-tables.ts`):
 *
 * - **update** reads the visitor's merged facts (one lookup by primary key; concurrent reads of
 *   different visitors are coalesced into one `IN (…)` query), merges this collector's unflushed
 *   facts for that visitor into it, applies `step`, and buffers the facts it changed. Updates of one
 *   visitor within a process run one after another (a promise chain per visitor), so none is lost.
 * - **writes** are batched: buffered facts are inserted every `flushIntervalMs` or `flushRows`,
 *   never one INSERT per request. Until ClickHouse has them (and a little longer, so that a read
 *   already running cannot miss them), they are merged into this collector's reads: it reads its
 *   own writes at once; other collectors see them after the next flush.
 * - **across collectors** there is no lock: two collectors updating one visitor within a flush
 *   interval each apply their step to what they read. Nothing is lost: facts merge by touch time,
 *   so the earliest first touch stays first and the latest marketing touch is last, whichever
 *   collector wrote them and in whatever order.
 * - **when ClickHouse is unreachable** updates go on from this collector's own recent writes (the
 *   tracker endpoint keeps answering); facts stay buffered (up to `maxBufferedRows`) and are
 *   inserted when it is back. Meanwhile one update at a time still reads ClickHouse, so the first
 *   read that succeeds ends it: a collector never goes on ignoring a ClickHouse that answers.
 */
export async function openClickHouseTouchStore(o: ClickHouseTouchStoreOptions): Promise<ClickHouseTouchStore> {
  const database = o.connection.database;
  const client = newClickHouseClient(o.connection, database);
  const port = clickhousePort(client, database);
  let cluster: boolean;
  try {
    cluster = await checkTables(port, database);
  } catch (err) {
    await client.close();
    throw err;
  }
  const store = touchFactsStore(port, database, cluster, o);
  return {
    ...store,
    async close() {
      await store.close();
      await client.close();
    },
  };
}

/** The warehouse has no touch store tables (a cluster whose DDL predates them). */
export class TouchTablesMissingError extends Error {
  override readonly name = 'TouchTablesMissingError';
}

/** The store's tables exist (a migrated warehouse); returns whether they are Distributed (a cluster). */
async function checkTables(port: Port, database: string): Promise<boolean> {
  const rows = await port.select({
    sql: `SELECT name, engine FROM system.tables WHERE database = $database AND name IN ($facts, $store)`,
    params: { database, facts: TOUCH_TABLES.facts, store: TOUCH_TABLES.store },
  });
  const engines = new Map(rows.map(([n, e]) => [String(n), String(e)]));
  const missing = [TOUCH_TABLES.facts, TOUCH_TABLES.store].filter((t) => !engines.has(t));
  if (missing.length > 0) {
    throw new TouchTablesMissingError(
      `tracker.touchStore.engine = clickhouse: ${missing.join(', ')} missing in ClickHouse database "${database}". ` +
        'Touchline creates them when it migrates a single server; on a cluster apply the visitor_touch* statements of `touchline warehouse ddl --cluster <name>`, ' +
        'or set tracker.touchStore.engine = sqlite',
    );
  }
  return engines.get(TOUCH_TABLES.store) === 'Distributed';
}

interface Pending {
  facts: TouchFacts;
  /** Rows of this visitor buffered or being inserted. */
  unflushed: number;
  /** When the last of them was inserted. */
  flushedAt: number;
}

type Row = Record<string, string>;

/**
 * Lookups by primary key, coalesced: the visitors asked for while reads are in flight go out
 * together in one `IN (…)` query (at most MAX_IDS_PER_READ ids, MAX_READS_IN_FLIGHT queries).
 */
function coalescedReads(port: Port, database: string, timeoutMs: number): (id: string) => Promise<TouchFacts> {
  const waiting = new Map<string, { resolve: (f: TouchFacts) => void; reject: (e: unknown) => void }[]>();
  let readsInFlight = 0;
  const answer = (waiters: readonly (readonly [string, { resolve: (f: TouchFacts) => void }[]])[], rows: unknown[][]) => {
    const found = new Map(rows.map(([id, ...f]) => [String(id), factsFromRow(f[0], f[1], f[2], f[3])]));
    for (const [id, ws] of waiters) for (const w of ws) w.resolve(found.get(id) ?? NO_FACTS);
  };
  const pump = () => {
    while (readsInFlight < MAX_READS_IN_FLIGHT && waiting.size > 0) {
      const ids = [...waiting.keys()].slice(0, MAX_IDS_PER_READ);
      const waiters = ids.map((id) => [id, waiting.get(id)!] as const);
      for (const id of ids) waiting.delete(id);
      readsInFlight++;
      port
        .select(touchReadSql(database, ids), timeoutMs)
        .then(
          (rows) => answer(waiters, rows),
          (err: unknown) => {
            for (const [, ws] of waiters) for (const w of ws) w.reject(err);
          },
        )
        .finally(() => {
          readsInFlight--;
          pump();
        });
    }
  };
  return (id) =>
    new Promise<TouchFacts>((resolve, reject) => {
      const ws = waiting.get(id);
      if (ws) ws.push({ resolve, reject });
      else waiting.set(id, [{ resolve, reject }]);
      pump();
    });
}

/**
 * This collector's own facts per visitor, from buffering until a little after ClickHouse has
 * them (a read already running when the insert returned may not see them), merged into its reads.
 */
function ownWrites(keepMs: number, nowMs: () => number) {
  const pending = new Map<string, Pending>();
  return {
    merged(id: string, f: TouchFacts): TouchFacts {
      const p = pending.get(id);
      return p ? mergeFacts(f, p.facts) : f;
    },
    buffered(id: string, facts: TouchFacts): void {
      const p = pending.get(id);
      if (p) {
        p.facts = mergeFacts(p.facts, facts);
        p.unflushed++;
      } else pending.set(id, { facts, unflushed: 1, flushedAt: 0 });
    },
    /** `rows` are in ClickHouse (or dropped): forget copies that every read now sees. */
    settled(rows: readonly Row[]): void {
      const t = nowMs();
      for (const r of rows) {
        const p = pending.get(r['visitor_id']!);
        if (p) {
          p.unflushed--;
          p.flushedAt = t;
        }
      }
      for (const [id, p] of pending) if (p.unflushed <= 0 && t - p.flushedAt > keepMs) pending.delete(id);
    },
    /** After a privacy request: these visitors are gone, flushed or not. */
    forgot(ids: ReadonlySet<string>): void {
      for (const id of ids) pending.delete(id);
    },
    /** After a prune: inserted copies must not bring the forgotten visitors back. */
    pruned(before: string): void {
      for (const [id, p] of pending) if (p.unflushed <= 0 && p.facts.seen < before) pending.delete(id);
    },
  };
}

interface BufferOptions {
  readonly flushIntervalMs: number;
  readonly flushRows: number;
  readonly timeoutMs: number;
  readonly maxBuffered: number;
  readonly log: ClickHouseTouchStoreOptions['log'];
  readonly clock: Clock;
}

/** What the write side holds between its steps. */
interface BufferState {
  rows: Row[];
  cancelTimer: (() => void) | undefined;
  /** The insert in flight: one at a time. */
  flushing: Promise<void> | undefined;
  /** The last insert failed (logged once; the next success is logged too). */
  failing: boolean;
  closed: boolean;
}

/** Inserts what is buffered now; on failure the rows go back to the front of the buffer, and it throws. */
async function insertBuffered(s: BufferState, port: Port, own: ReturnType<typeof ownWrites>, b: BufferOptions): Promise<void> {
  const rows = s.rows.splice(0, Math.max(b.flushRows, s.rows.length));
  if (rows.length === 0) return;
  try {
    await port.insert(rows, b.timeoutMs);
    own.settled(rows);
    if (s.failing) b.log('touch store: buffered touch facts inserted again');
    s.failing = false;
  } catch (err) {
    s.rows = rows.concat(s.rows);
    if (!s.failing) b.log('touch store: inserting touch facts failed; kept in memory and retried', { facts: s.rows.length, error: (err as Error).message });
    s.failing = true;
    throw err;
  }
}

/** Beyond `maxBuffered`, the oldest facts are dropped (said in the log): memory is bounded while ClickHouse refuses them. */
function dropOverflow(s: BufferState, own: ReturnType<typeof ownWrites>, b: BufferOptions): void {
  if (s.rows.length <= b.maxBuffered) return;
  const n = s.rows.length - b.maxBuffered;
  own.settled(s.rows.splice(0, n));
  b.log('touch store: ClickHouse has not taken touch facts for too long; dropped the oldest', { facts: n, maxBufferedRows: b.maxBuffered });
}

/**
 * The write side: facts buffered, inserted every `flushIntervalMs` (on the clock) or `flushRows`,
 * one insert at a time; kept (up to `maxBuffered`, oldest dropped with a log line) and retried
 * while ClickHouse refuses them. Every outcome is logged once per change (failing, inserting again).
 */
function factsBuffer(port: Port, own: ReturnType<typeof ownWrites>, b: BufferOptions) {
  const s: BufferState = { rows: [], cancelTimer: undefined, flushing: undefined, failing: false, closed: false };
  const stopTimer = () => {
    s.cancelTimer?.();
    s.cancelTimer = undefined;
  };
  const arm = () => {
    if (s.closed || s.rows.length === 0) return;
    if (s.rows.length >= b.flushRows && !s.failing) kick();
    else if (!s.cancelTimer) {
      s.cancelTimer = b.clock.after(s.failing ? Math.max(b.flushIntervalMs, 1000) : b.flushIntervalMs, () => {
        s.cancelTimer = undefined;
        kick();
      });
    }
  };
  const single = (): Promise<void> => {
    if (s.flushing) return s.flushing;
    stopTimer();
    return (s.flushing = insertBuffered(s, port, own, b).finally(() => {
      s.flushing = undefined;
      arm();
    }));
  };
  // A timed flush has no caller to tell: its failure is logged in insertBuffered and retried by arm().
  const kick = () => void single().catch(() => undefined);
  /** Until the buffer is empty; throws when an insert fails. */
  const flushAll = async () => {
    while (s.rows.length > 0 || s.flushing) await single();
  };
  return {
    add(id: string, facts: TouchFacts): void {
      s.rows.push({ visitor_id: id, ...facts });
      own.buffered(id, facts);
      dropOverflow(s, own, b);
      arm();
    },
    size: () => s.rows.length,
    flushAll,
    async close(): Promise<void> {
      s.closed = true;
      stopTimer();
      try {
        await flushAll();
      } catch (err) {
        b.log('touch store: could not insert the last touch facts before closing; they are lost', { facts: s.rows.length, error: (err as Error).message });
      }
    },
  };
}

/** Runs one key's tasks one after another (tasks of different keys run at once). */
function serialByKey() {
  const chains = new Map<string, Promise<unknown>>();
  return <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const run = (chains.get(id) ?? Promise.resolve()).then(fn);
    // The chain only orders the tasks: each task's own promise carries its failure to its caller.
    const tail = run.catch(() => undefined);
    chains.set(id, tail);
    void tail.then(() => chains.get(id) === tail && chains.delete(id));
    return run;
  };
}

/**
 * For an update: what ClickHouse holds, or only our own writes while it is unreachable (the change
 * either way is logged once). While it is unreachable one update at a time still reads it (the
 * others are answered at once, without waiting for a timeout), and the first read that succeeds
 * ends it. No window in which ClickHouse is not asked at all: after one failed or slow read (a
 * connection reset, a moment of load) such a window answered every visitor as new, without the
 * touches other collectors had stored, while ClickHouse was answering again.
 */
function updateReads(read: (id: string) => Promise<TouchFacts>, own: ReturnType<typeof ownWrites>, log: ClickHouseTouchStoreOptions['log']) {
  let down = false;
  let probing = false;
  return async (id: string): Promise<TouchFacts> => {
    if (down && probing) return own.merged(id, NO_FACTS);
    const probe = down;
    if (probe) probing = true;
    try {
      const f = await read(id);
      if (down) {
        down = false;
        log('touch store: ClickHouse answers again');
      }
      return own.merged(id, f);
    } catch (err) {
      if (!down) log('touch store: ClickHouse unreachable; touches come from this collector\'s recent writes until it answers', { error: (err as Error).message });
      down = true;
      return own.merged(id, NO_FACTS);
    } finally {
      if (probe) probing = false;
    }
  };
}

/** What a prune or a forget needs: the store's deletes run on ClickHouse after the buffer is flushed. */
interface DeleteSteps {
  readonly port: Port;
  readonly database: string;
  readonly cluster: boolean;
  readonly buffer: ReturnType<typeof factsBuffer>;
  readonly own: ReturnType<typeof ownWrites>;
  readonly nowMs: () => number;
  readonly pruneIntervalMs: number;
}

/** Deletes the visitors not seen since `before` (unless a collector pruned recently); returns how many. */
async function pruneStore(d: DeleteSteps, before: string): Promise<number> {
  if (d.cluster) throw new Error(clusterPruneAdvice(before));
  await d.buffer.flushAll();
  if (await prunedRecently(d.port, d.database, d.pruneIntervalMs)) return 0;
  const n = Number((await d.port.select(touchExpiredCountSql(d.database, before)))[0]?.[0] ?? 0);
  if (n === 0) return 0;
  await d.port.command(touchPruneSql(d.database, before));
  await mutationsDone(d.port, d.database, d.nowMs);
  d.own.pruned(before);
  return n;
}

/** Deletes these visitors' facts (a privacy request); returns how many visitors were stored. */
async function forgetVisitors(d: DeleteSteps, ids: readonly string[]): Promise<number> {
  if (d.cluster) throw new Error(`the touch store is Distributed (a cluster): forget visitors on the shards, ALTER TABLE ${TOUCH_TABLES.store}_local ON CLUSTER <name> DELETE WHERE visitor_id IN (…)`);
  const unique = new Set(ids);
  if (unique.size === 0) return 0;
  // Buffered facts first: a flush after the DELETE would bring the visitors back.
  await d.buffer.flushAll();
  d.own.forgot(unique);
  const list = touchVisitorsIn([...unique]);
  const table = `${q(d.database)}.${q(TOUCH_TABLES.store)}`;
  const n = Number((await d.port.select({ sql: `SELECT count(DISTINCT visitor_id) FROM ${table} WHERE ${list.where}`, params: list.params }))[0]?.[0] ?? 0);
  if (n === 0) return 0;
  await d.port.command({ sql: `ALTER TABLE ${table} DELETE WHERE ${list.where}`, params: list.params });
  await mutationsDone(d.port, d.database, d.nowMs);
  return n;
}

function touchFactsStore(port: Port, database: string, cluster: boolean, o: ClickHouseTouchStoreOptions): ClickHouseTouchStore {
  const clock = o.clock ?? systemClock;
  const nowMs = () => clock.now();
  const flushIntervalMs = o.flushIntervalMs ?? 250;
  const flushRows = o.flushRows ?? 1000;
  const timeoutMs = o.timeoutMs ?? 2000;
  const stamp = writeStamps(randomBytes(6).readUIntBE(0, 6).toString(36).padStart(8, '0').slice(-8), nowMs);
  const own = ownWrites(timeoutMs + flushIntervalMs, nowMs);
  const buffer = factsBuffer(port, own, { flushIntervalMs, flushRows, timeoutMs, maxBuffered: o.maxBufferedRows ?? 100_000, log: o.log, clock });
  const readStored = coalescedReads(port, database, timeoutMs);
  const readForUpdate = updateReads(readStored, own, o.log);
  const serial = serialByKey();
  const factsNow = (prev: TouchState, next: TouchState) => factsOf(prev, next, stamp(), new Date(nowMs()).toISOString());
  const deletes: DeleteSteps = { port, database, cluster, buffer, own, nowMs, pruneIntervalMs: o.pruneIntervalMs ?? 5 * 3600_000 };
  let closed = false;

  const update = (id: string, step: (prev: TouchState) => TouchState): Promise<TouchState> =>
    serial(id, async () => {
      const stored = await readForUpdate(id);
      const prev = stateOf(stored) ?? {};
      const next = step(prev);
      if (next === prev) return prev;
      const facts = factsNow(prev, mergeStored(prev, next));
      if (isEmptyFacts(facts)) return stateOf(stored) ?? {};
      buffer.add(id, facts);
      return stateOf(mergeFacts(stored, facts)) ?? {};
    });

  return {
    get: async (id) => stateOf(own.merged(id, await readStored(id))),
    update,
    // at once: the reads of different visitors are coalesced into one query, a visitor's run in order
    updateMany: (updates) => Promise.all(updates.map(([id, step]) => update(id, step))),
    prune: (before) => pruneStore(deletes, before),
    forget: (ids) => forgetVisitors(deletes, ids),
    flush: buffer.flushAll,
    async importStates(states) {
      let n = 0;
      for (const [id, s] of states) {
        const facts = factsNow({}, s);
        if (isEmptyFacts(facts)) continue;
        buffer.add(id, facts);
        n++;
        if (buffer.size() >= flushRows) await buffer.flushAll();
      }
      await buffer.flushAll();
      return n;
    },
    async close() {
      if (closed) return;
      closed = true;
      await buffer.close();
    },
  };
}

/** A Distributed store is pruned on its shards, by the operator: the statement to run there. */
function clusterPruneAdvice(before: string): string {
  return (
    `the touch store is Distributed (a cluster): prune it on the shards, ALTER TABLE ${TOUCH_TABLES.store}_local ON CLUSTER <name> DELETE WHERE visitor_id IN ` +
    `(SELECT visitor_id FROM ${TOUCH_TABLES.store}_local GROUP BY visitor_id HAVING maxMerge(seen) < '${before}')`
  );
}

const q = quoteIdent;

/** `visitor_id IN ($v0, $v1, …)` with its parameters. */
function touchVisitorsIn(ids: readonly string[]): { where: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  ids.forEach((id, i) => (params[`v${i}`] = id));
  return { where: `visitor_id IN (${ids.map((_, i) => `$v${i}`).join(', ')})`, params };
}

const MUTATIONS = `FROM system.mutations WHERE database = $database AND table = $table`;
const mutationsOf = (database: string) => ({ database, table: TOUCH_TABLES.store });

/** Whether a collector started a prune (the store's only mutation) within the last `intervalMs`. */
async function prunedRecently(port: Port, database: string, intervalMs: number): Promise<boolean> {
  if (intervalMs <= 0) return false;
  const rows = await port.select({
    sql: `SELECT count() ${MUTATIONS} AND create_time > now() - $seconds`,
    params: { ...mutationsOf(database), seconds: Math.ceil(intervalMs / 1000) },
  });
  return Number(rows[0]?.[0] ?? 0) > 0;
}

/** Waits for the store's mutations (the prune's DELETE) to finish: 18.16 cannot wait in the ALTER. */
async function mutationsDone(port: Port, database: string, nowMs: () => number): Promise<void> {
  const deadline = nowMs() + MUTATION_WAIT_MS;
  const statement = { sql: `SELECT count() ${MUTATIONS} AND is_done = 0`, params: mutationsOf(database) };
  while (Number((await port.select(statement))[0]?.[0] ?? 0) > 0) {
    if (nowMs() > deadline) throw new Error(`the touch store's DELETE is still running after ${MUTATION_WAIT_MS / 60_000} minutes (see system.mutations)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
