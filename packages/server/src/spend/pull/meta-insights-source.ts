import { OAUTH_SCOPES } from '@touchline/destinations';
import type { CampaignMeta } from '../campaigns.js';
import { decimalToMicros } from '../decimal.js';
import type { SpendRow } from '../spend-row.js';
import { checkWindow, count, isRecord, sendAuthorized, withRetries, type Attempt, type PullAnswer } from './pull-http.js';
import { SpendPullError, type SpendPage, type SpendPullContext, type SpendSource, type SpendWindow } from './spend-source.js';

/**
 * Meta spend through Marketing API Insights as an async report job (reporting-and-spend.md §B2):
 * the account's currency, then POST a job, poll it until `Job Completed`, and page its rows by
 * cursor. Async because a synchronous insights call over many days times out (codes 100/1504018
 * and 2/1504038 tell the caller to go async).
 */
const NETWORK = 'meta';
const HOST = 'https://graph.facebook.com';
const DEFAULT_VERSION = 'v25.0';
const FIELDS = 'campaign_id,campaign_name,objective,spend,impressions,clicks,actions,action_values';
/** Throttling codes (Graph rate-limiting doc): app 4, user 17, page 32, 613, and the ad-account 80000 family. */
const THROTTLE = new Set([4, 17, 32, 613]);
/** Polls of one job before the pull gives up (the waits grow to a minute: about an hour in all). */
const MAX_POLLS = 70;

const fail = (failure: ConstructorParameters<typeof SpendPullError>[1], message: string) => new SpendPullError(NETWORK, failure, message);

/** `act_1122334455` or `1122334455` → `1122334455`: digits only, checked before it goes into a URL path. */
export function metaAccountId(account: string): string {
  const id = account.replace(/^act_/, '');
  if (!/^\d{1,20}$/.test(id)) throw fail('refused', `account ${JSON.stringify(account)} is not a Meta ad account id (act_ and digits): fix spend.pull.connections.<name>.accounts`);
  return id;
}

/** The longest wait `x-business-use-case-usage` names (`estimated_time_to_regain_access`, minutes), in ms. */
export function regainAccessMs(header: string | null): number | undefined {
  if (!header) return undefined;
  let usage: unknown;
  try {
    usage = JSON.parse(header);
  } catch {
    // A header we cannot read names no wait: the retry policy's own backoff applies.
    return undefined;
  }
  const minutes = Object.values(isRecord(usage) ? usage : {})
    .flatMap((v) => (Array.isArray(v) ? v : []))
    .map((e) => (isRecord(e) ? Number(e['estimated_time_to_regain_access']) : NaN))
    .filter((n) => Number.isFinite(n) && n > 0);
  return minutes.length ? Math.max(...minutes) * 60_000 : undefined;
}

/**
 * What a Graph error means for the user: 190 (and the permission codes 10, 200-299) is a dead or
 * too narrow token, `auth`; throttling codes wait as the usage header says, then `throttled`;
 * transient codes 1/2 and 5xx are retried; the rest (code 100: a parameter) is `refused`.
 */
export function classifyGraphAnswer(a: PullAnswer): Attempt<never> {
  const e = isRecord(a.body) && isRecord(a.body['error']) ? a.body['error'] : {};
  const code = Number(e['code']);
  const sub = e['error_subcode'] !== undefined ? `/${String(e['error_subcode'])}` : '';
  const detail = `(#${Number.isFinite(code) ? code : '?'}${sub}) ${typeof e['message'] === 'string' ? e['message'] : `HTTP ${a.status}`}`;
  if (code === 190 || code === 10 || (code >= 200 && code < 300)) {
    return { ok: false, retry: false, error: fail('auth', `${detail}: the token is dead or lacks ads_read on this account; issue a new system-user token with ads_read and set it where spend.pull.connections.<name>.credentials.accessToken points`) };
  }
  if (THROTTLE.has(code) || (code >= 80000 && code < 80100)) {
    const waitMs = regainAccessMs(a.headers.get('x-business-use-case-usage'));
    return { ok: false, retry: true, ...(waitMs !== undefined ? { waitMs } : {}), error: fail('throttled', `${detail}: Meta's rate limit for this account; try later (touchline spend pull --network meta)`) };
  }
  if (a.status === 0 || a.status >= 500 || code === 1 || code === 2 || e['is_transient'] === true) {
    return { ok: false, retry: true, error: fail('throttled', `Meta is unavailable (${a.status === 0 ? String(a.body) : detail}): try later`) };
  }
  return { ok: false, retry: false, error: fail('refused', detail) };
}

