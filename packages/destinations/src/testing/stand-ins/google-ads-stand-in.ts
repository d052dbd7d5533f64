/**
 * Contract stand-in for the Google Ads API
 * `POST /v{23-26}/customers/{customerId}:uploadClickConversions`.
 *
 * Follows (shared/research/activation-contracts.md):
 * - §1.1 versions v23-v26 (others 404); allow-list policy: a token not allowed gets
 *   `notAllowlistedError: CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE` inside partialFailureError;
 * - §1.2 headers: Bearer (scope adwords), `developer-token` on every call, `login-customer-id`
 *   when acting through a manager; customer id 10 digits;
 * - §1.3 request: conversions <= 2000 (TOO_MANY_CONVERSIONS_IN_REQUEST), partialFailure,
 *   validateOnly (no results, nothing uploaded), jobId in [0, 2^31) echoed as an int64 string;
 * - §1.4-§1.6 ClickConversion: one of gclid/gbraid/wbraid (GBRAID_WBRAID_BOTH_SET), action
 *   resource name (NO_CONVERSION_ACTION_FOUND), `yyyy-mm-dd hh:mm:ss+|-hh:mm`, after the click
 *   (CONVERSION_PRECEDES_EVENT), inside the window (EXPIRED_EVENT), click < 6 h
 *   (TOO_RECENT_EVENT), <= 5 hashed identifiers; dedup: CLICK_CONVERSION_ALREADY_EXISTS,
 *   ORDER_ID_ALREADY_IN_USE, DUPLICATE_ORDER_ID / DUPLICATE_CLICK_CONVERSION_IN_REQUEST;
 * - §1.8 answers: 200 with positional results (`{}` for a failed row) and partialFailureError
 *   {code 3, details[GoogleAdsFailure{errors[{errorCode, message, location.fieldPathElements}]}]};
 *   with partialFailure false the first error fails the request (400);
 * - §1.7/§1.10 quota: 429 RESOURCE_EXHAUSTED with quotaErrorDetails.retryDelay;
 * - https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/uploadClickConversions.
 * Missing / unapproved developer token answers (401 DEVELOPER_TOKEN_PARAMETER_MISSING, 403
 * DEVELOPER_TOKEN_NOT_APPROVED) follow the AuthenticationError / AuthorizationError enums; their
 * exact REST bodies are not in the research notes.
 */
import type { RecordedRequest, StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, withVendorState, type HandlerContext, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { perActionCounts } from './per-action-counts.js';
import { asArray, isNonEmptyString, isObject, SHA256_HEX, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

const DAY = 86_400_000;
const ROUTE = /^\/(v2[3-6])\/customers\/(\d{10}):uploadClickConversions$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})([+-]\d{2}:\d{2})$/;
const HTTP_STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

type AdsError = { errorCode: Record<string, string>; message: string; location?: { fieldPathElements: Json[] } };
const adsError = (category: string, code: string, message: string, index?: number, field?: string): AdsError => ({
  errorCode: { [category]: code },
  message,
  ...(index !== undefined ? { location: { fieldPathElements: [{ fieldName: 'conversions', index }, ...(field ? [{ fieldName: field }] : [])] } } : {}),
});
const failure = (version: string, errors: AdsError[]) => ({ '@type': `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`, errors, requestId: 'stand-in' });
const fatal = (http: number, version: string, errors: AdsError[], message = errors[0]?.message ?? 'error'): StandInAnswer => ({
  status: http,
  body: { error: { code: http, message, status: HTTP_STATUS[http] ?? 'UNKNOWN', details: [failure(version, errors)] } },
});

export interface GoogleAdsStandInOptions extends StandInOptions {
  /** @defaultValue 'dev-token' */
  readonly developerToken?: string;
  /** When set, calls must carry this `login-customer-id`. */
  readonly managerCustomerId?: string;
  /** Conversion action ids of type UPLOAD_CLICKS. @defaultValue any */
  readonly conversionActions?: readonly string[];
  /** The token may still upload click conversions (§1.1). @defaultValue true */
  readonly allowlisted?: boolean;
}

export interface GoogleAdsStandIn extends StandIn<Json> {
  registerClick(clickId: string, atMs: number): void;
}

