import type { AccessTokenProvider } from '../auth/access-token.js';
import { exchangeAuthorized, type AuthorizedExchange } from '../auth/authorized-exchange.js';
import type { HttpAnswer, VendorRule } from '../http/classify.js';
import { joinUrl, type RequestContext } from '../http/request.js';
import { parseRetryAfter } from '../http/retry-after.js';

/** An operation error inside a Microsoft Advertising fault (activation-contracts.md §5.1). */
export interface MicrosoftOperationError {
  readonly Code?: number;
  readonly ErrorCode?: string;
  readonly Message?: string;
  readonly Details?: string;
}

/** The operation errors of an `ApplicationFault` / `AdApiFaultDetail` body, however nested. */
export function microsoftFaultErrors(body: unknown): MicrosoftOperationError[] {
  if (!body || typeof body !== 'object') return [];
  const b = body as Record<string, unknown>;
  const list = [b['OperationErrors'], b['Errors'], b['BatchErrors']].find((x) => Array.isArray(x)) as unknown[] | undefined;
  return (list ?? []).filter((e): e is MicrosoftOperationError => !!e && typeof e === 'object');
}

/** Microsoft's throttle and token codes (§5.1, §10.1; "from memory", see the package README). */
export const MICROSOFT_CODES = { invalidCredentials: 105, userNotAuthorized: 106, tokenExpired: 109, callRateExceeded: 117 } as const;

/** A 401, or fault code 109 AuthenticationTokenExpired in any status: refresh and retry once. */
export const microsoftTokenRefused = (answer: HttpAnswer): boolean =>
  answer.status === 401 || microsoftFaultErrors(answer.body).some((e) => e.Code === MICROSOFT_CODES.tokenExpired);

/**
 * Microsoft Advertising on top of the generic rule: throttling is operation error 117
 * `CallRateExceeded` (back off about 60 s; the HTTP status is not documented in the research
 * notes, so the code is read in any status); 105/106/109 are credentials.
 */
export const microsoftRule: VendorRule = (answer, now) => {
  const errors = microsoftFaultErrors(answer.body);
  const first = errors[0];
  if (!first || (answer.status >= 200 && answer.status < 300)) return undefined;
  const text = `Microsoft Advertising ${first.Code ?? '?'} ${first.ErrorCode ?? ''}: ${first.Message ?? ''}`.trim();
  if (errors.some((e) => e.Code === MICROSOFT_CODES.callRateExceeded)) return { kind: 'rate_limited', reason: text, code: 'CallRateExceeded', retryAfterMs: parseRetryAfter(answer.headers.get('retry-after'), now) ?? 60_000 };
  if (first.Code === MICROSOFT_CODES.invalidCredentials || first.Code === MICROSOFT_CODES.userNotAuthorized || first.Code === MICROSOFT_CODES.tokenExpired) {
    return { kind: 'permanent', reason: `${text}; check the developer token, customer and account ids, or reconnect`, code: first.ErrorCode ?? String(first.Code) };
  }
  if (answer.status >= 500) return undefined;
  return { kind: 'permanent', reason: text, code: first.ErrorCode ?? String(first.Code ?? `HTTP_${answer.status}`) };
};

/** Settings of one Microsoft Advertising account connection. */
export interface MicrosoftAdsClientSettings {
  /** @defaultValue https://campaign.api.bingads.microsoft.com (sandbox: campaign.api.sandbox.bingads.microsoft.com) */
  readonly endpoint: string;
  readonly developerToken: string;
  /** The manager customer id (`CustomerId` header). */
  readonly customerId: string;
  /** The ad account id (`CustomerAccountId` header). */
  readonly customerAccountId: string;
  readonly accessToken?: string | undefined;
}

/**
 * The Microsoft Advertising REST client (Campaign Management v13 JSON binding, §5.1): Bearer
 * token from the provider plus `DeveloperToken`, `CustomerId`, `CustomerAccountId` on every
 * call; one refresh on a 401 or fault 109. Reporting's submit/poll calls (reporting-and-spend.md
 * §B5) go through `post` on the same client.
 */
export function microsoftAdsClient(settings: MicrosoftAdsClientSettings, ctx: RequestContext, auth: AccessTokenProvider | undefined) {
  return {
    post: (path: string, body: unknown): Promise<AuthorizedExchange> =>
      exchangeAuthorized(
        ctx,
        auth,
        (t) => ({
          method: 'POST',
          url: joinUrl(settings.endpoint, path),
          headers: { authorization: `Bearer ${t.accessToken}`, developertoken: settings.developerToken, customerid: settings.customerId, customeraccountid: settings.customerAccountId },
          body,
        }),
        microsoftTokenRefused,
      ),
  };
}
