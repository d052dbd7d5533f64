/**
 * Contract stand-in for LinkedIn ad reporting: `GET /rest/adAnalytics?q=analytics`, with the
 * account (`GET /rest/adAccounts/{id}`) and its campaigns finder
 * (`GET /rest/adAccounts/{id}/adCampaigns?q=search`, paged by `pageToken`).
 *
 * Follows (shared/research/reporting-and-spend.md):
 * - §B3 https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting:
 *   one pivot with `q=analytics`; `timeGranularity=DAILY`; Rest.li 2.0 query syntax
 *   `dateRange=(start:(year:..,month:..,day:..),end:(...))` and `accounts=List(urn%3Ali%3AsponsoredAccount%3A123)`
 *   (the URN encoded inside, the `List(...)` syntax not); at most 20 metrics in `fields`;
 *   **no pagination**, and silent truncation (15,000 elements reported by third parties; the
 *   limit is `truncateAt` here so a test can reach it); an account the member cannot read
 *   answers an empty result, not an error; costs as decimal strings (`costInLocalCurrency`),
 *   counts as numbers;
 * - §B3 / activation-contracts.md §4.1 headers `LinkedIn-Version: YYYYMM` (a sunset one 426,
 *   about 12 months) and `X-Restli-Protocol-Version: 2.0.0`; Bearer token;
 * - activation-contracts.md §4.3 / §4.4 throttling as HTTP 429 with no Retry-After; 401
 *   `REVOKED_ACCESS_TOKEN` (65601) / `INVALID_ACCESS_TOKEN` (65600) bodies.
 * The finder path and its `metadata.nextPageToken` cursor, and the missing-version body, are
 * marked "verify" in the research notes (§B3, §"Open questions").
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

/** One campaign-day LinkedIn reports. */
export interface LinkedinAnalyticsRow {
  readonly campaignId: string;
  /** `YYYY-MM-DD`. */
  readonly day: string;
  /** Decimal text, as LinkedIn sends it (it may carry more than 6 decimals). */
  readonly cost: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly conversions: number;
}

export interface LinkedinAdAnalyticsStandInOptions extends StandInOptions {
  readonly account: { readonly id: string; readonly currency: string };
  readonly campaigns: readonly { readonly id: string; readonly name: string; readonly status: string; readonly objectiveType: string }[];
  readonly rows: readonly LinkedinAnalyticsRow[];
  /** Elements after which an answer is cut, silently. @defaultValue 15000 */
  readonly truncateAt?: number;
  /** Campaigns per finder page (the caller's `pageSize` when smaller). @defaultValue 1000 */
  readonly campaignPageSize?: number;
}

