import { readCsvLines, type CsvInput } from './csv-lines.js';
import { CAMPAIGN_COLUMNS } from '../warehouse/spend-tables.js';
import { WarehouseEngine, type SqlValue, type Warehouse } from '../warehouse/warehouse.js';

/**
 * A campaign's metadata (`ad_campaigns`): names change, so the id is the key. For Google Ads
 * the campaign type (`advertising_channel_type`) and the ad network type are what GA4 labels
 * auto-tagged clicks by (identity/google-ads-channel.ts).
 */
export interface CampaignMeta {
  readonly network: string;
  readonly account: string | null;
  readonly campaignId: string;
  readonly campaignName: string | null;
  readonly status: string | null;
  readonly objective: string | null;
  /** Google Ads `campaign.advertising_channel_type` (SEARCH, PERFORMANCE_MAX, …). */
  readonly channelType: string | null;
  /** Google Ads `segments.ad_network_type` (SEARCH, CONTENT, YOUTUBE, MIXED, …). */
  readonly adNetworkType: string | null;
}

/** Upserts campaigns: the newest metadata of a (network, campaign id) wins, on both engines. */
export async function writeCampaigns(warehouse: Warehouse, campaigns: readonly CampaignMeta[], nowMs: number): Promise<number> {
  const duck = warehouse.engine === WarehouseEngine.DuckDB;
  const at = warehouse.dialect.timestamp(nowMs);
  const cols = [...CAMPAIGN_COLUMNS, 'updated_at', ...(duck ? [] : ['version'])].join(', ');
  await warehouse.transaction(async (tx) => {
    for (let i = 0; i < campaigns.length; i += 200) {
      const params: Record<string, SqlValue> = {};
      const tuples = campaigns.slice(i, i + 200).map((c, j) => {
        const values = [c.network, c.account, c.campaignId, c.campaignName, c.status, c.objective, c.channelType, c.adNetworkType];
        const names = values.map((v, k) => ((params[`c${j}_${k}`] = v), `$c${j}_${k}`));
        return `(${[...names, at, ...(duck ? [] : [String(Math.trunc(nowMs))])].join(', ')})`;
      });
      await tx.run(`INSERT ${duck ? 'OR REPLACE ' : ''}INTO ad_campaigns (${cols}) VALUES ${tuples.join(', ')}`, params);
    }
  });
  return campaigns.length;
}

/** One campaign line (`network,campaign_id` required; the rest optional), or why it is not one. */
export function campaignOf(record: Readonly<Record<string, string>>): { ok: true; campaign: CampaignMeta } | { ok: false; reasons: string[] } {
  const by = new Map(Object.entries(record).map(([k, v]) => [k.trim().toLowerCase(), (v ?? '').trim()]));
  const get = (k: string) => by.get(k) || null;
  const reasons: string[] = [];
  const network = (get('network') ?? '').toLowerCase();
  if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(network)) reasons.push(network ? `network: "${network}" must be a short name of letters, digits, _ . -` : 'network is missing');
  const campaignId = get('campaign_id');
  if (!campaignId) reasons.push('campaign_id is missing');
  const upper = (k: string) => get(k)?.toUpperCase() ?? null;
  if (reasons.length) return { ok: false, reasons };
  return {
    ok: true,
    campaign: {
      network, account: get('account'), campaignId: campaignId!, campaignName: get('campaign_name'), status: upper('status'), objective: upper('objective'),
      channelType: upper('channel_type'), adNetworkType: upper('ad_network_type'),
    },
  };
}

/** `touchline spend campaigns <file.csv>`: bad lines named and left out, the good ones upserted. */
export async function importCampaignsCsv(warehouse: Warehouse, input: CsvInput, nowMs: number): Promise<{ written: number; problems: { line: number; reasons: string[] }[] }> {
  const { values: campaigns, problems } = await readCsvLines(input, (record) => {
    const r = campaignOf(record);
    return r.ok ? { ok: true, value: r.campaign } : r;
  });
  return { written: await writeCampaigns(warehouse, campaigns, nowMs), problems };
}
