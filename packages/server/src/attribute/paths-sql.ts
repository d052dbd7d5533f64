import { UTM_KEYS } from '@touchline/protocol';
import type { ConversionDefinition } from '../definitions/conversions.js';
import type { ConversionFilter } from '../identity/conversions-sql.js';
import { resolvedConversionsSql, resolvedSessionsSql, type ModelSql } from '../identity/model-views.js';
import { decayedCreditsSql } from './time-decay-rows.js';

export const DAY_MS = 86_400_000;

/** Levels with a name of their own; any raw touch column below works too. */
export const NAMED_LEVELS = ['channel', 'source_medium', 'campaign', 'source', 'medium'] as const;
/** Raw session-entry columns a path can be built from (`--by utm_content`). */
export const COLUMN_LEVELS = [...UTM_KEYS, 'click_id_type', 'referrer_domain', 'kind'] as const;
export type Level = (typeof NAMED_LEVELS)[number] | (typeof COLUMN_LEVELS)[number];

export function isLevel(s: string): s is Level {
  return (NAMED_LEVELS as readonly string[]).includes(s) || (COLUMN_LEVELS as readonly string[]).includes(s);
}

/**
 * The level value of a direct touch, per level: what an empty path (a conversion with no touch
 * in the window) is credited to, and a direct label whatever `attribution.directLabels` says.
 */
export function directValueOf(level: Level): string {
  switch (level) {
    case 'channel':
      return 'Direct';
    case 'source_medium':
      return '(direct) / (none)';
    case 'medium':
      return '(none)';
    case 'kind':
      return 'direct';
    default:
      // source, campaign, and the raw columns (see levelSql).
      return '(direct)';
  }
}

export interface PathQuery {
  readonly level: Level;
  readonly lookbackMs: number;
  readonly resetAfterConversion: boolean;
  readonly conversions: readonly ConversionDefinition[];
  readonly filter: ConversionFilter;
  /** The sessions relation: `touch_sessions`, or `(<select>)` to compute them on read. */
  readonly sessions: string;
}

/** Row kinds of the path streams. */
export const PathRowKind = { Path: 'p', Days: 'd', Packed: 't', Uniform: 'u', Decayed: 'w' } as const;

/**
 * Which rows a paths statement returns: the aggregated paths (and day rows) the rule and
 * data-driven models read, or with them the per-conversion rows time decay reads, in one
 * statement (on ClickHouse: the aggregated rows carrying touch ages, see `clickhousePathsSql`);
 * or (DuckDB) the aggregated ones with time decay's credit per level value for one half-life
 * (`w` rows, time-decay-rows.ts) in place of the packed rows.
 */
export const PathRows = { Aggregated: 'aggregated', Both: 'both', Decayed: 'decayed' } as const;
export type PathRows = (typeof PathRows)[keyof typeof PathRows];

/** Record, field and touch separators of the packed per-conversion rows (level values never hold control characters). */
export const PACK = { record: '\u001d', field: '\u001e', touch: '\u001f' } as const;

/** The level value of a resolved sessions row (spend joins read it too). */
export function levelSql(m: ModelSql, level: Level): string {
  const f = m.rules.fns;
  // A raw column is `(none)` where the touch lacks it, but `(direct)` on a direct touch: a
  // referral without utm_content is not direct, and `--direct ignore` must tell them apart.
  const raw =
    level === 'source_medium'
      ? f.concat(['source', "' / '", 'medium'])
      : (NAMED_LEVELS as readonly string[]).includes(level)
        ? level
        : `(CASE WHEN source = '(direct)' THEN '(direct)' ELSE coalesce(${f.nullIfEmpty(level)}, '(none)') END)`;
  // Level values travel packed with control characters as separators: they never contain one.
  return f.replaceAll(raw, '[\\x00-\\x1f]', '\uFFFD');
}

function touchesSql(m: ModelSql, q: PathQuery): string {
  return `SELECT person_root AS person, started_ms AS t, session_id AS sid, ${levelSql(m, q.level)} AS level, device_id AS device FROM (${resolvedSessionsSql(m, q.sessions)})`;
}

function conversionRowsSql(m: ModelSql, q: PathQuery): string {
  return `SELECT person_root AS person, t, message_id AS mid, coalesce(value, 0) AS value FROM (${resolvedConversionsSql(m, q.conversions, q.filter)})`;
}

/**
 * The order of the DuckDB statement's rows, and of their stored copy: the engine adds credit in
 * row order, so one order (with conversions numbered by person and time, not as they happen to
 * stream) gives the same figures to the last bit on every run, computed or stored.
 */
