import { bindModel } from '../identity/bound-model.js';
import { resolvedSessionsSql, type ModelSql } from '../identity/model-views.js';
import { WarehouseEngine, type Warehouse } from '../warehouse/warehouse.js';
import { normaliseCampaignName, sourcesOfNetwork } from './spend-row.js';

/**
 * Spend joined to touches. Spend is per network campaign; credit is per level value (a channel,
 * a source / medium, a campaign name). A campaign's landings say which level values its money
 * bought: the campaign id on the landing (`utm_id`: the networks' `{campaignid}`-style URL macros)
 * first, else its name (`utm_campaign`, normalised) on the network's own sources. A campaign whose
 * landings fall under several level values (one Google campaign landing as Paid Search and as
 * Display) has its cost split by their share of its sessions.
 */
export interface TouchGroup {
  readonly utmId: string | null;
  readonly utmCampaign: string | null;
  readonly source: string;
  readonly medium: string;
  readonly clickIdType: string | null;
  readonly level: string;
  readonly sessions: number;
}

/** Spend of one campaign on one day, in its own currency. */
export interface CampaignDay {
  readonly network: string;
  readonly campaignId: string;
  readonly campaignName: string | null;
  readonly currency: string;
  readonly date: string;
  readonly costMicros: bigint;
  readonly networkConversions: number;
}

export const JoinedBy = { Id: 'campaign_id', Name: 'campaign_name', None: 'none' } as const;
export type JoinedBy = (typeof JoinedBy)[keyof typeof JoinedBy];

export interface CampaignMatch {
  readonly by: JoinedBy;
  /** Level value → its share of the campaign's sessions (sums to 1; empty when unmatched). */
  readonly shares: ReadonlyMap<string, number>;
  readonly groups: readonly TouchGroup[];
}

const str = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v));

/**
 * Touch groups: the marketing sessions (not direct ones) by landing campaign id, campaign name,
 * source and level value. Bounded by the number of distinct campaigns, never by sessions.
 */
export async function readTouchGroups(warehouse: Warehouse, m: ModelSql, sessionsOf: (m: ModelSql) => string, levelOf: (m: ModelSql) => string): Promise<TouchGroup[]> {
  const { model, params } = bindModel(m);
  const sql = `SELECT utm_id, utm_campaign, source, medium, click_id_type, level, count(*) AS sessions FROM (
  SELECT utm_id, utm_campaign, source, medium, click_id_type, ${levelOf(model)} AS level FROM (${resolvedSessionsSql(model, sessionsOf(model))}) AS rs WHERE kind <> 'direct'
) AS t GROUP BY utm_id, utm_campaign, source, medium, click_id_type, level`;
  const r = await warehouse.query(sql, { params });
  return r.rows.map((row) => ({
    utmId: str(row[0])?.trim() ?? null,
    utmCampaign: str(row[1]),
    source: String(row[2] ?? ''),
    medium: String(row[3] ?? ''),
    clickIdType: str(row[4]),
    level: String(row[5] ?? ''),
    sessions: Number(row[6]),
  }));
}

/**
 * The first day not in a range that ends (exclusive) at `until`, as conversions' `until` does:
 * `2026-01-03` and `2026-01-03T00:00:00Z` end before that day, `2026-01-03T12:00Z` after it.
 */
export function endDayOf(until: string): string {
  const ms = Date.parse(until);
  if (!Number.isFinite(ms)) throw new RangeError(`until: "${until}" is not a date or time`);
  const day = new Date(ms).toISOString().slice(0, 10);
  return ms > Date.parse(`${day}T00:00:00Z`) ? new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : day;
}

/** Daily cost per campaign of the days from `since` to before `until` (all days when unset), from the `ad_spend` view. */
export async function readCampaignDays(warehouse: Warehouse, range: { since?: string | undefined; until?: string | undefined } = {}): Promise<CampaignDay[]> {
  const duck = warehouse.engine === WarehouseEngine.DuckDB;
  const day = duck ? 'CAST(date AS VARCHAR)' : 'toString(date)';
  const params: Record<string, string> = {};
  const where: string[] = [];
  if (range.since) {
    const ms = Date.parse(range.since);
    if (!Number.isFinite(ms)) throw new RangeError(`since: "${range.since}" is not a date or time`);
    params['since'] = new Date(ms).toISOString().slice(0, 10);
    where.push(`${day} >= $since`);
  }
  if (range.until) {
    params['until'] = endDayOf(range.until);
    where.push(`${day} < $until`);
  }
  const cost = duck ? 'CAST(sum(cost_micros) AS VARCHAR)' : 'toString(sum(cost_micros))';
  const sql = `SELECT network, campaign_id, any_value(campaign_name) AS campaign_name, currency, ${day} AS day, ${cost} AS cost, sum(coalesce(network_conversions, 0)) AS conv
FROM ad_spend${where.length ? ` WHERE ${where.join(' AND ')}` : ''} GROUP BY network, campaign_id, currency, ${day}`;
  const r = await warehouse.query(duck ? sql : sql.replace('any_value(', 'any('), { params });
  return r.rows.map((row) => ({
    network: String(row[0]),
    campaignId: String(row[1]),
    campaignName: str(row[2]),
    currency: String(row[3]),
    date: String(row[4]),
    costMicros: BigInt(String(row[5])),
    networkConversions: Number(row[6]),
  }));
}

/** The touch groups a campaign's money bought: by id where a landing carries it, else by name on the network's sources. */
export function matchCampaign(c: Pick<CampaignDay, 'network' | 'campaignId' | 'campaignName'>, groups: readonly TouchGroup[]): CampaignMatch {
  let by: JoinedBy = JoinedBy.Id;
  let hit = groups.filter((g) => g.utmId !== null && g.utmId === c.campaignId);
  if (hit.length === 0 && c.campaignName) {
    const name = normaliseCampaignName(c.campaignName);
    const sources = new Set(sourcesOfNetwork(c.network));
    by = JoinedBy.Name;
    hit = groups.filter((g) => g.utmCampaign !== null && normaliseCampaignName(g.utmCampaign) === name && sources.has(g.source.toLowerCase()));
  }
  if (hit.length === 0) return { by: JoinedBy.None, shares: new Map(), groups: [] };
  const total = hit.reduce((s, g) => s + g.sessions, 0);
  const shares = new Map<string, number>();
  for (const g of hit) shares.set(g.level, (shares.get(g.level) ?? 0) + g.sessions / total);
  return { by, shares, groups: hit };
}
