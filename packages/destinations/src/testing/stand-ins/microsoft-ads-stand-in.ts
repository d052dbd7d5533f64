/**
 * Contract stand-in for Microsoft Advertising `ApplyOfflineConversions`, REST JSON binding:
 * `POST /CampaignManagement/v13/OfflineConversions/Apply`.
 *
 * Follows (shared/research/activation-contracts.md):
 * - §5.1 headers: Bearer token, DeveloperToken, CustomerId, CustomerAccountId
 *   (BingAds/BingAds-PHP-REST-SDK `Configuration.php`, `CampaignManagementServiceApi.php`);
 *   request `{OfflineConversions: [...]}` at most 1,000 (`ApplyOfflineConversionsRequest.php`);
 *   OfflineConversion fields (`OfflineConversion.php`): MicrosoftClickId (required unless hashed
 *   identifiers), ConversionName (a known goal), ConversionTime (UTC, after the click, within 90
 *   days), value >= 0, ISO currency, SHA-256 hashed e-mail / phone; same click id + time per goal
 *   ignored after the first;
 *   https://learn.microsoft.com/advertising/campaign-management-service/applyofflineconversions;
 * - answers: 200 `{PartialErrors: null | BatchError[]}` with `Index` (`BatchError.php`); faults
 *   `{TrackingId, Type: "AdApiFaultDetail", Errors: [{Code, ErrorCode, Message}]}`; throttling
 *   operation error 117 CallRateExceeded; 105 InvalidCredentials, 106 UserIsNotAuthorized, 109
 *   AuthenticationTokenExpired.
 * Unverified (§5.1, §13): the BatchError ErrorCode names (placeholders here, marked
 * `StandIn...`), the HTTP status of a 117 fault (400 here), and 105/106/109 ("from memory").
 */