export const PATH_ROWS_ORDER = 'kind, path, days';

/**
 * DuckDB: one statement, three kinds of rows. `p`: every distinct path (level values, oldest
 * first) with its conversions, value and non-converting journeys (nulls), aggregated in SQL;
 * `d`: conversions per whole day from the first touch on the path to the conversion; `t` (only
 * with `PathRows.Both`): every conversion's path with touch ages, packed a thousand conversions to a row
 * (time decay needs the times; packing keeps the row count, and Node's per-row cost, small) —
 * except `u`: the paths of one level value (or none), aggregated like `p`, since time decay gives
 * such a conversion wholly to that value whatever its touches' ages (two thirds of the
 * conversions on the bench's data: a million records to read one by one otherwise). With
 * `PathRows.Decayed`, `w` rows replace the packed ones: time decay's credit per level value for
 * one half-life, summed in SQL (time-decay-rows.ts), a dozen rows instead of 300,000 records.
 *
 * Two stages: the journeys (`duckdbJourneysSql`, one row per conversion and per non-converting
 * journey), then their aggregation (`journeyRowsSql`). The stored paths keep the journeys per
 * person and aggregate the stored ones the same way, so a computed and a stored run agree.
 */
export function duckdbPathsSql(m: ModelSql, q: PathQuery, rows: DuckDBPathRows): string {
  return `WITH j AS MATERIALIZED (${duckdbJourneysSql(m, q)}),\n${journeyRowsSql('j', rows)}`;
}

export type DuckDBPathRows = typeof PathRows.Aggregated | typeof PathRows.Both | typeof PathRows.Decayed;

/** The columns of a journeys row, in order (the stored journeys table has them after its key). */
export const JOURNEY_COLUMNS = 'person, conv, t, n, mid, value, touches';

/**
 * DuckDB: the journeys of every person, or of the persons in the one-column relation `persons`
 * (the stored paths' incremental refresh). A conversion's journey (`conv`): the person's touches
 * at or before it, after the previous conversion (with `resetAfterConversion`), inside the
 * lookback window; `n` numbers a person's conversions by time. A non-converting journey: the
 * touches after a person's last conversion (or all of them, for a person who never converted;
 * only those without `resetAfterConversion`), inside the lookback counted from their last touch:
 * what `splitConversionPaths` does in TypeScript. Touches are `{t, s, l, d}` (time, session,
 * level value, device): a person's journeys depend on their own touches and conversions alone.
 */
export function duckdbJourneysSql(m: ModelSql, q: PathQuery, persons?: string): string {
  const L = m.rules.fns.value(Math.round(q.lookbackMs));
  const only = persons ? ` WHERE person IN (SELECT person FROM ${persons})` : '';
  const afterPrevious = q.resetAfterConversion ? ' AND tc.t > c.prev_t' : '';
  const tail = q.resetAfterConversion ? 'lc.last_t IS NULL OR tc.t > lc.last_t' : 'lc.last_t IS NULL';
  const touch = '{t: tc.t, s: tc.sid, l: tc.level, d: tc.device}';
  return `WITH tc AS MATERIALIZED (SELECT * FROM (${touchesSql(m, q)})${only}),
c0 AS MATERIALIZED (SELECT * FROM (${conversionRowsSql(m, q)})${only}),
c AS (SELECT *, row_number() OVER (PARTITION BY person ORDER BY t, mid, value) AS n, coalesce(lag(t) OVER (PARTITION BY person ORDER BY t, mid), -9223372036854775807) AS prev_t FROM c0),
lc AS (SELECT person, max(t) AS last_t FROM c0 GROUP BY person)
SELECT c.person, true AS conv, any_value(c.t) AS t, c.n, any_value(c.mid) AS mid, any_value(c.value) AS value,
  coalesce(list_sort(list(${touch}) FILTER (WHERE tc.t IS NOT NULL)), []) AS touches
FROM c LEFT JOIN tc ON tc.person = c.person AND tc.t <= c.t${afterPrevious} AND tc.t >= c.t - ${L}
GROUP BY c.person, c.n
UNION ALL
SELECT person, false, NULL, NULL, NULL, NULL, list_sort(list({t: t, s: sid, l: level, d: device})) FROM (
  SELECT tc.*, max(tc.t) OVER (PARTITION BY tc.person) AS lt FROM tc LEFT JOIN lc ON lc.person = tc.person WHERE ${tail}
) WHERE t >= lt - ${L} GROUP BY person`;
}

