/**
 * Contract stand-in for Google Ads reporting: `POST /v{23-26}/customers/{cid}/googleAds:searchStream`.
 *
 * Follows shared/research/reporting-and-spend.md §B1 and §B6:
 * - headers `Authorization: Bearer`, `developer-token` (401 DEVELOPER_TOKEN_PARAMETER_MISSING when
 *   absent, 403 DEVELOPER_TOKEN_NOT_APPROVED for a test-access token on a production account),
 *   `login-customer-id` required when the stand-in is told the account sits under a manager;
 * - the REST answer is a JSON array of batches `{results[], fieldMask, requestId}`, at most
 *   `batchSize` rows each; int64 metrics as strings (`costMicros`, `impressions`, `clicks`);
 * - GAQL checked: every selected field must exist (QueryError BAD_FIELD_NAME), `segments.date` needs
 *   a finite `BETWEEN 'a' AND 'b'` filter, dates `YYYY-MM-DD` (DateError INVALID_STRING_DATE), start
 *   not after end (QueryError DATE_RANGE_TOO_NARROW) — enum names from
 *   https://developers.google.com/google-ads/api/reference/rpc/v24/QueryErrorEnum.QueryError.md.txt;
 * - quota: 429 RESOURCE_EXHAUSTED with `quotaErrorDetails.retryDelay` (activation-contracts.md §1.7);
 * - a stream that breaks after its first batches ends with an `{error}` element (REST streaming);
 * - the error body `{error:{code,status,message,details:[GoogleAdsFailure{errors[{errorCode}]}]}}`.
 * The exact REST text of the developer-token errors is not in the notes; the enum names are.
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { isObject, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

const ROUTE = /^\/(v2[3-6])\/customers\/(\d{10})\/googleAds:searchStream$/;
const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL' };
/** The fields a `FROM campaign` spend query may select (a subset of the campaign resource's). */
const FIELDS = new Set([
  'customer.currency_code', 'customer.time_zone', 'customer.id', 'campaign.id', 'campaign.name', 'campaign.status',
  'campaign.advertising_channel_type', 'segments.date', 'segments.ad_network_type', 'metrics.cost_micros',
  'metrics.impressions', 'metrics.clicks', 'metrics.conversions', 'metrics.conversions_value',
]);

/** One day of one campaign on one ad network type, as the test seeds it. */
export interface GoogleAdsSpendFact {
  readonly date: string;
  readonly campaignId: string;
  readonly campaignName: string;
  readonly status?: string;
  readonly channelType?: string;
  readonly adNetworkType?: string;
  readonly costMicros: bigint;
  readonly impressions?: number;
  readonly clicks?: number;
  readonly conversions?: number;
  readonly conversionsValue?: number;
}

export interface GoogleAdsReportingStandInOptions extends StandInOptions {
  /** @defaultValue 'dev-token' */
  readonly developerToken?: string;
  /** The token has only test access: production accounts answer DEVELOPER_TOKEN_NOT_APPROVED. */
  readonly testAccessOnly?: boolean;
  /** Accounts reached through this manager need `login-customer-id` naming it. */
  readonly managerCustomerId?: string;
  /** Rows per batch of the stream. @defaultValue 10000 */
  readonly batchSize?: number;
  /** @defaultValue 'EUR' */
  readonly currency?: string;
}

export interface GoogleAdsReportingStandIn extends StandIn<Json> {
  /** Sets (or restates: the same date, campaign and ad network type is replaced) an account's facts. */
  put(customerId: string, facts: readonly GoogleAdsSpendFact[]): void;
  /** The next stream breaks off with an error after `batches` batches. */
  breakNextStreamAfter(batches: number): void;
}

const failure = (version: string, category: string, code: string, message: string) => ({
  '@type': `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`,
  errors: [{ errorCode: { [category]: code }, message }],
  requestId: 'stand-in',
});
const adsError = (http: number, version: string, category: string, code: string, message: string) => ({
  error: { code: http, message: http === 400 ? 'Request contains an invalid argument.' : message, status: STATUS[http] ?? 'UNKNOWN', details: [failure(version, category, code, message)] },
});
const answer = (http: number, version: string, category: string, code: string, message: string): StandInAnswer => ({ status: http, body: adsError(http, version, category, code, message) });

