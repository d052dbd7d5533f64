import { OAUTH_SCOPES, parseProtoDuration } from '@touchline/destinations';
import type { CampaignMeta } from '../campaigns.js';
import type { SpendRow } from '../spend-row.js';
import { checkWindow, count, isRecord, sendAuthorized, withRetries, type Attempt, type PullAnswer } from './pull-http.js';
import { SpendPullError, type SpendPage, type SpendPullContext, type SpendSource, type SpendWindow } from './spend-source.js';

/**
 * Google Ads spend through GAQL `googleAds:searchStream` (reporting-and-spend.md §B1): one POST
 * per account and window, answered with a JSON array of batches of `results[]`.
 */
const NETWORK = 'google_ads';
const HOST = 'https://googleads.googleapis.com';
/** The newest version the research notes name (v23-v26 are served until late 2027). */
const DEFAULT_VERSION = 'v26';

const fail = (failure: ConstructorParameters<typeof SpendPullError>[1], message: string) => new SpendPullError(NETWORK, failure, message);

/** `123-456-7890` → `1234567890`: a customer id is ten digits, checked before it goes into a URL path. */
export function googleCustomerId(account: string): string {
  const id = account.replace(/-/g, '');
  if (!/^\d{10}$/.test(id)) throw fail('refused', `account ${JSON.stringify(account)} is not a Google Ads customer id (10 digits, dashes allowed): fix spend.pull.connections.<name>.accounts`);
  return id;
}

/** The GAQL query: days are checked to be `YYYY-MM-DD` first, so nothing but a real date is put in it. */
export function spendQuery(since: string, until: string): string {
  checkWindow(NETWORK, since, until);
  return [
    'SELECT customer.currency_code, campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type,',
    'segments.date, segments.ad_network_type, metrics.cost_micros, metrics.impressions, metrics.clicks,',
    'metrics.conversions, metrics.conversions_value',
    `FROM campaign WHERE segments.date BETWEEN '${since}' AND '${until}'`,
  ].join(' ');
}

/** The first GoogleAdsFailure error code of an error body, as `category:CODE` (`quotaError:RESOURCE_EXHAUSTED`). */
function adsErrorCodes(body: unknown): { codes: string[]; message: string; retryDelayMs?: number } {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : {};
  const codes: string[] = [];
  let retryDelayMs: number | undefined;
  for (const d of Array.isArray(error['details']) ? error['details'] : []) {
    if (!isRecord(d)) continue;
    for (const e of Array.isArray(d['errors']) ? d['errors'] : []) {
      if (isRecord(e) && isRecord(e['errorCode'])) codes.push(...Object.entries(e['errorCode']).map(([k, v]) => `${k}:${String(v)}`));
      const q = isRecord(e) && isRecord(e['details']) ? e['details']['quotaErrorDetails'] : undefined;
      if (isRecord(q)) retryDelayMs = parseProtoDuration(q['retryDelay']) ?? retryDelayMs;
    }
  }
  const message = typeof error['message'] === 'string' ? error['message'] : `HTTP error`;
  return { codes, message, ...(retryDelayMs !== undefined ? { retryDelayMs } : {}) };
}

/**
 * What an error answer means for the user (the AuthenticationError / AuthorizationError /
 * QuotaError enums): a developer token missing or not approved is `refused` (no reconnect fixes
 * it); a dead or unauthorised login is `auth`; quota and server trouble are retried.
 */
