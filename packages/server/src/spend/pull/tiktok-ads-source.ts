import { tiktokClient, tiktokRule, TIKTOK_CODES, type HttpAnswer } from '@touchline/destinations';
import type { CampaignMeta } from '../campaigns.js';
import type { SpendRow } from '../spend-row.js';
import {
  amountOf, answerOf, arrayAt, contractBreak, costMicrosOf, countOf, daySlices, digitsId, objectAt, pullToken, requestContext, type VendorReading,
} from './more-sources-http.js';
import { SpendPullError, type SpendPage, type SpendPullContext, type SpendSource, type SpendWindow } from './spend-source.js';

/**
 * TikTok Business API reporting (reporting-and-spend.md §B4): `GET /open_api/v1.3/report/integrated/get/`,
 * synchronous, paged by `page` / `page_size`, errors as HTTP 200 with an envelope `code`.
 */
const NETWORK = 'tiktok';
const HOST = 'https://business-api.tiktok.com';
/** TikTok's largest page. */
const PAGE_SIZE = 1000;
/** A `stat_time_day` report spans about 30 days at most (§B4), so longer windows go in slices. */
const RANGE_DAYS = 30;
/** Envelope codes of a dead or unpermitted token: 40001 no permission, 40104 / 40105 token refused (§C6). */
const TOKEN_CODES: ReadonlySet<number> = new Set([TIKTOK_CODES.noPermission, 40104, TIKTOK_CODES.invalidToken]);
/** More pages than any account's 30 days of campaigns fill: a runaway cursor, not data. */
const MAX_PAGES = 10_000;
const METRICS = ['spend', 'impressions', 'clicks', 'conversion', 'campaign_name'];

const envelopeCode = (answer: HttpAnswer): number | undefined => {
  const b = answer.body;
  return b && typeof b === 'object' && 'code' in b ? Number((b as { code: unknown }).code) : undefined;
};

const READING: VendorReading = {
  network: NETWORK,
  rules: [tiktokRule],
  authRefused: (a) => a.status === 401 || TOKEN_CODES.has(envelopeCode(a) ?? -1),
  authHint: "have the advertiser authorise the app again, with its Reporting permission (touchline connections connect)",
};

export interface TiktokAdsSourceOptions {
  /** Rows per page. @defaultValue 1000 (TikTok's maximum) */
  readonly pageSize?: number;
}

/** The TikTok source: campaign spend per day of one advertiser (`window.account` = advertiser id). */
export function tiktokAdsSource(options: TiktokAdsSourceOptions = {}): SpendSource {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  return {
    network: NETWORK,
    // TikTok grants permissions to the app (the portal's "Reporting" scope), not per token request.
    scopes: ['Reporting'],
    pull: (window, ctx) => pullTiktok(window, ctx, pageSize),
  };
}

type Client = ReturnType<typeof tiktokClient>;

/** The envelope's `data` of a success; 20001 (partial success) means the numbers are incomplete. */
async function dataOf(ctx: SpendPullContext, send: () => ReturnType<Client['get']>): Promise<Record<string, unknown>> {
  const answer = await answerOf(ctx, READING, send);
  const code = envelopeCode(answer);
  if (code === TIKTOK_CODES.partial) throw new SpendPullError(NETWORK, 'partial', `TikTok reported partial data (20001): ${String((answer.body as { message?: unknown }).message ?? '')}; pull the window again later`);
  if (code !== TIKTOK_CODES.ok) throw contractBreak(NETWORK, `no envelope code 0 in ${JSON.stringify(answer.body).slice(0, 200)}`);
  return objectAt(NETWORK, 'data', (answer.body as { data?: unknown }).data);
}