const METRICS = new Set(['costInLocalCurrency', 'costInUsd', 'impressions', 'clicks', 'externalWebsiteConversions', 'conversionValueInLocalCurrency', 'landingPageClicks', 'likes', 'shares']);
const err = (status: number, message: string, extra: Json = {}): StandInAnswer => ({ status, body: { status, message, ...extra } });
const DATE = '\\(year:(\\d{4}),month:(\\d{1,2}),day:(\\d{1,2})\\)';
const RANGE = new RegExp(`^\\(start:${DATE},end:${DATE}\\)$`);
const day = (y: string, m: string, d: string) => `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;

/** The analytics query's problem (a 400 message), or its parsed range and account. */
function readAnalyticsQuery(q: Readonly<Record<string, string>>, raw: string): string | { since: string; until: string; account: string } {
  if (q['q'] !== 'analytics') return 'this stand-in serves the analytics finder (q=analytics)';
  if (q['pivot'] !== 'CAMPAIGN' || q['timeGranularity'] !== 'DAILY') return 'pivot=CAMPAIGN and timeGranularity=DAILY are what this stand-in serves';
  const r = RANGE.exec(q['dateRange'] ?? '');
  if (!r || !/(^|&)dateRange=\(start:\(/.test(raw)) return 'Invalid query parameter dateRange: Rest.li 2.0 syntax (start:(year:,month:,day:),end:(...)) expected';
  const account = /(?:^|&)accounts=List\(urn%3Ali%3AsponsoredAccount%3A(\d+)\)(?:&|$)/.exec(raw)?.[1];
  if (!account) return 'Invalid query parameter accounts: List(urn%3Ali%3AsponsoredAccount%3A{id}) expected (URN encoded, List syntax not)';
  const fields = (q['fields'] ?? '').split(',');
  const metrics = fields.filter((f) => f !== 'dateRange' && f !== 'pivotValues');
  if (metrics.length === 0 || metrics.length > 20 || !metrics.every((f) => METRICS.has(f))) return `Invalid fields: ${q['fields'] ?? ''}`;
  const [since, until] = [day(r[1]!, r[2]!, r[3]!), day(r[4]!, r[5]!, r[6]!)];
  if (Number.isNaN(Date.parse(since)) || Number.isNaN(Date.parse(until)) || until < since) return 'Invalid dateRange';
  return { since, until, account };
}

/** Starts the stand-in on a free port. */
export async function startLinkedinAdAnalyticsStandIn(options: LinkedinAdAnalyticsStandInOptions): Promise<StandIn<Json>> {
  const limit = options.truncateAt ?? 15_000;
  const ym = (ms: number) => new Date(ms).getUTCFullYear() * 100 + new Date(ms).getUTCMonth() + 1;
  const clock = options.clock ?? { now: () => Date.now() };
  const accountPath = `/rest/adAccounts/${options.account.id}`;

  const analytics = (q: Readonly<Record<string, string>>, raw: string): StandInAnswer => {
    const read = readAnalyticsQuery(q, raw);
    if (typeof read === 'string') return err(400, read, { code: 'ILLEGAL_ARGUMENT' });
    const rows = read.account === options.account.id ? options.rows.filter((x) => x.day >= read.since && x.day <= read.until) : [];
    const elements = rows.slice(0, limit).map((x) => {
      const [y, m, d] = x.day.split('-').map(Number);
      const at = { year: y, month: m, day: d };
      return { pivotValues: [`urn:li:sponsoredCampaign:${x.campaignId}`], dateRange: { start: at, end: at }, costInLocalCurrency: x.cost, impressions: x.impressions, clicks: x.clicks, externalWebsiteConversions: x.conversions };
    });
    return { status: 200, body: { elements, paging: { count: 10, start: 0, links: [] } } };
  };

  const campaigns = (q: Readonly<Record<string, string>>): StandInAnswer => {
    if (q['q'] !== 'search') return err(400, 'q=search is the finder', { code: 'ILLEGAL_ARGUMENT' });
    const size = Math.min(Number(q['pageSize'] ?? '100'), options.campaignPageSize ?? 1000);
    if (!Number.isInteger(size) || size < 1 || size > 1000) return err(400, 'pageSize must be between 1 and 1000', { code: 'ILLEGAL_ARGUMENT' });
    const from = q['pageToken'] === undefined ? 0 : Number(/^tok-(\d+)$/.exec(q['pageToken'])?.[1] ?? NaN);
    if (Number.isNaN(from)) return err(400, 'Invalid pageToken', { code: 'ILLEGAL_ARGUMENT' });
    const page = options.campaigns.slice(from, from + size).map((c) => ({ id: Number(c.id), name: c.name, status: c.status, objectiveType: c.objectiveType, account: `urn:li:sponsoredAccount:${options.account.id}` }));
    const more = from + size < options.campaigns.length;
    return { status: 200, body: { elements: page, metadata: more ? { nextPageToken: `tok-${from + size}` } : {} } };
  };

  const contract: VendorContract<Json> = {
    name: 'linkedin-ad-analytics',
    dedupWindowMs: 0,
    route: (r) => r.method === 'GET' && (r.path === '/rest/adAnalytics' || r.path === accountPath || r.path === `${accountPath}/adCampaigns`),
    notFound: (r) => err(404, `No virtual resource found for ${r.path}`),
    credential: (r) => bearerToken(r.headers),
    unauthorized: (_r, why) =>
      why === 'missing'
        ? err(401, 'Invalid access token', { serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN' })
        : err(401, 'The token used in the request has been revoked by the user', { serviceErrorCode: 65601, code: 'REVOKED_ACCESS_TOKEN' }),
    precheck(r) {
      const v = r.headers['linkedin-version'];
      if (!v || !/^20\d{2}(0[1-9]|1[0-2])$/.test(v)) return err(400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', { code: 'VERSION_MISSING' });
      if (Number(v) < ym(clock.now() - 365 * 86_400_000) || Number(v) > ym(clock.now())) return err(426, `Requested version ${v} is not active`, { code: 'NONEXISTENT_VERSION' });
      if (r.headers['x-restli-protocol-version'] !== '2.0.0') return err(400, 'X-Restli-Protocol-Version 2.0.0 is required');
      return undefined;
    },
    rateLimited: () => err(429, 'Resource level throttle limit for calls to this resource is reached.', { code: 'TOO_MANY_REQUESTS' }),
    errorBody: (status) => ({ status, message: status >= 500 ? 'Internal Server Error (injected)' : status === 429 ? 'Throttled (injected)' : 'Bad request (injected)' }),
    handle(req) {
      if (req.path === accountPath) return { status: 200, body: { id: Number(options.account.id), currency: options.account.currency, name: 'Stand-in account', status: 'ACTIVE' } };
      if (req.path.endsWith('/adCampaigns')) return campaigns(req.query);
      return analytics(req.query, req.rawQuery ?? '');
    },
  };
  return startStandIn(contract, options);
}