export function classifyGoogleAdsAnswer(a: PullAnswer): Attempt<never> {
  const { codes, message, retryDelayMs } = adsErrorCodes(a.body);
  const has = (code: string) => codes.some((c) => c.endsWith(`:${code}`));
  const detail = `${message}${codes.length ? ` (${codes.join(', ')})` : ''}`;
  if (has('DEVELOPER_TOKEN_NOT_APPROVED') || has('DEVELOPER_TOKEN_PARAMETER_MISSING') || has('DEVELOPER_TOKEN_INVALID')) {
    return { ok: false, retry: false, error: fail('refused', `the developer token was refused: ${detail}. A token with test access reads only test accounts: apply for Basic access in the API Center, or fix spend.pull.connections.<name>.credentials.developerToken`) };
  }
  if (a.status === 401 || a.status === 403) return { ok: false, retry: false, error: fail('auth', `HTTP ${a.status}: ${detail}. Reconnect (touchline destinations connect <connection>) with a Google user that can read this account, or set loginCustomerId to the manager account it is reached through`) };
  if (a.status === 429 || has('RESOURCE_EXHAUSTED') || has('RESOURCE_TEMPORARILY_EXHAUSTED')) {
    return { ok: false, retry: true, ...(retryDelayMs !== undefined ? { waitMs: retryDelayMs } : {}), error: fail('throttled', `quota exhausted: ${detail}. Try later (touchline spend pull --network google_ads), or ask Google for a higher access level`) };
  }
  if (a.status === 0 || a.status >= 500) return { ok: false, retry: true, error: fail('throttled', `Google Ads is unavailable (${a.status === 0 ? String(a.body) : `HTTP ${a.status}`}): try later`) };
  return { ok: false, retry: false, error: fail('refused', `HTTP ${a.status}: ${detail}`) };
}