import type { RecordedRequest, StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type HandlerContext, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, SHA256_HEX, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

const DAY = 86_400_000;
const fault = (status: number, code: number, errorCode: string, message: string): StandInAnswer => ({
  status,
  body: { TrackingId: 'stand-in-tracking', Type: 'AdApiFaultDetail', Errors: [{ Code: code, ErrorCode: errorCode, Message: message, Details: null }] },
});

export interface MicrosoftAdsStandInOptions extends StandInOptions {
  /** @defaultValue 'dev-token' */
  readonly developerToken?: string;
  /** @defaultValue '1111111' */
  readonly customerId?: string;
  /** @defaultValue '2222222' */
  readonly customerAccountId?: string;
  /** Offline conversion goals that exist. @defaultValue ['Offline Purchase'] */
  readonly goals?: readonly string[];
}

export interface MicrosoftAdsStandIn extends StandIn<Json> {
  /** Microsoft knows when its clicks happened. */
  registerClick(msclkid: string, atMs: number): void;
}

/** A BatchError element of `PartialErrors` (BatchError.php). */
const batchError = (i: number, code: number, errorCode: string, message: string) => ({ Code: code, ErrorCode: errorCode, FieldPath: null, ForwardCompatibilityMap: null, Index: i, Message: message, Details: null, Type: 'BatchError' });

/** What Microsoft knows: the goals that exist and when its clicks happened. */
interface MicrosoftState {
  readonly goals: ReadonlySet<string>;
  readonly clicks: Map<string, number>;
}

/** Why one offline conversion is not applied (its BatchError), or undefined. */
function itemError(state: MicrosoftState, c: unknown, i: number, now: number) {
  if (!isObject(c)) return batchError(i, 4800, 'StandInInvalidOfflineConversion', 'The offline conversion is not an object.');
  const hashed = ['HashedEmailAddress', 'HashedPhoneNumber'].filter((k) => c[k] !== undefined);
  for (const k of hashed) if (!(typeof c[k] === 'string' && SHA256_HEX.test(c[k]))) return batchError(i, 4801, 'StandInInvalidHashedIdentifier', `${k} must be a SHA-256 hex digest.`);
  if (!isNonEmptyString(c['MicrosoftClickId']) && hashed.length === 0) return batchError(i, 4802, 'StandInMicrosoftClickIdRequired', 'MicrosoftClickId is required.');
  if (!isNonEmptyString(c['ConversionName']) || !state.goals.has(c['ConversionName'])) return batchError(i, 4803, 'StandInConversionGoalNotFound', `The offline conversion goal "${String(c['ConversionName'])}" was not found.`);
  const at = typeof c['ConversionTime'] === 'string' && /Z$|[+-]\d{2}:\d{2}$/.test(c['ConversionTime']) ? Date.parse(c['ConversionTime']) : NaN;
  if (Number.isNaN(at)) return batchError(i, 4804, 'StandInInvalidConversionTime', 'ConversionTime must be a UTC date-time.');
  if (at > now + 5 * 60_000 || now - at > 90 * DAY) return batchError(i, 4805, 'StandInConversionTimeOutsideWindow', 'ConversionTime is in the future or outside the conversion window.');
  const clickAt = isNonEmptyString(c['MicrosoftClickId']) ? state.clicks.get(c['MicrosoftClickId']) : undefined;
  if (clickAt !== undefined && at < clickAt) return batchError(i, 4806, 'StandInConversionBeforeClick', 'The offline conversion for this click id could not be applied: it precedes the click.');
  if (c['ConversionValue'] !== undefined && !(typeof c['ConversionValue'] === 'number' && c['ConversionValue'] >= 0)) return batchError(i, 4807, 'StandInInvalidConversionValue', 'ConversionValue must be >= 0.');
  if (c['ConversionCurrencyCode'] !== undefined && !/^[A-Z]{3}$/.test(String(c['ConversionCurrencyCode']))) return batchError(i, 4808, 'StandInInvalidCurrencyCode', 'ConversionCurrencyCode is invalid.');
  return undefined;
}

/** `ApplyOfflineConversions`: a fault for the request as a whole, else 200 with PartialErrors. */
function apply(state: MicrosoftState, body: unknown, ctx: HandlerContext<Json>): StandInAnswer {
  const list = isObject(body) ? asArray(body['OfflineConversions']) : undefined;
  if (!list || list.length === 0) return fault(400, 100, 'NullRequest', 'OfflineConversions is required.');
  if (list.length > 1000) return fault(400, 1201, 'ArrayExceedsLimit', 'OfflineConversions exceeds the limit of 1,000 items.');
  const errors = list.map((c, i) => (ctx.partial?.indexes.includes(i) ? batchError(i, 4806, ctx.partial.code ?? 'StandInScriptedFailure', 'Offline conversion application failed.') : itemError(state, c, i, ctx.now)));
  (list as Json[]).forEach((c, i) => {
    if (errors[i]) return;
    const who = isNonEmptyString(c['MicrosoftClickId']) ? c['MicrosoftClickId'] : `email:${String(c['HashedEmailAddress'] ?? c['HashedPhoneNumber'])}`;
    ctx.accept(`${String(c['ConversionName'])}|${who}|${String(c['ConversionTime'])}`, c);
  });
  const partialErrors = errors.filter((e) => e !== undefined);
  return { status: 200, body: { PartialErrors: partialErrors.length ? partialErrors : null } };
}

/** The headers every call needs besides the token (§5.1): developer token, customer and account. */
function headerFault(options: MicrosoftAdsStandInOptions, r: RecordedRequest): StandInAnswer | undefined {
  if (r.headers['developertoken'] !== (options.developerToken ?? 'dev-token')) return fault(401, 105, 'InvalidCredentials', 'Authentication failed: the developer token is invalid.');
  if (r.headers['customerid'] !== (options.customerId ?? '1111111') || r.headers['customeraccountid'] !== (options.customerAccountId ?? '2222222')) {
    return fault(403, 106, 'UserIsNotAuthorized', 'The user does not represent a authorized developer for this customer or account.');
  }
  return undefined;
}

function microsoftAdsContract(options: MicrosoftAdsStandInOptions, state: MicrosoftState): VendorContract<Json> {
  return {
    name: 'microsoft-ads-conversions',
    dedupWindowMs: Infinity,
    route: (r) => r.method === 'POST' && r.path === '/CampaignManagement/v13/OfflineConversions/Apply',
    notFound: () => ({ status: 404, body: { Message: 'No HTTP resource was found that matches the request URI.' } }),
    credential: (r) => bearerToken(r.headers),
    unauthorized: (_r, why) =>
      why === 'expired'
        ? fault(401, 109, 'AuthenticationTokenExpired', 'The OAuth access token has expired.')
        : fault(401, 105, 'InvalidCredentials', 'Authentication failed. Either supplied credentials are invalid or the account is inactive.'),
    precheck: (r) => headerFault(options, r),
    rateLimited: () => fault(400, 117, 'CallRateExceeded', 'You have exceeded the number of calls that you are allowed to make in a given time period.'),
    errorBody: (status) =>
      status === 429
        ? fault(429, 117, 'CallRateExceeded', 'Throttled (injected)').body
        : status >= 500
          ? fault(status, 0, 'InternalError', 'An internal error has occurred (injected).').body
          : fault(status, 100, 'NullRequest', 'Invalid request (injected).').body,
    handle: (req, ctx) => apply(state, req.body, ctx),
  };
}

/** Starts the stand-in on a free port. */
export async function startMicrosoftAdsStandIn(options: MicrosoftAdsStandInOptions = {}): Promise<MicrosoftAdsStandIn> {
  const state: MicrosoftState = { goals: new Set(options.goals ?? ['Offline Purchase']), clicks: new Map() };
  const base = await startStandIn(microsoftAdsContract(options, state), options);
  return Object.assign(base, { registerClick: (id: string, at: number) => void state.clicks.set(id, at) });
}