/** One Graph call with the token as a Bearer header (kept out of URLs and so out of proxy logs). */
function graph(ctx: SpendPullContext, method: 'GET' | 'POST', path: string, params: Record<string, string>): Promise<unknown> {
  const version = ctx.credentials['apiVersion'] ?? DEFAULT_VERSION;
  if (!/^v\d{2}\.0$/.test(version)) throw fail('refused', `apiVersion ${JSON.stringify(version)} must look like v25.0`);
  const url = new URL(`${(ctx.baseUrl ?? HOST).replace(/\/+$/, '')}/${version}/${path}`);
  const form = new URLSearchParams(params);
  if (method === 'GET') url.search = form.toString();
  return withRetries(ctx, async (): Promise<Attempt<unknown>> => {
    const init = (token: string): RequestInit => ({
      method,
      headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'POST' ? { body: form.toString() } : {}),
    });
    const a = await sendAuthorized(ctx, url.toString(), init, (x) => isRecord(x.body) && isRecord(x.body['error']) && x.body['error']['code'] === 190);
    if (a.status !== 200 || (isRecord(a.body) && a.body['error'] !== undefined)) return classifyGraphAnswer(a);
    if (!isRecord(a.body)) return { ok: false, retry: false, error: fail('contract', `${path} answered 200 without a JSON object: ${String(a.body).slice(0, 200)}`) };
    return { ok: true, value: a.body };
  });
}

/** The account's currency: Insights reports spend in it, and the rows must say which it is. */
async function accountCurrency(ctx: SpendPullContext, id: string): Promise<string> {
  const body = (await graph(ctx, 'GET', `act_${id}`, { fields: 'currency' })) as Record<string, unknown>;
  const currency = typeof body['currency'] === 'string' ? body['currency'].toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(currency)) throw fail('contract', `act_${id} answered no ISO 4217 currency (${JSON.stringify(body['currency'])})`);
  return currency;
}