/**
 * The path rows of the journeys in relation `j` (see `duckdbPathsSql`), as the tail of a `WITH`
 * list. Conversions are numbered by person, time and their number within the person, so the
 * packed rows' order is the same however the journeys were stored.
 *
 * The statement ends in one `ORDER BY` ({@link PATH_ROWS_ORDER}) over the union: DuckDB's streaming result can wait
 * forever when several pipelines (the union's branches) feed it and its buffer fills before they
 * finish (duckdb/duckdb#22215; seen here from about a million events on). A sort is one pipeline
 * that ends before the result's own begins; the rows it sorts are the aggregated ones, few.
 */
export function journeyRowsSql(j: string, rows: PathRows): string {
  const levels = `coalesce(list_transform(touches, x -> x.l), [])`;
  const parts = [
    `SELECT '${PathRowKind.Path}' AS kind, coalesce(a.path, b.path) AS path, coalesce(a.conversions, 0) AS conversions, coalesce(a.value, 0) AS value,
  coalesce(b.nulls, 0) AS nulls, NULL::BIGINT AS days, NULL::VARCHAR AS packed
FROM a FULL OUTER JOIN b ON a.path = b.path`,
    `SELECT '${PathRowKind.Days}', NULL, count(*), 0, 0, (t - touches[1].t) // ${DAY_MS}, NULL FROM p WHERE len(touches) > 0 GROUP BY 6`,
  ];
  if (rows === PathRows.Both) {
    // `days` holds the row's bucket here: the rows sort by it, not by their megabytes of text.
    parts.push(`SELECT '${PathRowKind.Packed}', NULL, NULL, NULL, NULL, cid % 1000,
  string_agg(array_to_string(${levels}, '${PACK.touch}') || '${PACK.field}' || array_to_string(coalesce(list_transform(touches, x -> t - x.t), []), ',') || '${PACK.field}' || CAST(value AS VARCHAR), '${PACK.record}' ORDER BY cid)
FROM p WHERE len(list_distinct(${levels})) > 1 GROUP BY cid % 1000`);
  }
  if (rows !== PathRows.Aggregated) {
    parts.push(`SELECT '${PathRowKind.Uniform}', ${levels}, count(*), sum(value), 0, NULL, NULL FROM p WHERE len(list_distinct(${levels})) <= 1 GROUP BY 2`);
  }
  // `conversions` holds the level value's conversion credit here (a fraction, so the column is a DOUBLE in this statement).
  if (rows === PathRows.Decayed) parts.push(`SELECT '${PathRowKind.Decayed}', [level], credit, value, 0, NULL, NULL FROM (${decayedCreditsSql('p')})`);
  return `p AS MATERIALIZED (${numberedConversionsSql(j)}),
a AS (SELECT ${levels} AS path, count(*) AS conversions, sum(value) AS value FROM p GROUP BY 1),
b AS (SELECT ${levels} AS path, count(*) AS nulls FROM ${j} WHERE NOT conv GROUP BY 1)
SELECT * FROM (
${parts.join('\nUNION ALL\n')}
) ORDER BY ${PATH_ROWS_ORDER}`;
}

/** The conversions of the journeys in `j`, numbered by person, time and number (the `p` of {@link journeyRowsSql}). */
export function numberedConversionsSql(j: string): string {
  return `SELECT row_number() OVER (ORDER BY person, t, n) AS cid, t, value, touches FROM ${j} WHERE conv`;
}

/**
 * ClickHouse (18.16 and later): each person's touches and conversions as two sorted arrays;
 * one row per conversion and one for the journey after the last conversion, expanded with
 * `arrayJoin`; paths filtered out of the touch array. Rows are (path, days, conversions, value,
 * nulls), grouped by path and day (days = -1 for nulls and empty paths); the runner sums them by
 * path and by day. With `PathRows.Both` (time decay beside them) the rows also carry `ages`: the
 * touches' ages of a conversion whose path holds more than one level value (empty otherwise, as
 * time decay gives such a conversion wholly to its one value whatever the ages), grouped by them
 * too. One statement for every model: the per-person work is done once, not once per row kind.
 */
