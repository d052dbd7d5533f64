import { UTM_KEYS } from '@touchline/protocol';
import {
  ARRIVAL_SQL,
  SEP,
  activitySql,
  deviceKeySql,
  externalReferrerSql,
  impliedClickSql,
  touchKindSql,
  touchSignatureSql,
  validUserSql,
  type TouchRules,
} from './touch-sql.js';

/**
 * Sessions, derived from events. Per device (anonymous id, else user id), events in time order
 * (ties by message id). Only an arrival (a page or screen view) starts a session: the device's
 * first arrival, an arrival after `sessionTimeoutMs` without any activity, or an arrival with a
 * marketing touch that differs from the last one the device saw (UA's campaign rule: a direct
 * return never overwrites the campaign, so a later arrival with the same campaign continues it).
 * Other events (`track`, `identify`… naming a page) belong to the session open when they happen
 * and keep it open; before a device's first arrival they belong to none. Each session is one row:
 * its entry arrival's raw facts (that one row's, nulls included), its start and end, and its event
 * count. Sessions *are* the touches attribution credits: one per visit, with the entry's source (a
 * direct visit included, so last non-direct has something to skip).
 *
 * Same columns on both engines, in this order (`SESSION_COLUMNS`). DuckDB computes them with
 * window functions (and keeps them in a table, refreshed per loaded batch); ClickHouse with
 * arrays per device (18.16 has no window functions), on read.
 */
export const SESSION_COLUMNS = [
  'device_id',
  'session_id',
  'started_at',
  'ended_at',
  'started_ms',
  'ended_ms',
  'events',
  'message_id',
  'source_id',
  'user_id',
  'kind',
  ...UTM_KEYS,
  'click_id_type',
  'click_id',
  'implied_click',
  'referrer_domain',
] as const;

/** DuckDB column types of the table that keeps sessions. */
export const DUCKDB_SESSION_TYPES: Record<(typeof SESSION_COLUMNS)[number], string> = {
  device_id: 'VARCHAR',
  session_id: 'VARCHAR',
  started_at: 'TIMESTAMPTZ',
  ended_at: 'TIMESTAMPTZ',
  started_ms: 'BIGINT',
  ended_ms: 'BIGINT',
  events: 'BIGINT',
  message_id: 'VARCHAR',
  source_id: 'VARCHAR',
  user_id: 'VARCHAR',
  kind: 'VARCHAR',
  utm_source: 'VARCHAR',
  utm_medium: 'VARCHAR',
  utm_campaign: 'VARCHAR',
  utm_content: 'VARCHAR',
  utm_term: 'VARCHAR',
  utm_id: 'VARCHAR',
  click_id_type: 'VARCHAR',
  click_id: 'VARCHAR',
  implied_click: 'VARCHAR',
  referrer_domain: 'VARCHAR',
};

/**
 * DuckDB: the sessions of every device, or of the devices `deviceFilter` selects (a condition
 * on `device_id`, e.g. `device_id IN (SELECT device_id FROM _dirty)`), for the incremental
 * refresh. Three window passes over narrow rows: event order, gaps and arrivals so far over all
 * activity, the campaign rule over the candidates only (arrivals that are the device's first,
 * idle, or marketing touches), ends and counts over the starts; the entry's facts are joined back
 * by rowid.
 */
