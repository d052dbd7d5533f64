/**
 * Contract stand-in for Meta Marketing API Insights as an async report job, plus the account's
 * currency. Follows shared/research/reporting-and-spend.md §B2 and §B6:
 * - `GET /v{N}/act_{id}?fields=currency` → `{currency, id}`; a path without `act_` is refused;
 * - `POST /v{N}/act_{id}/insights` (level, time_increment=1, time_range `{"since","until"}`,
 *   fields) → `{report_run_id}`; unknown fields and a bad or backwards range answer code 100;
 * - `GET /v{N}/{report_run_id}` → `async_status` Job Not Started → Job Running → Job Completed
 *   (or Job Failed with `error_code/error_message`, §B2 step 4); an unknown id answers code 100
 *   subcode 33 ("does not exist");
 * - `GET /v{N}/{report_run_id}/insights` → `{data[], paging:{cursors:{before,after}, next?}}`,
 *   numbers as strings (`"spend":"81.07"`), `limit` rows per page, `after` to go on;
 * - throttling: code 17 subcode 2446079 (user request limit) with `x-business-use-case-usage`
 *   carrying `estimated_time_to_regain_access` in minutes (Graph rate-limiting doc);
 * - a dead token: code 190 `OAuthException` (activation-contracts.md §2 error sample);
 * - error body `{error:{message,type,code,error_subcode,fbtrace_id}}` (Graph error handling).
 * The token is read from `Authorization: Bearer` or `access_token`, both of which Graph accepts.
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { isObject, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

const VERSION = /^\/(v\d{2}\.0)\//;
const FIELDS = new Set(['campaign_id', 'campaign_name', 'objective', 'spend', 'impressions', 'clicks', 'actions', 'action_values', 'account_currency', 'date_start', 'date_stop', 'adset_id', 'adset_name']);

/** One day of one campaign, as the test seeds it; spend is the decimal text Meta sends. */
export interface MetaSpendFact {
  readonly date: string;
  readonly campaignId: string;
  readonly campaignName: string;
  readonly objective?: string;
  readonly spend: string;
  readonly impressions?: number;
  readonly clicks?: number;
  readonly purchases?: number;
  readonly purchaseValue?: string;
}

export interface MetaInsightsStandInOptions extends StandInOptions {
  /** @defaultValue 'EUR' */
  readonly currency?: string;
  /** Polls of a run before it reports Job Completed. @defaultValue 2 */
  readonly pollsToComplete?: number;
}

export interface MetaInsightsStandIn extends StandIn<Json> {
  /** Sets, or restates (same date and campaign replaced), an account's facts; `account` without `act_`. */
  put(account: string, facts: readonly MetaSpendFact[]): void;
  /** The next report run ends `Job Failed`. */
  failNextJob(): void;
  /** Report runs created so far. */
  readonly runs: ReadonlyMap<string, { readonly polls: number; readonly status: string }>;
}

let trace = 0;
const graphError = (status: number, code: number, message: string, extra: Record<string, unknown> = {}): StandInAnswer => ({
  status,
  body: { error: { message, type: code === 190 ? 'OAuthException' : 'GraphMethodException', code, ...extra, fbtrace_id: `stand-in-${++trace}` } },
});
const noObject = (id: string) => graphError(400, 100, `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, { error_subcode: 33 });

/** A request's parameters: query string, then a form or JSON body. */
function paramsOf(r: { query: Readonly<Record<string, string>>; body: unknown }): Record<string, string> {
  const out: Record<string, string> = { ...r.query };
  if (isObject(r.body)) for (const [k, v] of Object.entries(r.body)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** The insights job's parameters, or the code 100 answer Graph gives a bad one. */
function jobOf(p: Record<string, string>): { since: string; until: string; fields: string[] } | StandInAnswer {
  const fields = (p['fields'] ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  const bad = fields.findIndex((f) => !FIELDS.has(f));
  if (bad >= 0) return graphError(400, 100, `(#100) fields[${bad}] must be one of the following values: ${[...FIELDS].join(', ')}`);
  if (p['level'] !== 'campaign' || p['time_increment'] !== '1') return graphError(400, 100, '(#100) The stand-in answers level=campaign with time_increment=1 only');
  let range: unknown;
  try {
    range = JSON.parse(p['time_range'] ?? '');
  } catch {
    range = null;
  }
  const since = isObject(range) && typeof range['since'] === 'string' ? range['since'] : '';
  const until = isObject(range) && typeof range['until'] === 'string' ? range['until'] : '';
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(since) || !day.test(until) || Number.isNaN(Date.parse(since)) || Number.isNaN(Date.parse(until)) || since > until) {
    return graphError(400, 100, 'Invalid parameter', { error_subcode: 1487534, error_user_title: 'Invalid time range', error_user_msg: 'time_range needs since and until as YYYY-MM-DD, since not after until.' });
  }
  return { since, until, fields };
}

/** One fact as an insights row with the requested fields (numbers as strings, as Graph sends them). */
function rowOf(f: MetaSpendFact, fields: readonly string[], currency: string): Json {
  const all: Record<string, unknown> = {
    campaign_id: f.campaignId, campaign_name: f.campaignName, objective: f.objective ?? 'OUTCOME_SALES', spend: f.spend,
    impressions: String(f.impressions ?? 0), clicks: String(f.clicks ?? 0), account_currency: currency,
    actions: f.purchases ? [{ action_type: 'omni_purchase', value: String(f.purchases) }] : [],
    action_values: f.purchaseValue ? [{ action_type: 'omni_purchase', value: f.purchaseValue }] : [],
  };
  const out: Record<string, unknown> = {};
  for (const k of fields) if (all[k] !== undefined) out[k] = all[k];
  return { ...out, date_start: f.date, date_stop: f.date };
}

