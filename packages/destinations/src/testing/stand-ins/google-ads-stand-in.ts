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
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
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

/**
 * Starts the stand-in on a free port. One closure, longer than our usual function: the vendor's
 * state (clicks, orders already uploaded) is private to it, and each rule is a small inner check.
 */
export async function startGoogleAdsStandIn(options: GoogleAdsStandInOptions = {}): Promise<GoogleAdsStandIn> {
  const clicks = new Map<string, number>();
  const orders = new Set<string>();
  const clickKeys = new Set<string>();

  const rowError = (c: unknown, i: number, cid: string, now: number, seen: { orders: Set<string>; clicks: Set<string> }): AdsError | undefined => {
    const e = (code: string, message: string, field?: string) => adsError('conversionUploadError', code, message, i, field);
    if (!isObject(c)) return e('INVALID_ARGUMENT', 'not an object');
    if (options.allowlisted === false) return adsError('notAllowlistedError', 'CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE', 'Customer is not allowlisted for accessing this feature.', i, 'conversion_environment');
    const action = /^customers\/(\d{10})\/conversionActions\/(\d+)$/.exec(String(c['conversionAction']));
    if (!action || action[1] !== cid || (options.conversionActions && !options.conversionActions.includes(action[2]!))) {
      return e('NO_CONVERSION_ACTION_FOUND', "The conversion action specified in the upload request cannot be found. Make sure it's available in this account.", 'conversion_action');
    }
    if (isNonEmptyString(c['gbraid']) && isNonEmptyString(c['wbraid'])) return e('GBRAID_WBRAID_BOTH_SET', 'gbraid and wbraid cannot both be set', 'gbraid');
    const m = DATE_TIME.exec(String(c['conversionDateTime']));
    const at = m ? Date.parse(`${m[1]}T${m[2]}${m[3]}`) : NaN;
    if (Number.isNaN(at)) return adsError('dateError', 'INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET', 'conversionDateTime must be yyyy-mm-dd hh:mm:ss+|-hh:mm', i, 'conversion_date_time');
    const ids = asArray(c['userIdentifiers']) ?? [];
    if (ids.length > 5) return e('INVALID_USER_IDENTIFIER', 'at most 5 user identifiers', 'user_identifiers');
    for (const u of ids) {
      const h = isObject(u) ? (u['hashedEmail'] ?? u['hashedPhoneNumber']) : undefined;
      if (!(typeof h === 'string' && SHA256_HEX.test(h))) return e('UNSUPPORTED_USER_IDENTIFIER', 'only hashedEmail / hashedPhoneNumber, SHA-256 hex', 'user_identifiers');
    }
    const click = (['gclid', 'gbraid', 'wbraid'] as const).map((k) => c[k]).find(isNonEmptyString);
    if (!click && ids.length === 0) return e('CLICK_NOT_FOUND', 'no click id and no user identifiers', 'gclid');
    const clickAt = click ? clicks.get(click) : undefined;
    if (clickAt !== undefined && at < clickAt) return e('CONVERSION_PRECEDES_EVENT', 'The conversion precedes the click.', 'conversion_date_time');
    if (clickAt !== undefined && at - clickAt > 90 * DAY) return e('EXPIRED_EVENT', 'The click is outside the click-through window.', 'gclid');
    if (clickAt !== undefined && now - clickAt < 6 * 3_600_000) return e('TOO_RECENT_EVENT', 'The click is too recent; retry after 6 hours.', 'gclid');
    const order = isNonEmptyString(c['orderId']) ? `${action[2]}|${c['orderId']}` : undefined;
    const clickKey = click ? `${action[2]}|${click}|${at}` : undefined;
    if (order && seen.orders.has(order)) return e('DUPLICATE_ORDER_ID', 'The same order id appears twice in this request.', 'order_id');
    if (clickKey && seen.clicks.has(clickKey)) return e('DUPLICATE_CLICK_CONVERSION_IN_REQUEST', 'The same click conversion appears twice in this request.', 'gclid');
    if (order) seen.orders.add(order);
    if (clickKey) seen.clicks.add(clickKey);
    if (order && orders.has(order)) return e('ORDER_ID_ALREADY_IN_USE', 'This order id was already used for this conversion action.', 'order_id');
    if (clickKey && clickKeys.has(clickKey)) return e('CLICK_CONVERSION_ALREADY_EXISTS', 'This click conversion was already uploaded.', 'gclid');
    return undefined;
  };

  const contract: VendorContract<Json> = {
    name: 'google-ads-click-conversions',
    dedupWindowMs: Infinity,
    route: (r) => r.method === 'POST' && ROUTE.test(r.path),
    notFound: (r) => fatal(404, 'v26', [adsError('requestError', 'UNKNOWN', `Method not found: ${r.path}`)]),
    credential: (r) => bearerToken(r.headers),
    unauthorized: () => fatal(401, 'v26', [adsError('authenticationError', 'OAUTH_TOKEN_INVALID', 'Request had invalid authentication credentials.')], 'Request is missing required authentication credential. Expected OAuth 2 access token.'),
    precheck(r) {
      const v = ROUTE.exec(r.path)![1]!;
      const dev = r.headers['developer-token'];
      if (!dev) return fatal(401, v, [adsError('authenticationError', 'DEVELOPER_TOKEN_PARAMETER_MISSING', 'The developer token is not on the request.')]);
      if (dev !== (options.developerToken ?? 'dev-token')) return fatal(403, v, [adsError('authorizationError', 'DEVELOPER_TOKEN_NOT_APPROVED', 'The developer token is not approved.')]);
      if (options.managerCustomerId && r.headers['login-customer-id'] !== options.managerCustomerId) {
        return fatal(403, v, [adsError('authorizationError', 'USER_PERMISSION_DENIED', "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.")]);
      }
      return undefined;
    },
    rateLimited: (ms) => ({
      status: 429,
      body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED', details: [{ ...failure('v26', [{ ...adsError('quotaError', 'RESOURCE_EXHAUSTED', 'Too many requests.'), details: { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Number of operations for basic access', retryDelay: `${Math.max(1, Math.ceil(ms / 1000))}s` } } } as AdsError]) }] } },
    }),
    errorBody: (status) => fatal(status, 'v26', [adsError(status >= 500 ? 'internalError' : 'requestError', status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_INPUT', `injected ${status}`)]).body,
    handle(req, ctx) {
      const [, v = 'v26', cid = ''] = ROUTE.exec(req.path) ?? [];
      const b = isObject(req.body) ? req.body : {};
      const list = asArray(b['conversions']);
      if (!list || list.length === 0) return fatal(400, v, [adsError('requestError', 'REQUIRED_FIELD_MISSING', 'conversions is required')]);
      if (list.length > 2000) return fatal(400, v, [adsError('conversionUploadError', 'TOO_MANY_CONVERSIONS_IN_REQUEST', 'Upload fewer than 2001 conversions in a single request.')]);
      const jobId = b['jobId'];
      if (jobId !== undefined && !(Number.isInteger(jobId) && (jobId as number) >= 0 && (jobId as number) < 2 ** 31)) return fatal(400, v, [adsError('conversionUploadError', 'INVALID_JOB_ID', 'jobId must be in [0, 2^31)')]);
      const seen = { orders: new Set<string>(), clicks: new Set<string>() };
      const errors = list.map((c, i) => (ctx.partial?.indexes.includes(i) ? adsError('conversionUploadError', ctx.partial.code ?? 'UNPARSEABLE_GCLID', 'The click ID could not be decoded (scripted).', i, 'gclid') : rowError(c, i, cid, ctx.now, seen)));
      const validateOnly = b['validateOnly'] === true;
      if (b['partialFailure'] !== true && errors.some((e) => e)) return fatal(400, v, errors.filter((e): e is AdsError => !!e).slice(0, 1));
      const results = (list as Json[]).map((c, i) => {
        const e = errors[i];
        const action = /conversionActions\/(\d+)$/.exec(String(c['conversionAction']))?.[1] ?? '';
        const click = (['gclid', 'gbraid', 'wbraid'] as const).map((k) => c[k]).find(isNonEmptyString);
        const m = DATE_TIME.exec(String(c['conversionDateTime']));
        const key = isNonEmptyString(c['orderId']) ? c['orderId'] : `${(['gclid', 'gbraid', 'wbraid'] as const).find((k) => isNonEmptyString(c[k]))}:${click}:${String(c['conversionDateTime'])}`;
        const dup = e && ['ORDER_ID_ALREADY_IN_USE', 'CLICK_CONVERSION_ALREADY_EXISTS'].includes(Object.values(e.errorCode)[0]!);
        if (validateOnly) {
          if (!e) ctx.acceptTest(key, c);
          return {};
        }
        if (dup) ctx.accept(`${action}|${key}`, c); // the vendor saw it again; counted once
        if (e) return {};
        if (isNonEmptyString(c['orderId'])) orders.add(`${action}|${c['orderId']}`);
        if (click && m) clickKeys.add(`${action}|${click}|${Date.parse(`${m[1]}T${m[2]}${m[3]}`)}`);
        ctx.accept(`${action}|${key}`, c);
        return { ...(click ? { gclid: click } : {}), conversionAction: c['conversionAction'], conversionDateTime: c['conversionDateTime'] };
      });
      const failed = errors.filter((e): e is AdsError => !!e);
      return {
        status: 200,
        body: {
          ...(failed.length ? { partialFailureError: { code: 3, message: failed.map((e) => `${e.message}, at conversions[${String(e.location?.fieldPathElements[0]?.['index'])}]`).join(', '), details: [failure(v, failed)] } } : {}),
          ...(validateOnly ? {} : { results }),
          ...(jobId !== undefined ? { jobId: String(jobId) } : {}),
        },
      };
    },
  };
  const base = await startStandIn(contract, options);
  const reset = base.reset;
  // Dedup is per conversion action; `count(key)` sums over actions, as in the Data Manager stand-in.
  const sum = (f: (k: string) => number) => (key: string) => [...new Set(base.accepted.map((a) => a.key))].filter((k) => k.endsWith(`|${key}`)).reduce((n, k) => n + f(k), 0);
  return Object.assign(Object.create(null) as object, base, {
    count: sum(base.count),
    received: sum(base.received),
    registerClick: (id: string, at: number) => void clicks.set(id, at),
    reset: () => {
      reset();
      orders.clear();
      clickKeys.clear();
    },
  }) as GoogleAdsStandIn;
}