async function* pullTiktok(window: SpendWindow, ctx: SpendPullContext, pageSize: number): AsyncGenerator<SpendPage> {
  const advertiser = digitsId(NETWORK, 'the TikTok advertiser id (the account)', window.account);
  const slices = daySlices(NETWORK, window.since, window.until, RANGE_DAYS);
  const client = tiktokClient({ endpoint: ctx.baseUrl ?? HOST }, requestContext(ctx), await pullToken(ctx));
  const currency = await advertiserCurrency(ctx, client, advertiser);
  // The report is no snapshot: a row can move across pages while paging (§B4), so each
  // (campaign, day) counts once.
  const seen = new Set<string>();
  for (const slice of slices) {
    for (let page = 1, total = 1; page <= total; page++) {
      const query = {
        advertiser_id: advertiser, report_type: 'BASIC', data_level: 'AUCTION_CAMPAIGN',
        dimensions: JSON.stringify(['campaign_id', 'stat_time_day']), metrics: JSON.stringify(METRICS),
        start_date: slice.since, end_date: slice.until, page: String(page), page_size: String(pageSize),
      };
      const data = await dataOf(ctx, () => client.get('report/integrated/get/', query));
      total = countOf(NETWORK, 'page_info.total_page', objectAt(NETWORK, 'page_info', data['page_info'])['total_page']) ?? 0;
      if (total > MAX_PAGES) throw contractBreak(NETWORK, `page_info.total_page ${total} for one ${RANGE_DAYS}-day report`);
      const read = arrayAt(NETWORK, 'data.list', data['list']).map((item) => rowOf(item, advertiser, currency, slice));
      const fresh = read.filter((r) => !seen.has(`${r.row.campaignId}|${r.row.date}`));
      for (const r of fresh) seen.add(`${r.row.campaignId}|${r.row.date}`);
      yield { rows: fresh.map((r) => r.row), campaigns: fresh.map((r) => r.campaign) };
    }
  }
}

/** The advertiser's currency (`advertiser/info`): the report's spend is in it. */
async function advertiserCurrency(ctx: SpendPullContext, client: Client, advertiser: string): Promise<string> {
  const data = await dataOf(ctx, () => client.get('advertiser/info/', { advertiser_ids: JSON.stringify([advertiser]), fields: JSON.stringify(['currency', 'timezone']) }));
  const first = arrayAt(NETWORK, 'advertiser/info data.list', data['list'])[0];
  const currency = first && typeof first === 'object' ? (first as { currency?: unknown }).currency : undefined;
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) throw contractBreak(NETWORK, `advertiser ${advertiser} has no ISO currency (${JSON.stringify(currency)})`);
  return currency;
}

function rowOf(item: unknown, advertiser: string, currency: string, slice: { since: string; until: string }): { row: SpendRow; campaign: CampaignMeta } {
  const dims = objectAt(NETWORK, 'list[].dimensions', objectAt(NETWORK, 'list[]', item)['dimensions']);
  const m = objectAt(NETWORK, 'list[].metrics', (item as Record<string, unknown>)['metrics']);
  const campaignId = String(dims['campaign_id'] ?? '');
  if (!/^\d{1,20}$/.test(campaignId)) throw contractBreak(NETWORK, `campaign_id ${JSON.stringify(dims['campaign_id'])}`);
  const day = /^(\d{4}-\d{2}-\d{2})(?: 00:00:00)?$/.exec(String(dims['stat_time_day'] ?? ''))?.[1];
  if (!day || day < slice.since || day > slice.until) throw contractBreak(NETWORK, `stat_time_day ${JSON.stringify(dims['stat_time_day'])} outside ${slice.since}..${slice.until}`);
  const name = typeof m['campaign_name'] === 'string' && m['campaign_name'] !== '' ? m['campaign_name'] : null;
  const row: SpendRow = {
    network: NETWORK, account: advertiser, date: day, campaignId, campaignName: name, adGroupId: '', adGroupName: null,
    costMicros: costMicrosOf(NETWORK, `spend of campaign ${campaignId} on ${day}`, m['spend']), currency,
    impressions: countOf(NETWORK, 'impressions', m['impressions']), clicks: countOf(NETWORK, 'clicks', m['clicks']),
    networkConversions: amountOf(NETWORK, 'conversion', m['conversion']), networkConversionValue: null,
  };
  const campaign: CampaignMeta = { network: NETWORK, account: advertiser, campaignId, campaignName: name, status: null, objective: null, channelType: null, adNetworkType: null };
  return { row, campaign };
}
