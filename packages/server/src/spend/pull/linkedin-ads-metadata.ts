import { linkedinRule, type linkedinClient } from '@touchline/destinations';
import type { CampaignMeta } from '../campaigns.js';
import { answerOf, arrayAt, contractBreak, dayOf, objectAt, type VendorReading } from './more-sources-http.js';
import { SpendPullError, type SpendPullContext } from './spend-source.js';

/**
 * What adAnalytics does not say (reporting-and-spend.md §B3 "Metadata"): the account's currency
 * (`GET /rest/adAccounts/{id}`) and each campaign's name, status and objective (the ad campaigns
 * finder `GET /rest/adAccounts/{id}/adCampaigns?q=search`, paged by `pageToken`).
 */
export type LinkedinClient = ReturnType<typeof linkedinClient>;

export const LINKEDIN_NETWORK = 'linkedin';
export const LINKEDIN_READING: VendorReading = {
  network: LINKEDIN_NETWORK,
  rules: [linkedinRule],
  // 401 is a dead token (65600 / 65601); 403 is a member without r_ads_reporting on the account.
  authRefused: (a) => a.status === 401 || a.status === 403,
  authHint: 'reconnect the connection as a member of the ad account, granting r_ads_reporting and r_ads (touchline connections connect)',
};
const NETWORK = LINKEDIN_NETWORK;

/** The API version LinkedIn's Conversions destination pins too; about 12 months of support (HTTP 426 after). */
const DEFAULT_VERSION = '202603';
/** The finder's largest page. */
const CAMPAIGN_PAGE = 1000;
/** A cursor that never ends is a contract break, not a loop. */
const MAX_CAMPAIGN_PAGES = 200;

/** `LinkedIn-Version` from the credentials (`YYYYMM`), else the pinned default. */
export function linkedinVersion(configured: string | undefined): string {
  if (configured === undefined) return DEFAULT_VERSION;
  if (!/^20\d{2}(0[1-9]|1[0-2])$/.test(configured)) throw new SpendPullError(NETWORK, 'refused', `credentials 'apiVersion' must be YYYYMM (got ${JSON.stringify(configured.slice(0, 20))})`);
  return configured;
}

/** `(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:2))`: Rest.li 2.0 syntax, left unencoded. */
export function restliDateRange(since: string, until: string): string {
  const part = (text: string) => {
    const d = dayOf(NETWORK, 'window day', text);
    return `(year:${d.year},month:${d.month},day:${d.day})`;
  };
  return `(start:${part(since)},end:${part(until)})`;
}

/** The ad account's currency: adAnalytics' `costInLocalCurrency` is in it. */
export async function linkedinAccount(ctx: SpendPullContext, client: LinkedinClient, account: string): Promise<string> {
  const answer = await answerOf(ctx, LINKEDIN_READING, () => client.get(`adAccounts/${account}`, ''));
  const currency = objectAt(NETWORK, 'ad account', answer.body)['currency'];
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) throw contractBreak(NETWORK, `ad account ${account} has no ISO currency (${JSON.stringify(currency)})`);
  return currency;
}

/** Every campaign of the account, across the finder's pages. */
export async function linkedinCampaigns(ctx: SpendPullContext, client: LinkedinClient, account: string): Promise<CampaignMeta[]> {
  const out: CampaignMeta[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_CAMPAIGN_PAGES; page++) {
    const query = `q=search&pageSize=${CAMPAIGN_PAGE}${token === undefined ? '' : `&pageToken=${encodeURIComponent(token)}`}`;
    const answer = await answerOf(ctx, LINKEDIN_READING, () => client.get(`adAccounts/${account}/adCampaigns`, query));
    const body = objectAt(NETWORK, 'adCampaigns answer', answer.body);
    for (const e of arrayAt(NETWORK, 'adCampaigns elements', body['elements'])) out.push(campaignOf(e, account));
    const next = body['metadata'] === undefined ? undefined : objectAt(NETWORK, 'adCampaigns metadata', body['metadata'])['nextPageToken'];
    if (next === undefined || next === null || next === '') return out;
    if (typeof next !== 'string') throw contractBreak(NETWORK, `nextPageToken ${JSON.stringify(next)}`);
    token = next;
  }
  throw contractBreak(NETWORK, `the campaign finder kept paging past ${MAX_CAMPAIGN_PAGES} pages`);
}

function campaignOf(element: unknown, account: string): CampaignMeta {
  const e = objectAt(NETWORK, 'adCampaigns element', element);
  const id = String(e['id'] ?? '');
  if (!/^\d{1,20}$/.test(id)) throw contractBreak(NETWORK, `campaign id ${JSON.stringify(e['id'])}`);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    network: NETWORK, account, campaignId: id, campaignName: text(e['name']), status: text(e['status'])?.toUpperCase() ?? null,
    objective: text(e['objectiveType'])?.toUpperCase() ?? null, channelType: null, adNetworkType: null,
  };
}