export function duckdbSessionsSql(r: TouchRules, deviceFilter?: string): string {
  const f = r.fns;
  const T = f.value(Math.round(r.sessionTimeoutMs));
  return `WITH a AS (
  SELECT rowid AS rid, ${deviceKeySql(r)} AS device_id, ${f.epochMs('"timestamp"')} AS t, "timestamp" AS ts, message_id AS mid, ${touchSignatureSql(r)} AS sig,
    CASE WHEN ${ARRIVAL_SQL} THEN 1 ELSE 0 END AS arr
  FROM events WHERE ${activitySql(r)}
), b AS (
  SELECT rid, device_id, t, ts, mid, sig, arr, row_number() OVER w AS idx, lag(t) OVER w AS pt, lag(ts) OVER w AS pts, sum(arr) OVER w AS arrivals,
    count(*) OVER (PARTITION BY device_id) AS n, max(t) OVER (PARTITION BY device_id) AS last_t, max(ts) OVER (PARTITION BY device_id) AS last_ts
  FROM a WHERE device_id IS NOT NULL${deviceFilter ? ` AND (${deviceFilter})` : ''}
  WINDOW w AS (PARTITION BY device_id ORDER BY t, mid ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), c AS (
  SELECT *, (arrivals = 1 OR t - pt > ${T}) AS idle FROM b WHERE arr = 1 AND (arrivals = 1 OR t - pt > ${T} OR sig IS NOT NULL)
), d AS (
  SELECT * FROM (
    SELECT *, last_value(sig IGNORE NULLS) OVER (PARTITION BY device_id ORDER BY idx ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS psig FROM c
  ) WHERE idle OR (sig IS NOT NULL AND sig IS DISTINCT FROM psig)
), s AS (
  SELECT device_id, rid, t AS started_ms, ts AS started_at,
    coalesce(lead(idx) OVER w2, n + 1) - idx AS n_events,
    coalesce(lead(pt) OVER w2, last_t) AS ended_ms,
    coalesce(lead(pts) OVER w2, last_ts) AS ended_at
  FROM d WINDOW w2 AS (PARTITION BY device_id ORDER BY idx)
)
SELECT s.device_id, md5(s.device_id || chr(31) || CAST(s.started_ms AS VARCHAR)) AS session_id, s.started_at, s.ended_at, s.started_ms, s.ended_ms,
  s.n_events AS events, e.message_id, e.source_id, ${validUserSql(r, 'e.user_id')} AS user_id, ${touchKindSql(r)} AS kind,
  ${UTM_KEYS.map((k) => `e.${k}`).join(', ')}, e.click_id_type, e.click_id, ${impliedClickSql(r)} AS implied_click, ${externalReferrerSql(r)} AS referrer_domain
FROM s JOIN events e ON e.rowid = s.rid`;
}

/**
 * ClickHouse: every device's sessions, from arrays (18.16 has no window functions). The device's
 * events are sorted once; gaps come from `arrayDifference`, the device's first arrival from the
 * running count of arrivals (`arrayCumSum`), the previous touch from shifting the touch-only array
 * by one: no lambda captures another array or column (18.16 evaluates a captured alias wrongly when
 * the query does not select it), so the cost stays linear in the device's events. What a session row
 * needs of its entry travels packed in two strings (signature and facts, unit-separated), so the
 * per-device arrays stay narrow, and every column of the entry comes from that one event.
 */
