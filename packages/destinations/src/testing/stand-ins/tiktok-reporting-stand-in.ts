/**
 * Contract stand-in for TikTok Business API reporting, `GET /open_api/v1.3/report/integrated/get/`,
 * and the advertiser's currency from `GET /open_api/v1.3/advertiser/info/`.
 *
 * Follows (shared/research/reporting-and-spend.md):
 * - §B4 the `Access-Token` header (not Bearer); synchronous, paged by `page` / `page_size`
 *   (https://business-api.tiktok.com/portal/docs?id=1740302848100353); `advertiser_id`,
 *   `report_type=BASIC`, `data_level=AUCTION_CAMPAIGN`, `dimensions` a JSON list with the entity
 *   id and a time dimension, `metrics` a JSON list, `start_date` / `end_date`; about 30 days at
 *   most with `stat_time_day`; the envelope `{code, message, request_id, data: {list, page_info:
 *   {page, page_size, total_number, total_page}}}`; numbers as strings; `stat_time_day` as
 *   `YYYY-MM-DD 00:00:00`; the report is no snapshot (page drift, `insertAfterFirstPage`);
 * - §B4 / activation-contracts.md §3.4 errors come with HTTP 200: 40100 throttled (no
 *   Retry-After), 40001 no permission on the advertiser, 40002 invalid parameters;
 * - §C6 a refused token is an envelope code: 40105 (third-party list, "verify"), and 40104 for a
 *   missing one (our reading of the same list).
 * The advertiser/info shape (`data.list[{advertiser_id, currency, timezone}]`) is the portal's
 * (research §"Open questions": currency endpoint to verify).
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { type Json } from '../json-shape.js';

/** One campaign-day as TikTok stores it. */
export interface TiktokReportRow {
  readonly advertiserId: string;
  readonly campaignId: string;
  readonly campaignName: string;
  /** `YYYY-MM-DD`, the advertiser's time zone. */
  readonly day: string;
  /** Decimal text, as TikTok sends it. */
  readonly spend: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly conversion: number;
}

export interface TiktokReportingStandInOptions extends StandInOptions {
  /** Advertiser id → currency. */
  readonly advertisers: Readonly<Record<string, string>>;
  readonly rows: readonly TiktokReportRow[];
  /** A row TikTok records while a report is being paged, after page 1 was served (page drift). */
  readonly insertAfterFirstPage?: TiktokReportRow;
}

const METRICS = new Set(['spend', 'impressions', 'clicks', 'conversion', 'campaign_name', 'cpc', 'cpm', 'ctr']);
const DAY = 86_400_000;

const jsonList = (text: string | undefined): unknown[] | undefined => {
  try {
    const v = JSON.parse(text ?? '') as unknown;
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
};
const dayMs = (d: string | undefined) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? Date.parse(`${d}T00:00:00Z`) : NaN);

/** Why a report request is invalid (40002), or undefined. */
function invalidReport(q: Readonly<Record<string, string>>): string | undefined {
  if (q['report_type'] !== 'BASIC') return 'report_type: Must be one of BASIC, AUDIENCE, PLAYABLE_MATERIAL, CATALOG.';
  if (q['data_level'] !== 'AUCTION_CAMPAIGN') return 'data_level: this stand-in serves AUCTION_CAMPAIGN only.';
  const dims = jsonList(q['dimensions']);
  if (!dims || !dims.includes('campaign_id') || !dims.includes('stat_time_day') || dims.length !== 2) return 'dimensions: an id dimension and a time dimension are required.';
  const metrics = jsonList(q['metrics']);
  if (!metrics || metrics.length === 0 || !metrics.every((m) => typeof m === 'string' && METRICS.has(m))) return `metrics: unknown metric in ${q['metrics'] ?? ''}.`;
  const start = dayMs(q['start_date']);
  const end = dayMs(q['end_date']);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return 'start_date / end_date: Invalid date range.';
  if (end - start >= 30 * DAY) return 'The time range with stat_time_day cannot exceed 30 days.';
  const page = Number(q['page'] ?? '1');
  const size = Number(q['page_size'] ?? '10');
  if (!Number.isInteger(page) || page < 1) return 'page: Must be greater than or equal to 1.';
  if (!Number.isInteger(size) || size < 1 || size > 1000) return 'page_size: Must be between 1 and 1000.';
  return undefined;
}