/** What Google knows: its clicks, and the orders and click conversions already uploaded. */
interface AdsState {
  readonly options: GoogleAdsStandInOptions;
  readonly clicks: Map<string, number>;
  readonly orders: Set<string>;
  readonly clickKeys: Set<string>;
}

/** Orders and click conversions seen earlier in the same request. */
type SeenInRequest = { orders: Set<string>; clicks: Set<string> };

const CLICK_IDS = ['gclid', 'gbraid', 'wbraid'] as const;
const clickOf = (c: Json) => CLICK_IDS.map((k) => c[k]).find(isNonEmptyString);

/** The action (must be this customer's, and known) and the conversion time, or the row's error. */
function actionAndTime(st: AdsState, c: Json, i: number, cid: string): { action: string; at: number } | AdsError {
  const e = (code: string, message: string, field?: string) => adsError('conversionUploadError', code, message, i, field);
  if (st.options.allowlisted === false) return adsError('notAllowlistedError', 'CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE', 'Customer is not allowlisted for accessing this feature.', i, 'conversion_environment');
  const action = /^customers\/(\d{10})\/conversionActions\/(\d+)$/.exec(String(c['conversionAction']));
  if (!action || action[1] !== cid || (st.options.conversionActions && !st.options.conversionActions.includes(action[2]!))) {
    return e('NO_CONVERSION_ACTION_FOUND', "The conversion action specified in the upload request cannot be found. Make sure it's available in this account.", 'conversion_action');
  }
  if (isNonEmptyString(c['gbraid']) && isNonEmptyString(c['wbraid'])) return e('GBRAID_WBRAID_BOTH_SET', 'gbraid and wbraid cannot both be set', 'gbraid');
  const m = DATE_TIME.exec(String(c['conversionDateTime']));
  const at = m ? Date.parse(`${m[1]}T${m[2]}${m[3]}`) : NaN;
  if (Number.isNaN(at)) return adsError('dateError', 'INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET', 'conversionDateTime must be yyyy-mm-dd hh:mm:ss+|-hh:mm', i, 'conversion_date_time');
  return { action: action[2]!, at };
}

/** Identifiers and the click's timing: hashed identifiers only, the click known and not too recent. */
function clickError(st: AdsState, c: Json, i: number, at: number, now: number): AdsError | undefined {
  const e = (code: string, message: string, field?: string) => adsError('conversionUploadError', code, message, i, field);
  const ids = asArray(c['userIdentifiers']) ?? [];
  if (ids.length > 5) return e('INVALID_USER_IDENTIFIER', 'at most 5 user identifiers', 'user_identifiers');
  for (const u of ids) {
    const h = isObject(u) ? (u['hashedEmail'] ?? u['hashedPhoneNumber']) : undefined;
    if (!(typeof h === 'string' && SHA256_HEX.test(h))) return e('UNSUPPORTED_USER_IDENTIFIER', 'only hashedEmail / hashedPhoneNumber, SHA-256 hex', 'user_identifiers');
  }
  const click = clickOf(c);
  if (!click && ids.length === 0) return e('CLICK_NOT_FOUND', 'no click id and no user identifiers', 'gclid');
  const clickAt = click ? st.clicks.get(click) : undefined;
  if (clickAt !== undefined && at < clickAt) return e('CONVERSION_PRECEDES_EVENT', 'The conversion precedes the click.', 'conversion_date_time');
  if (clickAt !== undefined && at - clickAt > 90 * DAY) return e('EXPIRED_EVENT', 'The click is outside the click-through window.', 'gclid');
  if (clickAt !== undefined && now - clickAt < 6 * 3_600_000) return e('TOO_RECENT_EVENT', 'The click is too recent; retry after 6 hours.', 'gclid');
  return undefined;
}

