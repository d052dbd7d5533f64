import { linkedinClient, OAUTH_SCOPES } from '@touchline/destinations';
import type { CampaignMeta } from '../campaigns.js';
import type { SpendRow } from '../spend-row.js';
import { LINKEDIN_NETWORK, LINKEDIN_READING, linkedinAccount, linkedinCampaigns, linkedinVersion, restliDateRange, type LinkedinClient } from './linkedin-ads-metadata.js';
import {
  amountOf, answerOf, arrayAt, contractBreak, costMicrosOf, countOf, dayOf, daySlices, digitsId, objectAt, pullToken, requestContext,
} from './more-sources-http.js';
import { SpendPullError, type SpendPage, type SpendPullContext, type SpendSource, type SpendWindow } from './spend-source.js';

/**
 * LinkedIn adAnalytics (reporting-and-spend.md §B3): `GET /rest/adAnalytics?q=analytics` with
 * pivot CAMPAIGN and daily granularity. It has no pagination and reportedly truncates silently at
 * 15,000 elements, so the window goes in slices small enough for the account's campaigns, and a
 * slice that comes back full is split until one day; a full single day is reported `partial`.
 */
const HOST = 'https://api.linkedin.com';
/** Elements per adAnalytics answer past which LinkedIn truncates (third-party, §B3). */
const RESULT_LIMIT = 15_000;
const FIELDS = 'dateRange,pivotValues,costInLocalCurrency,impressions,clicks,externalWebsiteConversions,conversionValueInLocalCurrency';

export interface LinkedinAdsSourceOptions {
  /** Elements one answer may hold before LinkedIn truncates. @defaultValue 15000 */
  readonly resultLimit?: number;
}

/**
 * The LinkedIn source: campaign spend per day of one sponsored ad account (`window.account`, its
 * numeric id). `credentials['apiVersion']` pins `LinkedIn-Version` (YYYYMM, default 202603).
 */
export function linkedinAdsSource(options: LinkedinAdsSourceOptions = {}): SpendSource {
  const limit = options.resultLimit ?? RESULT_LIMIT;
  return {
    network: LINKEDIN_NETWORK,
    scopes: [OAUTH_SCOPES.linkedin.reporting, OAUTH_SCOPES.linkedin.ads],
    pull: (window, ctx) => pullLinkedin(window, ctx, limit),
  };
}

async function* pullLinkedin(window: SpendWindow, ctx: SpendPullContext, limit: number): AsyncGenerator<SpendPage> {
  const account = digitsId(LINKEDIN_NETWORK, 'the LinkedIn ad account id (the account)', window.account);
  const apiVersion = linkedinVersion(ctx.credentials['apiVersion']);
  daySlices(LINKEDIN_NETWORK, window.since, window.until, 1); // checks the window before any request
  const client = linkedinClient({ endpoint: ctx.baseUrl ?? HOST, apiVersion }, requestContext(ctx), await pullToken(ctx));
  const currency = await linkedinAccount(ctx, client, account);
  const campaigns = await linkedinCampaigns(ctx, client, account);
  const byId = new Map(campaigns.map((c) => [c.campaignId, c]));
  // Each day has at most one element per campaign: that many days fit under the limit.
  const days = Math.max(1, Math.floor((limit - 1) / Math.max(1, campaigns.length)));
  yield { rows: [], campaigns };
  for (const slice of daySlices(LINKEDIN_NETWORK, window.since, window.until, days)) {
    for await (const rows of sliceRows(ctx, client, { account, currency, byId, limit }, slice)) yield { rows, campaigns: [] };
  }
}

interface SliceInput {
  readonly account: string;
  readonly currency: string;
  readonly byId: ReadonlyMap<string, CampaignMeta>;
  readonly limit: number;
}