interface Run {
  readonly account: string;
  readonly job: { since: string; until: string; fields: string[] };
  polls: number;
  status: string;
  readonly fails: boolean;
}

/** One poll of a run: Not Started, Running, then Completed (or Failed) after `pollsToComplete` polls. */
function poll(run: Run, id: string, pollsToComplete: number): StandInAnswer {
  run.polls++;
  const done = run.polls >= pollsToComplete;
  run.status = !done ? (run.polls === 1 ? 'Job Not Started' : 'Job Running') : run.fails ? 'Job Failed' : 'Job Completed';
  const failed = run.status === 'Job Failed' ? { error_code: -2, error_subcode: 2490547, error_message: 'The async job failed', error_user_title: 'Report failed', error_user_msg: 'Please retry the report.' } : {};
  return { status: 200, body: { id, account_id: run.account, async_status: run.status, async_percent_completion: done ? 100 : 50, ...failed } };
}

/** One page of a completed run's rows: `limit` of them from the `after` cursor (a base64 offset). */
function page(run: Run, id: string, p: Record<string, string>, facts: readonly MetaSpendFact[], currency: string): StandInAnswer {
  if (run.status !== 'Job Completed') return graphError(400, 100, `(#100) The report run ${id} is not completed (${run.status})`);
  const rows = facts.filter((f) => f.date >= run.job.since && f.date <= run.job.until).sort((a, b) => (a.date + a.campaignId).localeCompare(b.date + b.campaignId));
  const limit = Math.max(1, Math.min(500, Number(p['limit'] ?? 25) || 25));
  const start = p['after'] ? Number(Buffer.from(p['after'], 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) return graphError(400, 100, 'Invalid cursor');
  const slice = rows.slice(start, start + limit);
  const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
  const more = start + limit < rows.length;
  return {
    status: 200,
    body: {
      data: slice.map((f) => rowOf(f, run.job.fields, currency)),
      paging: { cursors: { before: cursor(start), after: cursor(start + slice.length) }, ...(more ? { next: `https://graph.facebook.com/v25.0/${id}/insights?after=${cursor(start + slice.length)}` } : {}) },
    },
  };
}

/** Starts the stand-in on a free port; `accessToken` (default `test-token`) is the one live token. */
export async function startMetaInsightsStandIn(options: MetaInsightsStandInOptions = {}): Promise<MetaInsightsStandIn> {
  const facts = new Map<string, Map<string, MetaSpendFact>>();
  const runs = new Map<string, Run>();
  const currency = options.currency ?? 'EUR';
  let failNext = false;
  let nextRun = 6_100_000_000;

  const contract: VendorContract<Json> = {
    name: 'meta-insights',
    dedupWindowMs: 0,
    route: (r) => VERSION.test(r.path),
    notFound: (r) => graphError(400, 2500, `Unknown path components: ${r.path}`),
    credential: (r) => bearerToken(r.headers) ?? paramsOf(r)['access_token'] ?? null,
    unauthorized: () => ({ ...graphError(400, 190, 'Error validating access token: Session has expired.', { error_subcode: 463 }), headers: { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token"' } }),
    rateLimited: (ms) => ({
      ...graphError(400, 17, 'User request limit reached', { error_subcode: 2446079, is_transient: true }),
      headers: { 'x-business-use-case-usage': JSON.stringify({ stand_in: [{ type: 'ads_insights', call_count: 100, total_cputime: 40, total_time: 40, estimated_time_to_regain_access: Math.max(1, Math.ceil(ms / 60_000)) }] }) },
    }),
    errorBody: (status) => ({ error: { message: status >= 500 ? 'An unexpected error has occurred. Please retry your request later.' : 'error', type: 'OAuthException', code: 2, is_transient: status >= 500, fbtrace_id: 'stand-in' } }),
    handle(r) {
      const rest = r.path.replace(VERSION, '');
      const p = paramsOf(r);
      const account = /^act_(\d+)(\/insights)?$/.exec(rest);
      if (account && !account[2] && r.method === 'GET') return { status: 200, body: { currency, id: `act_${account[1]}` } };
      if (account && account[2] && r.method === 'POST') {
        const job = jobOf(p);
        if ('status' in job) return job;
        const id = String(nextRun++);
        runs.set(id, { account: account[1]!, job, polls: 0, status: 'Job Not Started', fails: failNext });
        failNext = false;
        return { status: 200, body: { report_run_id: id } };
      }
      const run = /^(\d+)(\/insights)?$/.exec(rest);
      const known = run ? runs.get(run[1]!) : undefined;
      if (run && known && r.method === 'GET') return run[2] ? page(known, run[1]!, p, [...(facts.get(known.account)?.values() ?? [])], currency) : poll(known, run[1]!, options.pollsToComplete ?? 2);
      return noObject(rest.split('/')[0] ?? rest);
    },
  };
  const base = await startStandIn(contract, options);
  return {
    ...base,
    runs,
    reset() {
      base.reset();
      facts.clear();
      runs.clear();
      failNext = false;
    },
    put(account, list) {
      const byKey = facts.get(account) ?? new Map<string, MetaSpendFact>();
      for (const f of list) byKey.set(`${f.date}|${f.campaignId}`, f);
      facts.set(account, byKey);
    },
    failNextJob() {
      failNext = true;
    },
  };
}