export function clickhouseSessionsSql(r: TouchRules): string {
  const f = r.fns;
  const T = f.value(Math.round(r.sessionTimeoutMs));
  const clean = (e: string) => `replaceAll(ifNull(${e}, ''), ${f.literal(SEP)}, '')`;
  const sig = `ifNull(${touchSignatureSql({ ...r, fns: { ...f, concat: (parts) => `concat(${parts.map((p) => (p === f.literal(SEP) ? p : clean(p))).join(', ')})` } })}, '')`;
  const info = `concat(${[`source_id`, validUserSql(r), 'click_id_type', impliedClickSql(r), touchKindSql(r)].map(clean).join(`, ${f.literal(SEP)}, `)})`;
  const part = (packed: string, i: number) => `nullIf(splitByChar(${f.literal(SEP)}, ${packed})[${i}], '')`;
  const x = 'tupleElement(tupleElement(st, 1), 5)';
  const sigOf = `tupleElement(${x}, 4)`;
  const infoOf = `tupleElement(${x}, 5)`;
  const touchCols = [...UTM_KEYS, 'click_id'].map((c, i) => `${part(sigOf, i + 1)} AS ${c}`);
  return `SELECT device_id,
  lower(hex(MD5(concat(device_id, ${f.literal(SEP)}, toString(tupleElement(${x}, 1)))))) AS session_id,
  tupleElement(${x}, 3) AS started_at, tupleElement(st, 3) AS ended_at, tupleElement(${x}, 1) AS started_ms, tupleElement(st, 4) AS ended_ms,
  toInt64(tupleElement(st, 2)) AS events, tupleElement(${x}, 2) AS message_id,
  ${part(infoOf, 1)} AS source_id, ${part(infoOf, 2)} AS user_id, ${part(infoOf, 5)} AS kind,
  ${touchCols.slice(0, UTM_KEYS.length).join(', ')},
  ${part(infoOf, 3)} AS click_id_type, ${touchCols[UTM_KEYS.length]}, ${part(infoOf, 4)} AS implied_click, ${part(sigOf, UTM_KEYS.length + 2)} AS referrer_domain
FROM (
  SELECT device_id, arrayJoin(arrayMap((y, c, e1, e2) -> (y, c, e1, e2), starts, scount, send_ts, send_ms)) AS st
  FROM (
    SELECT device_id, ev,
      arrayMap(z -> tupleElement(z, 1), ev) AS tms,
      arrayCumSum(arrayMap(z -> tupleElement(z, 6), ev)) AS arrivals,
      arrayMap((g, z, a) -> tupleElement(z, 6) = 1 AND (a = 1 OR g > ${T}), arrayDifference(tms), ev, arrivals) AS idle,
      arrayPopBack(arrayPushFront(tms, toInt64(0))) AS ptms,
      arrayPopBack(arrayPushFront(arrayMap(z -> tupleElement(z, 3), ev), tupleElement(ev[1], 3))) AS pts,
      arrayMap((z, i, d, p, pm) -> (i, d, p, pm, z), ev, arrayEnumerate(ev), idle, pts, ptms) AS en,
      arrayFilter(y -> tupleElement(y, 2) OR tupleElement(tupleElement(y, 5), 4) != '', en) AS cands,
      arrayFilter(y -> tupleElement(tupleElement(y, 5), 4) != '', cands) AS tc,
      arrayMap(y -> tupleElement(tupleElement(y, 5), 4), tc) AS tsig,
      arrayFilter((y, s, p) -> tupleElement(y, 2) OR s != p, tc, tsig, arrayPopBack(arrayPushFront(tsig, ''))) AS tstarts,
      arraySort(y -> tupleElement(y, 1), arrayConcat(tstarts, arrayFilter(y -> tupleElement(y, 2) AND tupleElement(tupleElement(y, 5), 4) = '', cands))) AS starts,
      arrayMap(y -> tupleElement(y, 1), starts) AS sidx,
      arrayMap((a, b) -> b - a, sidx, arrayPopFront(arrayPushBack(sidx, length(ev) + 1))) AS scount,
      arrayPopFront(arrayPushBack(arrayMap(y -> tupleElement(y, 3), starts), tupleElement(ev[-1], 3))) AS send_ts,
      arrayPopFront(arrayPushBack(arrayMap(y -> tupleElement(y, 4), starts), tupleElement(ev[-1], 1))) AS send_ms
    FROM (
      SELECT device_id, arraySort(z -> (tupleElement(z, 1), tupleElement(z, 2)), groupArray((t, mid, ts, sig, info, arr))) AS ev
      FROM (
        SELECT ${deviceKeySql(r)} AS device_id, ifNull(${f.epochMs('"timestamp"')}, 0) AS t, message_id AS mid, "timestamp" AS ts, ${sig} AS sig, ${info} AS info,
          if(${ARRIVAL_SQL}, 1, 0) AS arr
        FROM events WHERE ${activitySql(r)}
      )
      WHERE device_id IS NOT NULL
      GROUP BY device_id
    )
  )
)`;
}
