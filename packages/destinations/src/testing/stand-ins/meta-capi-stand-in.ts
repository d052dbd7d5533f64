/**
 * Contract stand-in for the Meta Conversions API `POST /{version}/{pixel}/events`.
 *
 * Follows (shared/research/activation-contracts.md):
 * - §2.1 endpoint and auth: `access_token` in the query string or the body; JSON bodies and form
 *   bodies whose `data` field is a JSON string;
 *   https://developers.facebook.com/docs/marketing-api/conversions-api/using-the-api;
 * - §2.2 main body: `data` <= 1,000 events, one invalid event refuses the whole batch,
 *   `test_event_code` routes to Test Events;
 * - §2.3 server event: event_name, event_time (Unix seconds, <= 7 days old, 62 for
 *   physical_store: code 100 / subcode 2804003; not in the future), action_source enum,
 *   event_source_url and client_user_agent for website events, Purchase needs value + currency
 *   (subcode 2804009);
 *   https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event;
 * - §2.4 customer information: hashed keys must be SHA-256 lowercase hex; fbc / fbp formats
 *   (browser-realities.md §7.6,
 *   https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/);
 *   an fbc older than 90 days is accepted and reported in `diagnostics`, as Events Manager does;
 * - §2.5 dedup on event_name + event_id within 48 h (duplicates still count in events_received);
 * - §2.6-§2.7 throttling as Graph error code 4 (no Retry-After; `X-Business-Use-Case-Usage`
 *   carries `estimated_time_to_regain_access`), error body shape, code 190 for bad tokens.
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, SHA256_HEX, type Json } from '../json-shape.js';

const DAY = 86_400_000;
const ACTION_SOURCES = new Set(['email', 'website', 'app', 'phone_call', 'chat', 'physical_store', 'system_generated', 'business_messaging', 'other']);
const HASHED_KEYS = ['em', 'ph', 'fn', 'ln', 'db', 'ge', 'ct', 'st', 'zp', 'country', 'external_id'] as const;
const FBC = /^fb\.\d+\.(\d{13})\.[^.\s]+(\.[^.\s]+)?$/;
const FBP = /^fb\.\d+\.\d{13}\.\d+(\.[^.\s]+)?$/;

const trace = () => `Stand${Math.random().toString(36).slice(2, 12)}`;

/** A Graph API error answer (§2.7). */
export function graphError(status: number, code: number, message: string, extra: Json = {}): StandInAnswer {
  return { status, body: { error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: trace() } } };
}

const invalid = (title: string, msg: string, subcode?: number): StandInAnswer =>
  graphError(400, 100, 'Invalid parameter', { ...(subcode ? { error_subcode: subcode } : {}), is_transient: false, error_user_title: title, error_user_msg: msg });

export interface MetaCapiStandInOptions extends StandInOptions {
  /** The pixel (dataset) id that exists. @defaultValue any numeric id */
  readonly pixelId?: string;
}

function validateEvent(e: unknown, i: number, now: number, diagnose: (m: string) => void): StandInAnswer | undefined {
  if (!isObject(e)) return invalid('Invalid Event', `data[${i}] must be an object`);
  if (!isNonEmptyString(e['event_name'])) return invalid('Missing Event Name', `data[${i}].event_name is required`);
  const t = e['event_time'];
  if (typeof t !== 'number' || !Number.isInteger(t) || t > 1e11) {
    return invalid('Invalid Event Time', `data[${i}].event_time must be a Unix timestamp in seconds`);
  }
  const source = e['action_source'];
  if (typeof source !== 'string' || !ACTION_SOURCES.has(source)) return invalid('Invalid Action Source', `data[${i}].action_source is required and must be a valid value`);
  const maxAge = (source === 'physical_store' ? 62 : 7) * DAY;
  if (now - t * 1000 > maxAge) {
    return invalid('Event Timestamp Too Old', 'The timestamp for this event is too far in the past. Events need to be sent from your server within 7 days of when they occurred.', 2804003);
  }
  if (t * 1000 > now + 60_000) return invalid('Event Timestamp In Future', `data[${i}].event_time is in the future`);
  const u = e['user_data'];
  if (!isObject(u)) return invalid('Missing User Data', `data[${i}].user_data is required`);
  for (const k of HASHED_KEYS) {
    if (u[k] === undefined) continue;
    const values = Array.isArray(u[k]) ? (u[k] as unknown[]) : [u[k]];
    if (!values.every((x) => typeof x === 'string' && SHA256_HEX.test(x))) {
      return invalid('Invalid Hashed Parameter', `data[${i}].user_data.${k} must be a SHA-256 hash (64 lowercase hex characters)`);
    }
  }
  if (source === 'website') {
    if (!isNonEmptyString(e['event_source_url'])) return invalid('Missing Event Source URL', `data[${i}].event_source_url is required for website events`);
    if (!isNonEmptyString(u['client_user_agent'])) return invalid('Missing Client User Agent', `data[${i}].user_data.client_user_agent is required for website events`);
  }
  if (u['fbc'] !== undefined) {
    const m = typeof u['fbc'] === 'string' ? FBC.exec(u['fbc']) : null;
    if (!m) return invalid('Invalid fbc Parameter', `data[${i}].user_data.fbc must be fb.<subdomainIndex>.<creationTime ms>.<fbclid>`);
    const created = Number(m[1]);
    if (created > t * 1000 + 60_000) return invalid('Invalid fbc Parameter', `data[${i}].user_data.fbc creation time is after the event`);
    if (t * 1000 - created > 90 * DAY) diagnose(`data[${i}]: fbc older than 90 days (expired click) for event ${String(e['event_id'])}`);
  }
  if (u['fbp'] !== undefined && !(typeof u['fbp'] === 'string' && FBP.test(u['fbp']))) return invalid('Invalid fbp Parameter', `data[${i}].user_data.fbp must be fb.<subdomainIndex>.<creationTime ms>.<random>`);
  const c = isObject(e['custom_data']) ? e['custom_data'] : {};
  if (e['event_name'] === 'Purchase' && (typeof c['value'] !== 'number' || !isNonEmptyString(c['currency']))) {
    return graphError(400, 100, 'Invalid parameter', { error_subcode: 2804009, is_transient: false, error_user_title: 'Missing Value for Purchase Event', error_user_msg: "Your purchase event doesn't include a value parameter." });
  }
  return undefined;
}