/** Duplicates: in this request first (DUPLICATE_*), then against what was uploaded before (*_ALREADY_*). */
function duplicateError(st: AdsState, c: Json, i: number, action: string, at: number, seen: SeenInRequest): AdsError | undefined {
  const e = (code: string, message: string, field?: string) => adsError('conversionUploadError', code, message, i, field);
  const click = clickOf(c);
  const order = isNonEmptyString(c['orderId']) ? `${action}|${c['orderId']}` : undefined;
  const clickKey = click ? `${action}|${click}|${at}` : undefined;
  if (order && seen.orders.has(order)) return e('DUPLICATE_ORDER_ID', 'The same order id appears twice in this request.', 'order_id');
  if (clickKey && seen.clicks.has(clickKey)) return e('DUPLICATE_CLICK_CONVERSION_IN_REQUEST', 'The same click conversion appears twice in this request.', 'gclid');
  if (order) seen.orders.add(order);
  if (clickKey) seen.clicks.add(clickKey);
  if (order && st.orders.has(order)) return e('ORDER_ID_ALREADY_IN_USE', 'This order id was already used for this conversion action.', 'order_id');
  if (clickKey && st.clickKeys.has(clickKey)) return e('CLICK_CONVERSION_ALREADY_EXISTS', 'This click conversion was already uploaded.', 'gclid');
  return undefined;
}

/** One conversion's error, checked in the vendor's order, or undefined. */
function rowError(st: AdsState, c: unknown, i: number, cid: string, now: number, seen: SeenInRequest): AdsError | undefined {
  if (!isObject(c)) return adsError('conversionUploadError', 'INVALID_ARGUMENT', 'not an object', i);
  const timed = actionAndTime(st, c, i, cid);
  if ('errorCode' in timed) return timed;
  return clickError(st, c, i, timed.at, now) ?? duplicateError(st, c, i, timed.action, timed.at, seen);
}

/** A conversion's positional result (`{}` when it failed); an accepted one is remembered for dedup. */
function resultFor(st: AdsState, c: Json, e: AdsError | undefined, ctx: HandlerContext<Json>, validateOnly: boolean): Json {
  const action = /conversionActions\/(\d+)$/.exec(String(c['conversionAction']))?.[1] ?? '';
  const click = clickOf(c);
  const m = DATE_TIME.exec(String(c['conversionDateTime']));
  const key = isNonEmptyString(c['orderId']) ? c['orderId'] : `${CLICK_IDS.find((k) => isNonEmptyString(c[k]))}:${click}:${String(c['conversionDateTime'])}`;
  const dup = e && ['ORDER_ID_ALREADY_IN_USE', 'CLICK_CONVERSION_ALREADY_EXISTS'].includes(Object.values(e.errorCode)[0]!);
  if (validateOnly) {
    if (!e) ctx.acceptTest(key, c);
    return {};
  }
  if (dup) ctx.accept(`${action}|${key}`, c); // the vendor saw it again; counted once
  if (e) return {};
  if (isNonEmptyString(c['orderId'])) st.orders.add(`${action}|${c['orderId']}`);
  if (click && m) st.clickKeys.add(`${action}|${click}|${Date.parse(`${m[1]}T${m[2]}${m[3]}`)}`);
  ctx.accept(`${action}|${key}`, c);
  return { ...(click ? { gclid: click } : {}), conversionAction: c['conversionAction'], conversionDateTime: c['conversionDateTime'] };
}

/** The request-level checks (§1.3): conversions present and at most 2000, jobId in range. */
function requestError(v: string, b: Json): StandInAnswer | undefined {
  const list = asArray(b['conversions']);
  if (!list || list.length === 0) return fatal(400, v, [adsError('requestError', 'REQUIRED_FIELD_MISSING', 'conversions is required')]);
  if (list.length > 2000) return fatal(400, v, [adsError('conversionUploadError', 'TOO_MANY_CONVERSIONS_IN_REQUEST', 'Upload fewer than 2001 conversions in a single request.')]);
  const jobId = b['jobId'];
  if (jobId !== undefined && !(Number.isInteger(jobId) && (jobId as number) >= 0 && (jobId as number) < 2 ** 31)) return fatal(400, v, [adsError('conversionUploadError', 'INVALID_JOB_ID', 'jobId must be in [0, 2^31)')]);
  return undefined;
}