const GAQL = /^SELECT\s+(.+?)\s+FROM\s+campaign(?:\s+WHERE\s+(.+))?$/is;
const BETWEEN = /^segments\.date\s+BETWEEN\s+'([^']*)'\s+AND\s+'([^']*)'$/i;

/** The query's fields and date range, or the QueryError / DateError the API answers. */
function parseQuery(query: unknown, version: string): { fields: string[]; since: string; until: string } | StandInAnswer {
  const m = typeof query === 'string' ? GAQL.exec(query.trim()) : null;
  if (!m) return answer(400, version, 'queryError', 'BAD_RESOURCE_TYPE_IN_FROM_CLAUSE', 'The stand-in answers FROM campaign queries only.');
  const fields = m[1]!.split(',').map((f) => f.trim());
  const unknown = fields.find((f) => !FIELDS.has(f));
  if (unknown) return answer(400, version, 'queryError', 'BAD_FIELD_NAME', `Unrecognized field in the query: '${unknown}'.`);
  const range = m[2] ? BETWEEN.exec(m[2].trim()) : null;
  if (!range) return answer(400, version, 'queryError', 'EXPECTED_FILTERS_ON_DATE_RANGE', 'segments.date is selected: the query must filter it to a finite range.');
  const [, since, until] = range as unknown as [string, string, string];
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(since) || !day.test(until) || Number.isNaN(Date.parse(since)) || Number.isNaN(Date.parse(until))) {
    return answer(400, version, 'dateError', 'INVALID_STRING_DATE', "The string date's format should be yyyy-mm-dd.");
  }
  if (since > until) return answer(400, version, 'queryError', 'DATE_RANGE_TOO_NARROW', 'Filters on date have a start date after end date.');
  return { fields, since, until };
}

/** A fact as a `results[]` element with only the selected fields (camelCase, int64 as strings, zero metrics left out). */
function resultOf(f: GoogleAdsSpendFact, cid: string, fields: readonly string[], currency: string): Json {
  const has = (name: string) => fields.includes(name);
  const metrics: Record<string, unknown> = {};
  if (has('metrics.cost_micros') && f.costMicros !== 0n) metrics['costMicros'] = f.costMicros.toString();
  if (has('metrics.impressions') && f.impressions) metrics['impressions'] = String(f.impressions);
  if (has('metrics.clicks') && f.clicks) metrics['clicks'] = String(f.clicks);
  if (has('metrics.conversions') && f.conversions) metrics['conversions'] = f.conversions;
  if (has('metrics.conversions_value') && f.conversionsValue) metrics['conversionsValue'] = f.conversionsValue;
  const campaign: Record<string, unknown> = { resourceName: `customers/${cid}/campaigns/${f.campaignId}` };
  if (has('campaign.id')) campaign['id'] = f.campaignId;
  if (has('campaign.name')) campaign['name'] = f.campaignName;
  if (has('campaign.status')) campaign['status'] = f.status ?? 'ENABLED';
  if (has('campaign.advertising_channel_type')) campaign['advertisingChannelType'] = f.channelType ?? 'SEARCH';
  const segments: Record<string, unknown> = {};
  if (has('segments.date')) segments['date'] = f.date;
  if (has('segments.ad_network_type')) segments['adNetworkType'] = f.adNetworkType ?? 'SEARCH';
  return {
    customer: { resourceName: `customers/${cid}`, ...(has('customer.currency_code') ? { currencyCode: currency } : {}) },
    campaign, segments, metrics,
  };
}

/** Starts the stand-in on a free port; `accessToken` (default `test-token`) is the one live token. */
export async function startGoogleAdsReportingStandIn(options: GoogleAdsReportingStandInOptions = {}): Promise<GoogleAdsReportingStandIn> {
  const facts = new Map<string, Map<string, GoogleAdsSpendFact>>();
  const batchSize = options.batchSize ?? 10_000;
  let breakAfter: number | null = null;
  const versionOf = (path: string) => ROUTE.exec(path)?.[1] ?? 'v26';
  const contract: VendorContract<Json> = {
    name: 'google-ads-reporting',
    dedupWindowMs: 0,
    route: (r) => r.method === 'POST' && ROUTE.test(r.path),
    notFound: () => ({ status: 404, body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } }),
    credential: (r) => bearerToken(r.headers),
    unauthorized: (r, why) => answer(401, versionOf(r.path), 'authenticationError', why === 'missing' ? 'NOT_ADS_USER' : 'OAUTH_TOKEN_INVALID', 'Request is missing required authentication credential. Expected OAuth 2 access token.'),
    precheck(r) {
      const v = versionOf(r.path);
      const token = r.headers['developer-token'];
      if (!token) return answer(401, v, 'authenticationError', 'DEVELOPER_TOKEN_PARAMETER_MISSING', 'The developer token is missing.');
      if (token !== (options.developerToken ?? 'dev-token')) return answer(401, v, 'authenticationError', 'DEVELOPER_TOKEN_INVALID', 'The developer token is not valid.');
      if (options.testAccessOnly) return answer(403, v, 'authorizationError', 'DEVELOPER_TOKEN_NOT_APPROVED', 'The developer token is only approved for use with test accounts.');
      if (options.managerCustomerId && r.headers['login-customer-id'] !== options.managerCustomerId) {
        return answer(403, v, 'authorizationError', 'USER_PERMISSION_DENIED', "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.");
      }
      return undefined;
    },
    rateLimited: (ms) => ({ status: 429, body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED', details: [{ ...failure('v26', 'quotaError', 'RESOURCE_EXHAUSTED', 'Too many requests.'), errors: [{ errorCode: { quotaError: 'RESOURCE_EXHAUSTED' }, message: 'Too many requests.', details: { quotaErrorDetails: { rateScope: 'ACCOUNT', rateName: 'Requests per account', retryDelay: `${Math.max(1, Math.ceil(ms / 1000))}s` } } }] }] } } }),
    errorBody: (status) => adsError(status, 'v26', 'internalError', status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL_ERROR', 'error'),
    handle(r) {
      const [, version, cid] = ROUTE.exec(r.path) as unknown as [string, string, string];
      const q = parseQuery(isObject(r.body) ? r.body['query'] : undefined, version);
      if ('status' in q) return q;
      const rows = [...(facts.get(cid)?.values() ?? [])].filter((f) => f.date >= q.since && f.date <= q.until).sort((a, b) => (a.date + a.campaignId).localeCompare(b.date + b.campaignId));
      const batches: unknown[] = [];
      for (let i = 0; i < rows.length || batches.length === 0; i += batchSize) {
        batches.push({ results: rows.slice(i, i + batchSize).map((f) => resultOf(f, cid, q.fields, options.currency ?? 'EUR')), fieldMask: q.fields.join(','), requestId: `req-${r.at}-${i}` });
      }
      if (breakAfter !== null) {
        const kept = batches.slice(0, breakAfter);
        breakAfter = null;
        return { status: 200, body: [...kept, adsError(500, version, 'internalError', 'INTERNAL_ERROR', 'Internal error encountered.')] };
      }
      return { status: 200, body: batches };
    },
  };
  const base = await startStandIn(contract, options);
  return {
    ...base,
    reset() {
      base.reset();
      facts.clear();
      breakAfter = null;
    },
    put(customerId, list) {
      const byKey = facts.get(customerId) ?? new Map<string, GoogleAdsSpendFact>();
      for (const f of list) byKey.set(`${f.date}|${f.campaignId}|${f.adNetworkType ?? 'SEARCH'}`, f);
      facts.set(customerId, byKey);
    },
    breakNextStreamAfter(n) {
      breakAfter = n;
    },
  };
}