export function clickhousePathsSql(m: ModelSql, q: PathQuery, rows: ClickHousePathRows): string {
  const L = m.rules.fns.value(Math.round(q.lookbackMs));
  const MIN = '-9223372036854775807';
  const union = `SELECT ifNull(person, '') AS person, 0 AS is_conv, ifNull(t, 0) AS t, ifNull(sid, '') AS id, ifNull(level, '') AS level, toFloat64(0) AS value FROM (${touchesSql(m, q)})
UNION ALL
SELECT ifNull(person, '') AS person, 1 AS is_conv, ifNull(t, 0) AS t, ifNull(mid, '') AS id, '' AS level, toFloat64(ifNull(value, 0)) AS value FROM (${conversionRowsSql(m, q)})`;
  const grouped = `SELECT person,
    arraySort(z -> (tupleElement(z, 1), tupleElement(z, 2)), groupArrayIf((t, id, level), is_conv = 0)) AS tl,
    arraySort(z -> (tupleElement(z, 1), tupleElement(z, 2)), groupArrayIf((t, id, value), is_conv = 1)) AS cl
  FROM (${union}) GROUP BY person`;
  const prevs = q.resetAfterConversion
    ? `arrayPopBack(arrayPushFront(arrayMap(z -> tupleElement(z, 1), cl), toInt64(${MIN})))`
    : `arrayMap(z -> toInt64(${MIN}), cl)`;
  // (is_conv, conversion time, previous conversion time, value); the tail record carries the last conversion time.
  const lastConv = `if(empty(cl), toInt64(${MIN}), tupleElement(cl[-1], 1))`;
  const tailRecord = q.resetAfterConversion
    ? `[(toUInt8(0), ${lastConv}, toInt64(${MIN}), toFloat64(0))]`
    : `arrayFilter(x -> empty(cl), [(toUInt8(0), toInt64(${MIN}), toInt64(${MIN}), toFloat64(0))])`;
  const records = `arrayConcat(arrayMap((c, p) -> (toUInt8(1), tupleElement(c, 1), p, tupleElement(c, 3)), cl, ${prevs}), ${tailRecord})`;
  // Row values enter lambdas as arrays of their own (`same`), never as captures: 18.16 prunes
  // subquery columns that only a lambda reads.
  const same = (x: string, arr: string) => `arrayResize(emptyArrayInt64(), length(${arr}), ${x})`;
  const convPath = `arrayFilter((z, c, p) -> tupleElement(z, 1) <= c AND tupleElement(z, 1) > p AND tupleElement(z, 1) >= c - ${L}, tl, ${same('ct', 'tl')}, ${same('pt', 'tl')})`;
  const tailPath = `arrayFilter((z, c) -> tupleElement(z, 1) > c, tl, ${same('ct', 'tl')})`;
  const perRecord = `SELECT person, is_conv, ct, value, if(is_conv = 1, ${convPath}, ${tailPath}) AS touches
  FROM (
    SELECT person, tl, tupleElement(r, 1) AS is_conv, tupleElement(r, 2) AS ct, tupleElement(r, 3) AS pt, tupleElement(r, 4) AS value
    FROM (SELECT person, tl, arrayJoin(${records}) AS r FROM (${grouped}))
  )`;
  // The tail's lookback counts from its own last touch.
  const windowed = `SELECT is_conv, ct, value,
    if(is_conv = 1, touches, arrayFilter((z, l) -> tupleElement(z, 1) >= l - ${L}, touches, ${same('lt', 'touches')})) AS kept
  FROM (SELECT *, if(empty(touches), toInt64(0), tupleElement(touches[-1], 1)) AS lt FROM (${perRecord}))
  WHERE is_conv = 1 OR notEmpty(touches)`;
  return clickhouseRowsSql(windowed, rows === PathRows.Both);
}

export type ClickHousePathRows = typeof PathRows.Aggregated | typeof PathRows.Both;

/** The grouped rows of the ClickHouse statement over its per-journey rows (`is_conv, ct, value, kept`). */
function clickhouseRowsSql(windowed: string, withAges: boolean): string {
  const same = `arrayResize(emptyArrayInt64(), length(kept), ct)`;
  const path = 'arrayMap(z -> tupleElement(z, 3), kept)';
  const ages = withAges
    ? `,\n  if(is_conv = 1 AND arrayUniq(${path}) > 1, arrayMap((z, c) -> c - tupleElement(z, 1), kept, ${same}), emptyArrayInt64()) AS ages`
    : '';
  return `SELECT ${path} AS path,
  if(is_conv = 1 AND notEmpty(kept), intDiv(ct - tupleElement(kept[1], 1), ${DAY_MS}), -1) AS days${ages},
  sum(is_conv) AS conversions, sum(value) AS value, sum(1 - is_conv) AS nulls
FROM (${windowed})
GROUP BY path, days${withAges ? ', ages' : ''}`;
}

/** Checks the level name before it reaches SQL. */
export function assertLevel(level: string): Level {
  if (!isLevel(level)) {
    throw new RangeError(`unknown level "${level}": use ${[...NAMED_LEVELS, ...COLUMN_LEVELS].join(', ')}`);
  }
  return level;
}

export type { ConversionFilter };