/** `customers/{id}:uploadClickConversions`: positional results plus partialFailureError, or a 400. */
function upload(st: AdsState, req: RecordedRequest, ctx: HandlerContext<Json>): StandInAnswer {
  const [, v = 'v26', cid = ''] = ROUTE.exec(req.path) ?? [];
  const b = isObject(req.body) ? req.body : {};
  const refused = requestError(v, b);
  if (refused) return refused;
  const list = asArray(b['conversions'])!;
  const seen: SeenInRequest = { orders: new Set<string>(), clicks: new Set<string>() };
  const errors = list.map((c, i) => (ctx.partial?.indexes.includes(i) ? adsError('conversionUploadError', ctx.partial.code ?? 'UNPARSEABLE_GCLID', 'The click ID could not be decoded (scripted).', i, 'gclid') : rowError(st, c, i, cid, ctx.now, seen)));
  const validateOnly = b['validateOnly'] === true;
  if (b['partialFailure'] !== true && errors.some((e) => e)) return fatal(400, v, errors.filter((e): e is AdsError => !!e).slice(0, 1));
  const results = (list as Json[]).map((c, i) => resultFor(st, c, errors[i], ctx, validateOnly));
  const failed = errors.filter((e): e is AdsError => !!e);
  return {
    status: 200,
    body: {
      ...(failed.length ? { partialFailureError: { code: 3, message: failed.map((e) => `${e.message}, at conversions[${String(e.location?.fieldPathElements[0]?.['index'])}]`).join(', '), details: [failure(v, failed)] } } : {}),
      ...(validateOnly ? {} : { results }),
      ...(b['jobId'] !== undefined ? { jobId: String(b['jobId']) } : {}),
    },
  };
}

/** The developer token on every call (§1.2), and the manager's id when acting through one. */
function developerTokenFault(options: GoogleAdsStandInOptions, r: RecordedRequest): StandInAnswer | undefined {
  const v = ROUTE.exec(r.path)![1]!;
  const dev = r.headers['developer-token'];
  if (!dev) return fatal(401, v, [adsError('authenticationError', 'DEVELOPER_TOKEN_PARAMETER_MISSING', 'The developer token is not on the request.')]);
  if (dev !== (options.developerToken ?? 'dev-token')) return fatal(403, v, [adsError('authorizationError', 'DEVELOPER_TOKEN_NOT_APPROVED', 'The developer token is not approved.')]);
  if (options.managerCustomerId && r.headers['login-customer-id'] !== options.managerCustomerId) {
    return fatal(403, v, [adsError('authorizationError', 'USER_PERMISSION_DENIED', "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.")]);
  }
  return undefined;
}

function googleAdsContract(st: AdsState): VendorContract<Json> {
  return {
    name: 'google-ads-click-conversions',
    dedupWindowMs: Infinity,
    route: (r) => r.method === 'POST' && ROUTE.test(r.path),
    notFound: (r) => fatal(404, 'v26', [adsError('requestError', 'UNKNOWN', `Method not found: ${r.path}`)]),
    credential: (r) => bearerToken(r.headers),
    unauthorized: () => fatal(401, 'v26', [adsError('authenticationError', 'OAUTH_TOKEN_INVALID', 'Request had invalid authentication credentials.')], 'Request is missing required authentication credential. Expected OAuth 2 access token.'),
    precheck: (r) => developerTokenFault(st.options, r),
    rateLimited: (ms) => ({
      status: 429,
      body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED', details: [{ ...failure('v26', [{ ...adsError('quotaError', 'RESOURCE_EXHAUSTED', 'Too many requests.'), details: { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Number of operations for basic access', retryDelay: `${Math.max(1, Math.ceil(ms / 1000))}s` } } } as AdsError]) }] } },
    }),
    errorBody: (status) => fatal(status, 'v26', [adsError(status >= 500 ? 'internalError' : 'requestError', status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_INPUT', `injected ${status}`)]).body,
    handle: (req, ctx) => upload(st, req, ctx),
  };
}

/** Starts the stand-in on a free port. */
export async function startGoogleAdsStandIn(options: GoogleAdsStandInOptions = {}): Promise<GoogleAdsStandIn> {
  const st: AdsState = { options, clicks: new Map(), orders: new Set(), clickKeys: new Set() };
  const base = await startStandIn(googleAdsContract(st), options);
  const extra = { ...perActionCounts(base), registerClick: (id: string, at: number) => void st.clicks.set(id, at) };
  return withVendorState(base, extra, () => {
    st.orders.clear();
    st.clickKeys.clear();
  });
}