/** Starts the report job and waits for it, polling with growing waits; a failed job is `partial`. */
async function runJob(ctx: SpendPullContext, id: string, since: string, until: string): Promise<string> {
  const started = (await graph(ctx, 'POST', `act_${id}/insights`, { level: 'campaign', time_increment: '1', time_range: JSON.stringify({ since, until }), fields: FIELDS })) as Record<string, unknown>;
  const run = started['report_run_id'];
  if (typeof run !== 'string' || !/^\d+$/.test(run)) throw fail('contract', `the insights job answered no numeric report_run_id (${JSON.stringify(run)})`);
  for (let n = 0; n < MAX_POLLS; n++) {
    await ctx.sleep(Math.min(60_000, 2_000 * 2 ** n));
    const s = (await graph(ctx, 'GET', run, {})) as Record<string, unknown>;
    const status = String(s['async_status']);
    if (status === 'Job Completed') return run;
    if (status === 'Job Failed' || status === 'Job Skipped') {
      const why = typeof s['error_message'] === 'string' ? `: ${s['error_message']}${s['error_code'] !== undefined ? ` (#${String(s['error_code'])}${s['error_subcode'] !== undefined ? `/${String(s['error_subcode'])}` : ''})` : ''}` : '';
      throw fail('partial', `Meta's report job ${run} for ${since}..${until} ended "${status}"${why}; nothing of the window was written, pull again`);
    }
  }
  throw fail('throttled', `Meta's report job ${run} was not done after ${MAX_POLLS} polls (about an hour): try later`);
}

/** The value of the first action type present, as Meta reports conversions per action type. */
function actionValue(list: unknown): number | null {
  if (!Array.isArray(list)) return null;
  // omni_purchase counts a purchase once across web, app and offline; the pixel's own type is the fallback.
  for (const type of ['omni_purchase', 'purchase', 'offsite_conversion.fb_pixel_purchase']) {
    const hit = list.find((a) => isRecord(a) && a['action_type'] === type);
    if (hit) return count((hit as Record<string, unknown>)['value']);
  }
  return null;
}

/** One insights row as a spend row and its campaign, or a contract breach. */
function insightRow(r: unknown, account: string, currency: string): { row: SpendRow; meta: CampaignMeta } {
  const o = isRecord(r) ? r : {};
  const id = typeof o['campaign_id'] === 'string' ? o['campaign_id'] : '';
  const date = typeof o['date_start'] === 'string' ? o['date_start'] : '';
  const micros = typeof o['spend'] === 'string' ? decimalToMicros(o['spend']) : o['spend'] === undefined ? 0n : null;
  if (!/^\d+$/.test(id) || !/^\d{4}-\d{2}-\d{2}$/.test(date) || o['date_stop'] !== date || micros === null) {
    throw fail('contract', `an insights row lacks campaign_id, one day (date_start = date_stop) or a decimal spend: ${JSON.stringify(r).slice(0, 300)}`);
  }
  const name = typeof o['campaign_name'] === 'string' ? o['campaign_name'] : null;
  return {
    row: {
      network: NETWORK, account, date, campaignId: id, campaignName: name, adGroupId: '', adGroupName: null, costMicros: micros, currency,
      impressions: count(o['impressions']), clicks: count(o['clicks']), networkConversions: actionValue(o['actions']), networkConversionValue: actionValue(o['action_values']),
    },
    meta: { network: NETWORK, account, campaignId: id, campaignName: name, status: null, objective: typeof o['objective'] === 'string' ? o['objective'] : null, channelType: null, adNetworkType: null },
  };
}

/** Meta as a spend source: the job's rows page by page (500 a page, the `after` cursor). */
export const metaInsightsSource: SpendSource = {
  network: NETWORK,
  accountKey: (account: string) => `act_${metaAccountId(account)}`,
  scopes: [OAUTH_SCOPES.meta.reporting],
  async *pull(window: SpendWindow, ctx: SpendPullContext): AsyncIterable<SpendPage> {
    const id = metaAccountId(window.account);
    checkWindow(NETWORK, window.since, window.until);
    const currency = await accountCurrency(ctx, id);
    const run = await runJob(ctx, id, window.since, window.until);
    const account = `act_${id}`;
    for (let after: string | null = null, pages = 0; ; pages++) {
      const body = (await graph(ctx, 'GET', `${run}/insights`, { limit: '500', ...(after ? { after } : {}) })) as Record<string, unknown>;
      if (!Array.isArray(body['data'])) throw fail('contract', `the report's insights page has no data[]`);
      const parsed = body['data'].map((r) => insightRow(r, account, currency));
      yield { rows: parsed.map((p) => p.row), campaigns: parsed.map((p) => p.meta) };
      const paging = isRecord(body['paging']) ? body['paging'] : {};
      const cursor = isRecord(paging['cursors']) ? paging['cursors']['after'] : undefined;
      // `next` says there is more; its URL is not followed (the cursor is enough, and the host stays ours to choose).
      if (paging['next'] === undefined || typeof cursor !== 'string' || cursor === after) return;
      if (pages > 10_000) throw fail('contract', 'the report pages without end (over 10,000 pages)');
      after = cursor;
    }
  },
};