/** Starts the stand-in on a free port. */
export async function startTiktokReportingStandIn(options: TiktokReportingStandInOptions): Promise<StandIn<Json>> {
  let n = 0;
  const rows = [...options.rows];
  let drifted = false;
  const envelope = (code: number, message: string, data: Json = {}): StandInAnswer => ({ status: 200, body: { code, message, request_id: `2026${String(++n).padStart(24, '0')}`, data } });

  const report = (q: Readonly<Record<string, string>>): StandInAnswer => {
    const bad = invalidReport(q);
    if (bad) return envelope(40002, bad);
    const advertiser = q['advertiser_id'] ?? '';
    if (!(advertiser in options.advertisers)) return envelope(40001, `No permission to operate advertiser ${advertiser}.`);
    const [from, to] = [q['start_date']!, q['end_date']!];
    const all = rows.filter((r) => r.advertiserId === advertiser && r.day >= from && r.day <= to);
    const page = Number(q['page'] ?? '1');
    const size = Number(q['page_size'] ?? '10');
    const list = all.slice((page - 1) * size, page * size).map((r) => ({
      dimensions: { campaign_id: r.campaignId, stat_time_day: `${r.day} 00:00:00` },
      metrics: { campaign_name: r.campaignName, spend: r.spend, impressions: String(r.impressions), clicks: String(r.clicks), conversion: String(r.conversion) },
    }));
    if (page === 1 && options.insertAfterFirstPage && !drifted) {
      drifted = true;
      rows.unshift(options.insertAfterFirstPage);
    }
    return envelope(0, 'OK', { list, page_info: { page, page_size: size, total_number: all.length, total_page: Math.ceil(all.length / size) } });
  };

  const advertiserInfo = (q: Readonly<Record<string, string>>): StandInAnswer => {
    const ids = jsonList(q['advertiser_ids']);
    if (!ids || ids.length === 0) return envelope(40002, 'advertiser_ids: Missing data for required field.');
    const unknown = ids.find((id) => typeof id !== 'string' || !(id in options.advertisers));
    if (unknown !== undefined) return envelope(40001, `No permission to operate advertiser ${String(unknown)}.`);
    return envelope(0, 'OK', { list: (ids as string[]).map((id) => ({ advertiser_id: id, currency: options.advertisers[id], timezone: 'Etc/GMT' })) });
  };

  const contract: VendorContract<Json> = {
    name: 'tiktok-reporting',
    dedupWindowMs: 0,
    route: (r) => r.method === 'GET' && (r.path === '/open_api/v1.3/report/integrated/get/' || r.path === '/open_api/v1.3/advertiser/info/'),
    notFound: (r) => ({ status: 404, body: { code: 40400, message: `Not Found: ${r.path}` } }),
    credential: (r) => r.headers['access-token'] ?? null,
    unauthorized: (_r, why) => (why === 'missing' ? envelope(40104, 'Access token is null. Please check your access token.') : envelope(40105, 'The access token is invalid or has been revoked.')),
    rateLimited: () => envelope(40100, 'Too many requests. Please retry in some time.'),
    errorBody: (status) => (status >= 500 ? { code: 50002, message: 'Internal service error (injected)' } : { code: 40002, message: 'Invalid parameters (injected)' }),
    handle: (req) => (req.path.endsWith('/advertiser/info/') ? advertiserInfo(req.query) : report(req.query)),
  };
  return startStandIn(contract, options);
}
