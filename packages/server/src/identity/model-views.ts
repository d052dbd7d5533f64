import { UTM_KEYS } from '@touchline/protocol';
import type { ConversionDefinition } from '../definitions/conversions.js';
import { conversionsSql } from './conversions-sql.js';
import { googleAdsChannelSql, googleCampaignChannelsSql } from './google-ads-channel.js';
import { identityWarningsSql, idLinksSql, idMapSql } from './identity-sql.js';
import { junkIdMatch } from './junk-ids.js';
import { clickhouseSessionsSql } from './sessions-sql.js';
import type { SqlDialect } from '../warehouse/dialect/dialect.js';
import { channelSql, personKeySql, sourceMediumCampaignSql, type TouchRules } from './touch-sql.js';
import { WarehouseEngine } from '../warehouse/engine.js';

/** Everything the derived views depend on: the touch rules and the conversion definitions. */
export interface ModelSql {
  readonly rules: TouchRules;
  readonly conversions: readonly ConversionDefinition[];
}

/** The touch columns every touch-level view shows, after the derived ones. */
const RAW_TOUCH = [...UTM_KEYS, 'click_id_type', 'click_id', 'referrer_domain'];

const PREFIXES = ['first_touch', 'last_touch', 'last_non_direct_touch'] as const;

/** Per-touch fields `persons` shows for its first, last and last non-direct touch. */
export const PERSON_TOUCH_FIELDS = ['at', 'kind', 'channel', 'source', 'medium', 'campaign', 'click_id_type', 'click_id', 'referrer_domain'] as const;

/**
 * `touch_sessions` plus what is derived on read: source / medium / campaign, the channel under the
 * current rules, and the person (`person_root`, its MD5 is the person id). On DuckDB the channel
 * is computed once per distinct (source, medium, campaign) and joined back: the rule CASE over
 * hundreds of sources is the expensive part, and there are only a few dozen distinct triples.
 */
export function resolvedSessionsSql(m: ModelSql, sessions = 'touch_sessions'): string {
  const r = m.rules;
  const f = r.fns;
  const smc = sourceMediumCampaignSql(r);
  const base = `SELECT *, ${smc.source} AS source, ${smc.medium} AS medium, ${smc.campaign} AS campaign, coalesce(user_id, device_id) AS person_key FROM ${sessions}`;
  const map = `(SELECT id AS map_id, ${f.nullable('root_id')} AS map_root FROM id_map)`;
  // Auto-tagged Google Ads clicks take GA4's label from the campaign's metadata (google-ads-channel.ts).
  const duck = f.engine === WarehouseEngine.DuckDB;
  const campaigns = googleCampaignChannelsSql(f, !duck);
  if (duck) {
    return `WITH s AS (${base}),
d AS (SELECT source AS d_source, medium AS d_medium, campaign AS d_campaign, ${channelSql(r)} AS channel FROM (SELECT DISTINCT source, medium, campaign FROM s))
SELECT s.*, ${googleAdsChannelSql(f, 'd.channel', 'gc.gc_channel')} AS channel, coalesce(m.map_root, s.person_key) AS person_root
FROM s JOIN d ON d.d_source = s.source AND d.d_medium = s.medium AND d.d_campaign = s.campaign
LEFT JOIN ${map} AS m ON m.map_id = s.person_key
LEFT JOIN ${campaigns} AS gc ON gc.gc_id = s.utm_id`;
  }
  // ClickHouse 18.16 takes one JOIN per SELECT: the campaigns join wraps the id_map one.
  return `SELECT *, ${googleAdsChannelSql(f, 'rule_channel', 'gc_channel')} AS channel FROM (
SELECT *, ${channelSql(r)} AS rule_channel, coalesce(map_root, person_key) AS person_root, ${f.text('utm_id')} AS gc_key
FROM (${base}) AS s
LEFT JOIN ${map} AS m ON person_key = map_id) AS sm
LEFT JOIN ${campaigns} AS gc ON gc_key = gc_id`;
}

/** Conversions with their person root, for the `conversions` view and attribution. */
export function resolvedConversionsSql(m: ModelSql, defs = m.conversions, filter = {}): string {
  const f = m.rules.fns;
  // A conversion without a usable id is a person of its own (its path is empty): its revenue still counts.
  return `SELECT *, coalesce(map_root, person_key, ${f.concat(["'#'", 'source_id', "':'", 'message_id'])}) AS person_root
FROM (${conversionsSql(m.rules, defs, filter)}) AS c
LEFT JOIN (SELECT id AS map_id, ${f.nullable('root_id')} AS map_root FROM id_map) AS m ON person_key = map_id`;
}

function sessionsView(m: ModelSql): string {
  const cols = [
    'session_id',
    `${m.rules.fns.md5('person_root')} AS person_id`,
    'device_id',
    'started_at',
    'ended_at',
    'events',
    'kind',
    'source',
    'medium',
    'campaign',
    'channel',
    ...RAW_TOUCH,
    'message_id',
    'source_id',
    'user_id',
    'started_ms',
    'ended_ms',
  ];
  return `SELECT ${cols.join(', ')} FROM (${resolvedSessionsSql(m)})`;
}