/** Starts the stand-in on a free port. */
export async function startMetaCapiStandIn(options: MetaCapiStandInOptions = {}): Promise<StandIn<Json>> {
  const route = /^\/(v\d+\.\d+)\/(\d+)\/events$/;
  const contract: VendorContract<Json> = {
    name: 'meta-capi',
    dedupWindowMs: 48 * 3_600_000,
    route: (r) => r.method === 'POST' && route.test(r.path),
    notFound: (r) => graphError(400, 803, `Unknown path components: ${r.path}`),
    credential: (r) => r.query['access_token'] ?? (isObject(r.body) && typeof r.body['access_token'] === 'string' ? r.body['access_token'] : null),
    unauthorized: () => ({ ...graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token'), headers: { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token"' } }),
    rateLimited: (ms) => ({
      ...graphError(400, 4, 'Application request limit reached', { is_transient: true }),
      headers: { 'x-business-use-case-usage': JSON.stringify({ stand_in: [{ type: 'ads_management', call_count: 100, estimated_time_to_regain_access: Math.max(1, Math.ceil(ms / 60_000)) }] }) },
    }),
    errorBody: (status) =>
      status >= 500
        ? { error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true, fbtrace_id: trace() } }
        : status === 429
          ? { error: { message: 'Application request limit reached', type: 'OAuthException', code: 4, is_transient: true, fbtrace_id: trace() } }
          : { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: trace() } },
    handle(req, ctx) {
      const pixel = route.exec(req.path)?.[2];
      if (options.pixelId && pixel !== options.pixelId) {
        return graphError(400, 100, `Unsupported post request. Object with ID '${pixel}' does not exist`, { error_subcode: 33 });
      }
      const body = isObject(req.body) ? req.body : {};
      const data = asArray(body['data']);
      if (!data || data.length === 0) return invalid('Missing Data', 'The data parameter is required and must be a non-empty array of events');
      if (data.length > 1000) return invalid('Too Many Events', 'A request can include at most 1000 events');
      const diagnostics: string[] = [];
      for (let i = 0; i < data.length; i++) {
        const bad = validateEvent(data[i], i, ctx.now, (m) => diagnostics.push(m));
        if (bad) return bad; // one invalid event refuses the whole batch (§2.2)
      }
      if (ctx.partial && ctx.partial.indexes.some((i) => i < data.length)) {
        return invalid('Invalid Parameter', 'One or more events in the batch are invalid (scripted)');
      }
      diagnostics.forEach(ctx.diagnose);
      const testCode = body['test_event_code'];
      (data as Json[]).forEach((e, i) => {
        // Without event_id Meta has nothing to dedup on: every such event counts.
        const key = isNonEmptyString(e['event_id']) ? `${String(e['event_name'])}:${e['event_id']}` : `${String(e['event_name'])}:#${ctx.request}.${i}`;
        if (isNonEmptyString(testCode)) ctx.acceptTest(key, e);
        else ctx.accept(key, e);
      });
      return { status: 200, body: { events_received: data.length, messages: [], fbtrace_id: trace() } };
    },
  };
  return startStandIn(contract, options);
}