/** One slice's rows; a full answer (maybe truncated) is asked again as two halves. */
async function* sliceRows(ctx: SpendPullContext, client: LinkedinClient, input: SliceInput, slice: { since: string; until: string }): AsyncGenerator<SpendRow[]> {
  const query = [
    'q=analytics', 'pivot=CAMPAIGN', 'timeGranularity=DAILY', `dateRange=${restliDateRange(slice.since, slice.until)}`,
    // Rest.li 2.0: the URN's reserved characters are encoded inside List(...), the syntax is not.
    `accounts=List(${encodeURIComponent(`urn:li:sponsoredAccount:${input.account}`)})`, `fields=${FIELDS}`,
  ].join('&');
  const answer = await answerOf(ctx, LINKEDIN_READING, () => client.get('adAnalytics', query));
  const elements = arrayAt(LINKEDIN_NETWORK, 'elements', objectAt(LINKEDIN_NETWORK, 'adAnalytics answer', answer.body)['elements']);
  if (elements.length >= input.limit) {
    const days = daySlices(LINKEDIN_NETWORK, slice.since, slice.until, 1);
    if (days.length === 1) throw new SpendPullError(LINKEDIN_NETWORK, 'partial', `adAnalytics answered ${elements.length} elements for ${slice.since}, its truncation limit: that day may be incomplete`);
    const half = Math.ceil(days.length / 2);
    yield* sliceRows(ctx, client, input, { since: slice.since, until: days[half - 1]!.until });
    yield* sliceRows(ctx, client, input, { since: days[half]!.since, until: slice.until });
    return;
  }
  yield elements.map((e) => rowOf(e, input, slice));
}

/** `{year, month, day}` of a Rest.li Date as `YYYY-MM-DD`. */
function dateOf(value: unknown): string {
  const d = objectAt(LINKEDIN_NETWORK, 'dateRange.start', value);
  const text = `${String(d['year']).padStart(4, '0')}-${String(d['month']).padStart(2, '0')}-${String(d['day']).padStart(2, '0')}`;
  try {
    dayOf(LINKEDIN_NETWORK, 'dateRange.start', text);
  } catch {
    throw contractBreak(LINKEDIN_NETWORK, `dateRange.start ${JSON.stringify(value)}`);
  }
  return text;
}

function rowOf(element: unknown, input: SliceInput, slice: { since: string; until: string }): SpendRow {
  const e = objectAt(LINKEDIN_NETWORK, 'elements[]', element);
  const urn = arrayAt(LINKEDIN_NETWORK, 'pivotValues', e['pivotValues'])[0];
  const campaignId = /^urn:li:sponsoredCampaign:(\d{1,20})$/.exec(String(urn ?? ''))?.[1];
  if (!campaignId) throw contractBreak(LINKEDIN_NETWORK, `pivotValues ${JSON.stringify(e['pivotValues'])} is no sponsoredCampaign URN`);
  const date = dateOf(objectAt(LINKEDIN_NETWORK, 'dateRange', e['dateRange'])['start']);
  if (date < slice.since || date > slice.until) throw contractBreak(LINKEDIN_NETWORK, `an element of ${date} in a report for ${slice.since}..${slice.until}`);
  const meta = input.byId.get(campaignId);
  return {
    network: LINKEDIN_NETWORK, account: input.account, date, campaignId, campaignName: meta?.campaignName ?? null, adGroupId: '', adGroupName: null,
    costMicros: costMicrosOf(LINKEDIN_NETWORK, `costInLocalCurrency of campaign ${campaignId} on ${date}`, e['costInLocalCurrency']), currency: input.currency,
    impressions: countOf(LINKEDIN_NETWORK, 'impressions', e['impressions']), clicks: countOf(LINKEDIN_NETWORK, 'clicks', e['clicks']),
    networkConversions: amountOf(LINKEDIN_NETWORK, 'externalWebsiteConversions', e['externalWebsiteConversions']),
    networkConversionValue: amountOf(LINKEDIN_NETWORK, 'conversionValueInLocalCurrency', e['conversionValueInLocalCurrency']),
  };
}