interface Parsed {
  readonly rows: SpendRow[];
  readonly campaigns: CampaignMeta[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** One `results[]` element as a spend row and its campaign, or why the answer breaks the contract. */
function resultRow(r: unknown, account: string): { row: SpendRow; meta: CampaignMeta } {
  const c = isRecord(r) && isRecord(r['campaign']) ? r['campaign'] : null;
  const s = isRecord(r) && isRecord(r['segments']) ? r['segments'] : null;
  const m = isRecord(r) && isRecord(r['metrics']) ? r['metrics'] : {};
  const cu = isRecord(r) && isRecord(r['customer']) ? r['customer'] : {};
  const id = c ? str(c['id']) : null;
  const date = s ? str(s['date']) : null;
  // int64 metrics arrive as strings; a metric that is zero is left out of the JSON.
  const micros = m['costMicros'] ?? '0';
  const currency = str(cu['currencyCode']);
  if (!id || !/^\d+$/.test(id) || !date || typeof micros !== 'string' || !/^\d+$/.test(micros) || !currency) {
    throw fail('contract', `a searchStream result lacks campaign.id, segments.date, customer.currencyCode or an integer metrics.costMicros: ${JSON.stringify(r).slice(0, 300)}`);
  }
  const name = str(c!['name']);
  return {
    row: {
      network: NETWORK, account, date, campaignId: id, campaignName: name, adGroupId: '', adGroupName: null,
      costMicros: BigInt(micros), currency, impressions: count(m['impressions'] ?? 0), clicks: count(m['clicks'] ?? 0),
      networkConversions: count(m['conversions'] ?? 0), networkConversionValue: count(m['conversionsValue'] ?? 0),
    },
    meta: {
      network: NETWORK, account, campaignId: id, campaignName: name, status: str(c!['status']), objective: null,
      channelType: str(c!['advertisingChannelType']), adNetworkType: str(s!['adNetworkType']),
    },
  };
}

const add = (a: number | null, b: number | null): number | null => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

/**
 * The batches as pages of one row per campaign and day. The query is segmented by ad network
 * type (what GA4 labels auto-tagged clicks by), so a search campaign comes back once for Search
 * and once for Search partners: those rows are summed, and the campaign keeps the network type
 * that carried most of its cost in the window. A row sits on the page of the batch where its
 * campaign-day first appeared; later batches add to it (a day may straddle two batches).
 */
export function pagesOfStream(batches: readonly unknown[], account: string): SpendPage[] {
  const rows = new Map<string, SpendRow>();
  const cost = new Map<string, Map<string, bigint>>();
  const metas = new Map<string, CampaignMeta>();
  const firstPage: string[][] = [];
  for (const batch of batches) {
    const keys: string[] = [];
    firstPage.push(keys);
    if (!isRecord(batch) || (batch['results'] !== undefined && !Array.isArray(batch['results']))) throw fail('contract', 'a searchStream batch is not an object with results[]');
    for (const r of (batch['results'] as unknown[] | undefined) ?? []) {
      const { row, meta } = resultRow(r, account);
      const key = `${row.campaignId}\u0000${row.date}`;
      const had = rows.get(key);
      if (!had) keys.push(key);
      rows.set(key, had ? { ...had, costMicros: had.costMicros + row.costMicros, impressions: add(had.impressions, row.impressions), clicks: add(had.clicks, row.clicks), networkConversions: add(had.networkConversions, row.networkConversions), networkConversionValue: add(had.networkConversionValue, row.networkConversionValue) } : row);
      const byType = cost.get(row.campaignId) ?? new Map<string, bigint>();
      byType.set(meta.adNetworkType ?? '', (byType.get(meta.adNetworkType ?? '') ?? 0n) + row.costMicros);
      cost.set(row.campaignId, byType);
      metas.set(row.campaignId, meta);
    }
  }
  const dominant = (id: string) => [...(cost.get(id) ?? new Map<string, bigint>())].sort((a, b) => (a[1] === b[1] ? a[0].localeCompare(b[0]) : a[1] > b[1] ? -1 : 1))[0]?.[0] || null;
  const seen = new Set<string>();
  return firstPage.map((keys) => {
    const page = keys.map((k) => rows.get(k)!);
    const ids = [...new Set(page.map((r) => r.campaignId))].filter((id) => !seen.has(id) && seen.add(id));
    return { rows: page, campaigns: ids.map((id) => ({ ...metas.get(id)!, adNetworkType: dominant(id) })) };
  });
}

/** One searchStream call; errors classified, quota and server trouble retried with back-off. */
async function searchStream(ctx: SpendPullContext, cid: string, query: string): Promise<unknown[]> {
  const version = ctx.credentials['apiVersion'] ?? DEFAULT_VERSION;
  if (!/^v\d{2}$/.test(version)) throw fail('refused', `apiVersion ${JSON.stringify(version)} must look like v26`);
  const developerToken = ctx.credentials['developerToken'];
  if (!developerToken) throw fail('refused', 'no developer token: set spend.pull.connections.<name>.credentials.developerToken (env:NAME or file:/path); Google Ads answers no reporting call without one');
  const login = ctx.credentials['loginCustomerId'];
  const headers: Record<string, string> = { 'content-type': 'application/json', 'developer-token': developerToken };
  if (login) headers['login-customer-id'] = googleCustomerId(login);
  const url = `${(ctx.baseUrl ?? HOST).replace(/\/+$/, '')}/${version}/customers/${cid}/googleAds:searchStream`;
  return withRetries(ctx, async (): Promise<Attempt<unknown[]>> => {
    const init = (token: string): RequestInit => ({ method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    const a = await sendAuthorized(ctx, url, init, (x) => x.status === 401);
    if (a.status !== 200) return classifyGoogleAdsAnswer(a);
    if (!Array.isArray(a.body)) return { ok: false, retry: false, error: fail('contract', `searchStream answered 200 without a JSON array of batches: ${String(a.body).slice(0, 200)}`) };
    return { ok: true, value: a.body };
  });
}

/**
 * Google Ads as a spend source. An error element inside the stream (the REST stream reports a
 * failure after its first batches that way) makes the pull `partial`: the runner then writes
 * nothing of the window, since a day it did write would be short of cost.
 */
export const googleAdsSource: SpendSource = {
  network: NETWORK,
  accountKey: googleCustomerId,
  scopes: [OAUTH_SCOPES.google.ads],
  async *pull(window: SpendWindow, ctx: SpendPullContext): AsyncIterable<SpendPage> {
    const cid = googleCustomerId(window.account);
    const batches = await searchStream(ctx, cid, spendQuery(window.since, window.until));
    const broken = batches.find((b) => isRecord(b) && b['error'] !== undefined);
    if (broken) {
      const { codes, message } = adsErrorCodes(broken);
      throw fail('partial', `the report stream broke off after ${batches.indexOf(broken)} batch(es): ${message}${codes.length ? ` (${codes.join(', ')})` : ''}; nothing of ${window.since}..${window.until} was written, pull again`);
    }
    for (const page of pagesOfStream(batches, cid)) yield page;
  },
};