function touchesView(): string {
  return `SELECT started_at AS touch_at, person_id, device_id, session_id, kind, source, medium, campaign, channel, ${RAW_TOUCH.join(', ')}, message_id, source_id
FROM sessions`;
}

function conversionsView(m: ModelSql): string {
  return `SELECT ${m.rules.fns.md5('person_root')} AS person_id, converted_at, conversion, event, value, currency, message_id, source_id, user_id, anonymous_id
FROM (${resolvedConversionsSql(m)})`;
}

/**
 * Each person's first, last and last non-direct touch, each group of columns from ONE session row
 * (nulls included): the row is picked whole (`argMin` of a row value), never column by column —
 * a per-column `argMin` skips NULLs, so an organic first touch would show the click id of an ad
 * clicked the next day. Ties (same start) break by session id.
 */
function personTouchesSql(f: SqlDialect): string {
  const by = '(started_ms, session_id)';
  const row = f.row(PERSON_TOUCH_FIELDS.map((k) => (k === 'at' ? 'started_at' : k)));
  const picked = `SELECT person_id AS touch_person, ${f.argMin(row, by)} AS first_row, ${f.argMax(row, by)} AS last_row,
    ${f.argMaxRowIf(row, by, `kind <> 'direct'`)} AS non_direct_row, sum(CASE WHEN kind <> 'direct' THEN 1 ELSE 0 END) AS non_direct
  FROM sessions GROUP BY person_id`;
  const cols = (prefix: string, rowCol: string, when?: string) =>
    PERSON_TOUCH_FIELDS.map((k, i) => {
      const field = f.rowField(rowCol, i + 1);
      return `${f.nullable(when ? `(CASE WHEN ${when} THEN ${field} END)` : field)} AS ${prefix}_${k}`;
    });
  const t = [...cols('first_touch', 'first_row'), ...cols('last_touch', 'last_row'), ...cols('last_non_direct_touch', 'non_direct_row', 'non_direct > 0')];
  return `SELECT touch_person, ${t.join(', ')} FROM (${picked}) AS picked`;
}

/**
 * `persons`: one row per person: every user and anonymous id, first and last seen, event count,
 * the first touch (the earliest session entry across every linked id and device), the last
 * touch, the last non-direct touch, and the traits of the latest identify.
 */
function personsView(m: ModelSql): string {
  const r = m.rules;
  const f = r.fns;
  const n = f.nullable;
  const ok = (c: string) => `NOT ${f.isJunk(c, junkIdMatch(r.junkIds))}`;
  const traits = f.argMaxIf('traits', 't', `type = 'identify' AND traits IS NOT NULL`);
  return `SELECT person_id, user_ids, anonymous_ids, first_seen, last_seen, events,
  ${PREFIXES.flatMap((p) => PERSON_TOUCH_FIELDS.map((k) => `${p}_${k}`)).join(', ')},
  latest_traits
FROM (
  SELECT ${f.md5('root')} AS person_id, ${f.sortedDistinctIf('user_id', ok('user_id'))} AS user_ids,
    ${f.sortedDistinctIf('anonymous_id', ok('anonymous_id'))} AS anonymous_ids,
    min(ts) AS first_seen, max(ts) AS last_seen, count(*) AS events, ${traits} AS latest_traits
  FROM (
    SELECT coalesce(map_root, person_key) AS root, anonymous_id, user_id, ts, t, type, traits
    FROM (SELECT ${personKeySql(r)} AS person_key, anonymous_id, user_id, "timestamp" AS ts, ${f.epochMs('"timestamp"')} AS t, type, traits FROM events) AS e
    LEFT JOIN (SELECT id AS map_id, ${n('root_id')} AS map_root FROM id_map) AS m ON person_key = map_id
    WHERE person_key IS NOT NULL
  )
  GROUP BY root
) AS p
LEFT JOIN (${personTouchesSql(f)}) AS tp ON person_id = touch_person`;
}

/**
 * The derived views, in dependency order, as (name, SELECT). The same names and columns on both
 * engines; `touch_sessions` is a table on DuckDB (kept up to date per loaded batch) and a view
 * here on ClickHouse.
 */
export function modelViews(m: ModelSql): [string, string][] {
  const o = { fns: m.rules.fns, junkIds: m.rules.junkIds };
  const views: [string, string][] = [
    ['id_links', idLinksSql(o)],
    ['id_map', idMapSql(o)],
    ['identity_warnings', identityWarningsSql(o)],
  ];
  if (m.rules.fns.engine === WarehouseEngine.ClickHouse) views.push(['touch_sessions', clickhouseSessionsSql(m.rules)]);
  views.push(['sessions', sessionsView(m)], ['touches', touchesView()], ['conversions', conversionsView(m)], ['persons', personsView(m)]);
  return views;
}

/** Names of every derived view (dropped and recreated when the configuration changes). */
export const MODEL_VIEW_NAMES = ['persons', 'conversions', 'touches', 'sessions', 'touch_sessions', 'identity_warnings', 'id_map', 'id_links'] as const;
